// ServingPolicy: which versions of a model are served, and its labels; read from REPO/NAME/serving.
//
// The file is optional; each line is one directive, '#' starts a comment:
//   latest N            serve the N highest versions (default: latest 16)
//   versions 1 4 7      serve exactly these versions
//   label stable 4      the label "stable" points at version 4
//   unload 3            do not serve version 3 (admin `unload_version`)
// Unknown or malformed lines are reported and ignored; the file is at most 64 KiB.

import GroveModelStore

struct ServingPolicy: Equatable {
    enum Selection: Equatable {
        case latest(Int)
        case versions(Set<UInt64>)
    }

    /// Default number of versions served per model.
    static let defaultLatest = 16
    static let maxFileBytes = 64 * 1024

    var selection: Selection = .latest(ServingPolicy.defaultLatest)
    var labels: [String: UInt64] = [:]
    /// Versions an admin unloaded: present, not served.
    var unloaded: Set<UInt64> = []
    /// Lines that could not be read, with their 1-based numbers.
    var problems: [String] = []

    init() {}

    init(text: String) {
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            guard let head = words.first else { continue }
            switch head {
            case "latest" where words.count == 2:
                if let k = Int(words[1]), k >= 1, k <= 10_000 { selection = .latest(k); continue }
            case "versions" where words.count >= 2:
                let vs = words.dropFirst().compactMap { UInt64($0) }.filter { $0 > 0 }
                if vs.count == words.count - 1 { selection = .versions(Set(vs)); continue }
            case "unload" where words.count == 2:
                if let v = UInt64(words[1]), v > 0 { unloaded.insert(v); continue }
            case "label" where words.count == 3:
                if ModelName.isValid(String(words[1])), let v = UInt64(words[2]), v > 0 {
                    labels[String(words[1])] = v
                    continue
                }
            default:
                break
            }
            problems.append("line \(n + 1): '\(line.prefix(80))' is not 'latest N', 'versions V...' or 'label NAME V'")
        }
    }

    /// The versions to serve out of those present (unloaded ones never are).
    func select(_ present: [UInt64]) -> Set<UInt64> {
        let candidates = present.filter { !unloaded.contains($0) }
        switch selection {
        case let .latest(k): return Set(candidates.sorted().suffix(k))
        case let .versions(vs): return vs.intersection(candidates)
        }
    }

    /// The file's text for this policy (admin calls rewrite the file with it; comments are not kept).
    var text: String {
        var lines = ["# Grove serving policy (rewritten by admin calls)"]
        switch selection {
        case let .latest(k): lines.append("latest \(k)")
        case let .versions(vs): lines.append("versions " + vs.sorted().map(String.init).joined(separator: " "))
        }
        lines += unloaded.sorted().map { "unload \($0)" }
        lines += labels.keys.sorted().map { "label \($0) \(labels[$0]!)" }
        return lines.joined(separator: "\n") + "\n"
    }
}
