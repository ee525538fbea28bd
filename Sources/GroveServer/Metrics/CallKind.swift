// CallKind: the calls counted in grove_requests_total, as a small closed set (array indices).

import GroveWire

enum CallKind: Int, CaseIterable, Sendable {
    case health, listModels, modelInfo, predict, explain, stats, admin, unknown

    /// The `call` label (the protocol's field names).
    var label: String {
        switch self {
        case .health: return "health"
        case .listModels: return "list_models"
        case .modelInfo: return "model_info"
        case .predict: return "predict"
        case .explain: return "explain"
        case .stats: return "stats"
        case .admin: return "admin"
        case .unknown: return "unknown"
        }
    }

    init(_ call: Request.Call?) {
        switch call {
        case .health?: self = .health
        case .listModels?: self = .listModels
        case .modelInfo?: self = .modelInfo
        case .predict?: self = .predict
        case .explain?: self = .explain
        case .stats?: self = .stats
        case .admin?: self = .admin
        case nil: self = .unknown
        }
    }

    init(label: String) {
        self = CallKind.allCases.first { $0.label == label } ?? .unknown
    }
}
