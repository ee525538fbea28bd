// RegistrySnapshot: an immutable view of every model version; swapped whole, never mutated.

import GroveForest
import GroveModelStore
import GroveWire

/// What the loops read for each request. A new snapshot replaces the old one
/// atomically; a request that already holds a `ServedModel` finishes on it.
final class RegistrySnapshot: @unchecked Sendable {  // immutable once published; loops only read
    enum Slot {
        case available(ServedModel)
        case loading
        case failed(String)
        /// Present in the repository but not selected by the serving policy.
        case retired
        /// Present, but unloaded by an admin call.
        case unloaded

        /// Not waiting for a load.
        var isSettled: Bool {
            if case .loading = self { return false }
            return true
        }

        /// A comparable summary (the model object itself is not compared).
        var state: VersionState {
            switch self {
            case .available: return VersionState(version: 0, state: .available)
            case .loading: return VersionState(version: 0, state: .loading)
            case let .failed(r): return VersionState(version: 0, state: .failed, reason: r)
            case .retired: return VersionState(version: 0, state: .retired)
            case .unloaded: return VersionState(version: 0, state: .retired, reason: "unloaded by an admin")
            }
        }
    }

    struct Entry {
        var versions: [UInt64: Slot] = [:]
        var labels: [String: UInt64] = [:]
        /// Reason codes from REPO/NAME/reasons (empty without the file).
        var reasons = ReasonCatalog()
        /// Highest available version.
        var latest: ServedModel?

        /// What ListModels would show, for change detection.
        static func layout(_ entries: [String: Entry]) -> [String: [String]] {
            entries.mapValues { e in
                e.versions.keys.sorted().map { "\($0):\(e.versions[$0]!.state.state):\(e.versions[$0]!.state.reason)" }
                    + e.labels.keys.sorted().map { "label \($0)=\(e.labels[$0]!)" }
            }
        }
    }

    let entries: [String: Entry]
    let availableCount: Int
    /// Every available version, by name then version (for Stats).
    let available: [ServedModel]
    let summaries: [ModelSummary]

    init(entries: [String: Entry]) {
        var e = entries
        for (name, entry) in entries {
            let best = entry.versions.compactMap { v, s -> (UInt64, ServedModel)? in
                if case let .available(m) = s { return (v, m) }
                return nil
            }.max { $0.0 < $1.0 }
            e[name]!.latest = best?.1
        }
        self.entries = e
        availableCount = e.values.reduce(0) { n, entry in
            n + entry.versions.values.filter { if case .available = $0 { return true }; return false }.count
        }
        available = e.keys.sorted().flatMap { name in
            e[name]!.versions.keys.sorted().compactMap { v -> ServedModel? in
                if case let .available(m)? = e[name]!.versions[v] { return m }
                return nil
            }
        }
        summaries = e.keys.sorted().map { name in
            let entry = e[name]!
            return ModelSummary(
                name: name,
                versions: entry.versions.keys.sorted().map { v in
                    var s = entry.versions[v]!.state
                    s.version = v
                    return s
                },
                labels: entry.labels.keys.sorted().map { ModelLabel(name: $0, version: entry.labels[$0]!) })
        }
    }

    static let empty = RegistrySnapshot(entries: [:])

    /// The reason codes of model `name` (empty when it has no reasons file).
    func reasons(for name: String) -> ReasonCatalog {
        entries[name]?.reasons ?? ReasonCatalog()
    }

    /// The model version a selector names, or NOT_FOUND / INVALID_ARGUMENT saying why not.
    func resolve(_ selector: ModelSelector) -> Result<ServedModel, Status> {
        guard !selector.name.isEmpty else { return .failure(Status(.invalidArgument, "no model name given")) }
        guard let entry = entries[selector.name] else {
            let name = ModelName.isValid(selector.name) ? selector.name : "(invalid name)"
            return .failure(Status(.notFound, "model '\(name)' not found"))
        }
        if selector.version != nil && selector.label != nil {
            return .failure(Status(.invalidArgument, "give a version or a label, not both"))
        }
        var version = selector.version
        if let label = selector.label {
            guard let v = entry.labels[label] else {
                return .failure(Status(.notFound, "model '\(selector.name)' has no label '\(label.prefix(64))'"))
            }
            version = v
        }
        guard let version else {
            if let latest = entry.latest { return .success(latest) }
            return .failure(Status(.notFound, "model '\(selector.name)' has no available version"))
        }
        // Through a label, the answer says which label pointed at the version that cannot serve.
        let via = selector.label.map { "label '\($0.prefix(64))' points at a version that cannot serve: " } ?? ""
        switch entry.versions[version] {
        case let .available(m)?: return .success(m)
        case let .failed(reason)?:
            return .failure(Status(.notFound, via + "model '\(selector.name)' version \(version) failed to load: \(reason)"))
        case .loading?:
            return .failure(Status(.unavailable, via + "model '\(selector.name)' version \(version) is still loading"))
        case .retired?:
            return .failure(Status(.notFound, via + "model '\(selector.name)' version \(version) is not served (serving policy)"))
        case .unloaded?:
            return .failure(Status(.notFound, via + "model '\(selector.name)' version \(version) was unloaded by an admin"))
        case nil:
            return .failure(Status(.notFound, via + "model '\(selector.name)' has no version \(version)"))
        }
    }
}
