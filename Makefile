# Grove — Makefile
#
#   make build     bootstrap system packages, then build (debug)
#   make run       build (release), train the bundled demo model on first use, serve it on 127.0.0.1:7070
#   make test      layer check, unit, integration and netcat smoke tests (what CI runs)
#   make proto     regenerate Sources/CGroveProto (protoc-c) and the Python client's code (protoc) from proto/
#   make smoke     netcat smoke test against a fresh server
#   make cluster   3 replicas on one repository behind HAProxy on 127.0.0.1:7070 (Ctrl-C stops all)
#   make cluster-test  rolling restart, kill -9 and a new version under load through HAProxy; prints the figures (~1 min)
#   make python-package-test  `pip install ./clients/python` into a fresh venv (PyPI's protobuf), run its tests there
#   make bench     serving and inference benchmarks, as ratios to the wire's limit measured in the same run (~5 min),
#                  then bench-wire, the allocation counts, and exact explanations against shap on the same trees
#                  when shap is importable (~2 min more)
#   make bench-wire  Grove against the C echo server (../shared/peers/serving/limit/pingpong.c), replayed by the C
#                  client: latency, 16x16 throughput and server CPU per request, dense rows and raw records (~1 min)
#   make bench-train  whole `grove train` process vs scikit-learn's fit, beside ranger: time, peak memory, AUC,
#                  two interleaved rounds per size (SIZES=50000,100000,300000; add 1000000 for 1M rows; ~8 min)
#   make fixtures  regenerate the ONNX import fixtures (needs /work/venv or VENV with scikit-learn, skl2onnx, xgboost,
#                  lightgbm, onnxmltools, onnxruntime; `make test` reads the committed files and needs none of them)
#   make bench-onnx  one-row speed of imported ONNX models against onnxruntime, same files, same run (needs VENV)
#   make fuzz      libFuzzer runs of the decoders
#   make sanitize  the test suite under AddressSanitizer and ThreadSanitizer
#   make format    format the Swift sources (swift-format, if installed)
#   make clean     remove build products and the demo repository
#
# Variables: PORT (default 7070), HOST (default 127.0.0.1), REPO (default run/repo).

SHELL := /bin/bash
SWIFT ?= swift
PORT ?= 7070
HOST ?= 127.0.0.1
REPO ?= run/repo
DEMO_DATA := data/german_credit.csv
DEMO_NAME := german_credit
DEBUG_BIN := .build/debug/grove
RELEASE_BIN := .build/release/grove
VENV ?= /work/venv

.PHONY: build run test layers proto smoke python-package-test bench bench-wire bench-train fixtures bench-onnx fuzz sanitize format clean bootstrap demo-model release

bootstrap:
	@scripts/bootstrap.sh

build: bootstrap
	$(SWIFT) build

# The release binary links the Swift runtime and Foundation statically: no dynamic loading of 20
# libraries and their relocations at every start (`grove --version` 18 -> 9 ms, 10 -> 6 ms of CPU;
# BENCHMARKS.md, "Training, sixth session"). The debug build stays dynamic.
$(RELEASE_BIN): bootstrap
	$(SWIFT) build -c release --product grove --static-swift-stdlib

release: $(RELEASE_BIN)

demo-model: release
	@if [ ! -d "$(REPO)/$(DEMO_NAME)" ]; then \
	  echo "make run: training the demo model $(DEMO_NAME) from $(DEMO_DATA) into $(REPO)"; \
	  $(RELEASE_BIN) train --data $(DEMO_DATA) --target creditability --positive bad \
	    --repo $(REPO) --name $(DEMO_NAME) || exit 1; \
	fi

run: demo-model
	@echo "make run: serving $(REPO) on $(HOST):$(PORT) (Ctrl-C stops; try: clients/nc/health.sh $(HOST) $(PORT))"
	$(RELEASE_BIN) serve --repo $(REPO) --host $(HOST) --port $(PORT)

test: bootstrap layers
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --parallel
	$(MAKE) --no-print-directory smoke
	GROVE_BIN=$(DEBUG_BIN) /usr/bin/python3 -m unittest discover -s clients/python/tests

# The client library's dependency closure holds no forest, server, model store or crypto (Package.swift's
# layers), and no libc I/O call appears outside the syscall seam (Sources/GroveSystem, Epoll.swift).
layers:
	$(SWIFT) package describe --type json | /usr/bin/python3 scripts/check-layers.py
	@scripts/check-seam.sh

