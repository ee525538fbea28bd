// ReasonTextsSlot: one loop's reason texts for one model version.

import GroveForest

/// One event loop's `ReasonTexts` for one model version (`ServedModel`), resolved again only
/// when the model's reasons file changes (a catalog of another `generation`). Read and written
/// by that loop's thread alone (callers outside a loop, e.g. tools, use slot 0 from one thread,
/// as with `ModelStatsSlots`).
final class ReasonTextsSlot: @unchecked Sendable {
    private var texts: ReasonTexts?

    /// The texts of `catalog` for `preprocessing`'s columns (allocates only when the catalog changed).
    func texts(for catalog: ReasonCatalog, preprocessing: Preprocessing) -> ReasonTexts {
        if let texts, texts.catalog.generation == catalog.generation { return texts }
        let made = ReasonTexts(preprocessing: preprocessing, catalog: catalog)
        texts = made
        return made
    }
}
