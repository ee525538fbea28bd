// FileDescriptor: a typed file descriptor.

/// An open file descriptor owned by Grove. Closing is explicit (`Syscall.close`).
public struct FileDescriptor: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: CInt
    public init(rawValue: CInt) { self.rawValue = rawValue }
    public var description: String { "fd \(rawValue)" }
}
