// TreeNodeMode: how an ONNX tree node compares its feature with its threshold.

/// ONNX's node modes (`nodes_modes`). A node sends x to its true child when the
/// comparison holds. Missing values (NaN) go to the true child when
/// `nodes_missing_value_tracks_true` is set; otherwise they follow IEEE comparisons,
/// as onnxruntime does: false for every mode but NEQ (NaN != t is true).
public enum TreeNodeMode: Sendable, Hashable {
    case leq, lt, gte, gt, eq, neq
    /// opset 5: x is one of the node's set values.
    case member
    case leaf

    /// Parses an opset 1-3 mode name ("BRANCH_LEQ", ..., "LEAF").
    init?(name: String) {
        switch name {
        case "BRANCH_LEQ": self = .leq
        case "BRANCH_LT": self = .lt
        case "BRANCH_GTE": self = .gte
        case "BRANCH_GT": self = .gt
        case "BRANCH_EQ": self = .eq
        case "BRANCH_NEQ": self = .neq
        case "LEAF": self = .leaf
        default: return nil
        }
    }

    /// Parses an opset 5 mode number (0 LEQ ... 6 MEMBER).
    init?(code: Double) {
        switch code {
        case 0: self = .leq
        case 1: self = .lt
        case 2: self = .gte
        case 3: self = .gt
        case 4: self = .eq
        case 5: self = .neq
        case 6: self = .member
        default: return nil
        }
    }
}
