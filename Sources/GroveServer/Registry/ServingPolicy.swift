// ServingPolicy: which versions of a model are served, and its labels; read from REPO/NAME/serving.
//
// The file is optional; each line is one directive, '#' starts a comment:
//   latest N            serve the N highest versions (default: latest 16)
//   versions 1 4 7      serve exactly these versions
//   label stable 4      the label "stable" points at version 4
// Unknown or malformed lines are reported and ignored; the file is at most 64 KiB.

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

    /// The versions to serve out of those present.
    func select(_ present: [UInt64]) -> Set<UInt64> {
        switch selection {
        case let .latest(k): return Set(present.sorted().suffix(k))
        case let .versions(vs): return vs.intersection(present)
        }
    }
}
