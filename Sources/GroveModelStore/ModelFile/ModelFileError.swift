// ModelFileError: why bytes could not be read as a Grove model file.

public enum ModelFileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file is larger than `ModelFileCodec.maxFileBytes`.
    case tooLarge(bytes: Int, maximum: Int)
    /// The bytes are not a protobuf ModelFile (truncated, corrupt, not a model).
    case notAModelFile
    /// Decoding would take more memory than allowed for a file of this size.
    case tooComplex
    /// A format version this build does not read.
    case unsupportedFormat(UInt32)
    /// The file decodes but its content is inconsistent (the reason says what).
    case invalid(String)

    public var description: String {
        switch self {
        case let .tooLarge(b, m): return "model file is \(b) bytes; the maximum is \(m)"
        case .notAModelFile: return "not a Grove model file (corrupt or truncated protobuf)"
        case .tooComplex: return "model file expands beyond the memory allowed for its size"
        case let .unsupportedFormat(v): return "model file format \(v) is not supported (this build reads format 1)"
        case let .invalid(reason): return "invalid model: \(reason)"
        }
    }
}
