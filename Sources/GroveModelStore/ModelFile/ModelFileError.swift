// ModelFileError: why bytes could not be read as a Grove model file.

public enum ModelFileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file is larger than `ModelFileCodec.maxFileBytes`.
    case tooLarge(bytes: Int, maximum: Int)
    /// No valid seal header (not a model file, an unknown envelope, or a file from before sealing).
    case unsealed(String)
    /// The SHA-256 in the header does not match the bytes after it: the file was damaged or edited.
    case digestMismatch
    /// The payload is not a protobuf ModelFile (truncated, corrupt, not a model).
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
        case let .unsealed(why): return "model file refused: \(why)"
        case .digestMismatch: return "model file refused: its SHA-256 does not match its contents (damaged, truncated or edited)"
        case .notAModelFile: return "not a Grove model file (corrupt or truncated protobuf)"
        case .tooComplex: return "model file expands beyond the memory allowed for its size"
        case let .unsupportedFormat(v): return "model file format \(v) is not supported (this build reads format 1)"
        case let .invalid(reason): return "invalid model: \(reason)"
        }
    }
}
