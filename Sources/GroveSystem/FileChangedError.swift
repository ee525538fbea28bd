// FileChangedError: a file changed (was written, cut or replaced in place) while Grove read it.

/// Another process changed the file at `path` while `Syscall.withFileBytes` read it: it ended
/// before or after the size it had when opened, or its size or modification time differed once
/// read. The bytes read may mix two versions of the file, so they were not used; reading it
/// again once the writer is done gives one version.
public struct FileChangedError: Error, Equatable, Sendable, CustomStringConvertible {
    public let path: String
    /// The size when the file was opened.
    public let sizeWhenOpened: Int
    /// The bytes read before it ended (one more than `sizeWhenOpened` when it grew).
    public let bytesRead: Int
    /// The size once read.
    public let sizeWhenRead: Int

    public init(path: String, sizeWhenOpened: Int, bytesRead: Int, sizeWhenRead: Int) {
        self.path = path
        self.sizeWhenOpened = sizeWhenOpened
        self.bytesRead = bytesRead
        self.sizeWhenRead = sizeWhenRead
    }

    /// Why, without the path.
    public var reason: String {
        "it changed while it was read (\(sizeWhenOpened) bytes when opened, \(sizeWhenRead) once read, \(bytesRead) read): "
            + "another process was writing it; read it again once that is done"
    }

    public var description: String { "\(path): \(reason)" }
}