# The Python client as users install it: a fresh venv, PyPI's protobuf, the tests run from
# outside the source tree against the installed copy (needs network access to PyPI).
python-package-test: bootstrap
	@scripts/bootstrap.sh python3-venv
	$(SWIFT) build --product grove
	rm -rf .build/python-venv clients/python/build clients/python/*.egg-info
	/usr/bin/python3 -m venv .build/python-venv
	.build/python-venv/bin/pip install --quiet ./clients/python
	rm -rf clients/python/build clients/python/*.egg-info
	cd .build && GROVE_CLIENT_INSTALLED=1 GROVE_BIN=$(CURDIR)/$(DEBUG_BIN) python-venv/bin/python -m unittest discover -s $(CURDIR)/clients/python/tests

cluster: release
	GROVE=$(CURDIR)/$(RELEASE_BIN) scripts/cluster.sh

cluster-test: release
	@scripts/bootstrap.sh prometheus
	/usr/bin/python3 scripts/cluster_test.py $(RELEASE_BIN)

smoke: bootstrap
	$(SWIFT) build --product grove
	@scripts/smoke.sh $(DEBUG_BIN)

proto: bootstrap
	scripts/gen-proto.sh
	scripts/gen-python.sh
	@echo "make proto: regenerated Sources/CGroveProto and clients/python/grove_client/_proto; commit the result"

bench: demo-model
	$(RELEASE_BIN) bench --repo $(REPO) --model $(DEMO_NAME) --data $(DEMO_DATA) --threads 2 --iterations 100000 --seconds 5 --sustained $${SUSTAIN_SECONDS:-120}
	/usr/bin/python3 scripts/bench-wire.py $(RELEASE_BIN) $(REPO) $(DEMO_NAME) $(DEMO_DATA)
	@# valgrind 3.19 cannot read the toolchain's DWARF 5: count allocations on a copy without debug info.
	@strip --strip-debug -o .build/grove-nodebug $(RELEASE_BIN) && scripts/alloc-check.sh .build/grove-nodebug $(REPO) $(DEMO_NAME) $(DEMO_DATA)
	@# Exact explanations against shap's TreeExplainer on the same trees, in the same run (shap from pip).
	@py=""; for p in $(VENV)/bin/python python3; do if $$p -c "import shap" 2>/dev/null; then py=$$p; break; fi; done; \
	 if [ -n "$$py" ]; then $$py scripts/bench_explain.py $(RELEASE_BIN) $(REPO) $(DEMO_NAME) $(DEMO_DATA) --rows 50 --runs 2; \
	 else echo "make bench: shap is not importable (pip install shap, or VENV=DIR): no explanation ratio to shap; run scripts/bench_explain.py where it is"; fi

# The C client replaying Grove's own frames against Grove (default threads) and the C echo server, in one run.
bench-wire: demo-model
	/usr/bin/python3 scripts/bench-wire.py $(RELEASE_BIN) $(REPO) $(DEMO_NAME) $(DEMO_DATA)

# Training speed and memory against scikit-learn on synthetic data (needs scikit-learn; minutes).
bench-train: release
	nice -n 10 $(VENV)/bin/python scripts/bench_training.py $(RELEASE_BIN) --sizes $${SIZES:-50000,100000,300000} \
	  --repeats $${REPEATS:-2}

fixtures:
	$(VENV)/bin/python scripts/make-onnx-fixtures.py

bench-onnx: release
	nice -n 10 $(VENV)/bin/python scripts/bench-onnx.py $(RELEASE_BIN)

fuzz: bootstrap
	$(SWIFT) build --product grove
	FUZZ_SECONDS=$${FUZZ_SECONDS:-60} scripts/fuzz.sh

# LeakSanitizer is off: Swift stores enum tags in pointers' spare bits, which hides live
# references from it and makes it report reachable memory as leaked.
sanitize: bootstrap
	$(SWIFT) build --build-tests --sanitize=address --scratch-path .build-asan
	GROVE_BIN=.build-asan/debug/grove ASAN_OPTIONS=detect_leaks=0:halt_on_error=1:quarantine_size_mb=8 $(SWIFT) test --skip-build --sanitize=address --scratch-path .build-asan
	$(SWIFT) build --build-tests --sanitize=thread --scratch-path .build-tsan
	GROVE_BIN=.build-tsan/debug/grove TSAN_OPTIONS=halt_on_error=1 $(SWIFT) test --skip-build --sanitize=thread --scratch-path .build-tsan

format:
	@if command -v swift-format >/dev/null; then swift-format format -i -r Sources Tests; \
	 else echo "make format: swift-format is not installed; nothing done"; fi

clean:
	rm -rf .build .build-* run
