// How many features each split considers (scikit-learn's max_features).

import Foundation

/// Number of candidate features drawn at each node.
///
/// Text form (as stored in model files): "sqrt", "log2", "all", an integer ("7") or a
/// fraction in (0, 1] ("0.33").
public enum MaxFeatures: Sendable, Hashable, CustomStringConvertible {
    case sqrt
    case log2
    case all
    case count(Int)
    case fraction(Double)

    public enum ParseError: Error, Equatable, Sendable, CustomStringConvertible {
        case invalid(String)
        public var description: String {
            switch self {
            case let .invalid(s):
                return "max_features \"\(s)\" is not sqrt, log2, all, a positive integer or a fraction in (0, 1]"
            }
        }
    }

    /// Parses the text form.
    public init(parsing text: String) throws {
        let s = text.trimmingCharacters(in: .whitespaces).lowercased()
        switch s {
        case "sqrt": self = .sqrt
        case "log2": self = .log2
        case "all", "none", "1.0": self = .all
        default:
            if let i = Int(s), i > 0 {
                self = .count(i)
            } else if let d = Double(s), d > 0, d <= 1, s.contains(".") {
                self = .fraction(d)
            } else {
                throw ParseError.invalid(text)
            }
        }
    }

    public var description: String {
        switch self {
        case .sqrt: return "sqrt"
        case .log2: return "log2"
        case .all: return "all"
        case let .count(n): return String(n)
        case let .fraction(f): return String(f)
        }
    }

    /// Number of features to draw out of `total` (at least 1, at most total).
    public func resolve(total: Int) -> Int {
        let n: Int
        switch self {
        case .sqrt: n = Int(Foundation.sqrt(Double(total)))
        case .log2: n = Int(Foundation.log2(Double(max(total, 1))))
        case .all: n = total
        case let .count(c): n = c
        case let .fraction(f): n = Int(f * Double(total))
        }
        return min(max(n, 1), max(total, 1))
    }
}
