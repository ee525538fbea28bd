// ModelSummary: one model name with the state of each of its versions and its labels.

public struct ModelSummary: Equatable, Sendable {
    public var name: String
    public var versions: [VersionState]
    /// Label name -> version, sorted by label name.
    public var labels: [ModelLabel]

    public init(name: String, versions: [VersionState], labels: [ModelLabel] = []) {
        self.name = name
        self.versions = versions
        self.labels = labels
    }
}

public struct ModelLabel: Equatable, Sendable {
    public var name: String
    public var version: UInt64

    public init(name: String, version: UInt64) {
        self.name = name
        self.version = version
    }
}

public struct VersionState: Equatable, Sendable {
    public enum State: UInt32, Sendable, CustomStringConvertible {
        case unknown = 0
        case available = 1
        case loading = 2
        case failed = 3
        case retired = 4

        public var description: String {
            switch self {
            case .unknown: return "unknown"
            case .available: return "available"
            case .loading: return "loading"
            case .failed: return "failed"
            case .retired: return "retired"
            }
        }
    }

    public var version: UInt64
    public var state: State
    /// Why a version failed; empty otherwise.
    public var reason: String

    public init(version: UInt64, state: State, reason: String = "") {
        self.version = version
        self.state = state
        self.reason = reason
    }
}
