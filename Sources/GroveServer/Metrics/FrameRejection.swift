// FrameRejection: why a frame was refused before any call ran (grove_frames_rejected_total{reason}).

enum FrameRejection: Int, CaseIterable, Sendable {
    /// A length prefix of 0.
    case empty
    /// A length prefix above --max-frame-bytes.
    case tooLarge
    /// A body that is not a valid Request message.
    case invalidMessage
    /// A body that would decode into more memory than the per-request bound.
    case tooComplex

    var label: String {
        switch self {
        case .empty: return "empty"
        case .tooLarge: return "too_large"
        case .invalidMessage: return "invalid_message"
        case .tooComplex: return "too_complex"
        }
    }
}
