// Why an explanation cannot be computed.

/// Errors of `ForestExplainer` (a closed set; each names what is wrong).
public enum ExplanationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A tree has no node cover (e.g. an imported model without it): path-dependent
    /// TreeSHAP needs the training sample count of every node.
    case missingCover(tree: Int)
    /// A tree's root-to-leaf path is longer than `ForestExplainer.maxDepth`.
    case tooDeep(tree: Int, depth: Int, limit: Int)
    /// The output to explain is not one of the forest's outputs.
    case outputOutOfRange(output: Int, outputs: Int)
    /// A class label the model does not have.
    case unknownClass(String)
    /// A row or output buffer of the wrong size.
    case badBuffer(InferenceError)
    /// The kernel asked for needs an instruction set this CPU lacks (`ExplainKernel.isSupported`).
    case kernelUnsupported(ExplainKernel)

    public var description: String {
        switch self {
        case let .missingCover(t):
            return "tree \(t) has no node cover (training sample counts); it cannot be explained "
                + "(an imported model: import it again with grove import --cover-data FILE.csv)"
        case let .tooDeep(t, d, l): return "tree \(t) has depth \(d), above the explainable limit \(l)"
        case let .outputOutOfRange(o, n): return "output \(o) is not one of the model's \(n) outputs"
        case let .unknownClass(c): return "the model has no class \"\(c)\""
        case let .badBuffer(e): return e.description
        case let .kernelUnsupported(k): return "this CPU cannot run the \(k.rawValue) explanation kernel"
        }
    }
}
