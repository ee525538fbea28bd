// Errno: a typed errno value with its C name.

import CGroveSys
import Glibc

/// An errno value. The common ones are named so code can match on them.
public struct Errno: Error, Equatable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: CInt

    public init(rawValue: CInt) { self.rawValue = rawValue }

    /// The calling thread's current errno.
    public static var current: Errno { Errno(rawValue: grove_errno()) }

    /// EINTR: interrupted by a signal; the wrapper retries.
    public static let interrupted = Errno(rawValue: EINTR)
    /// EAGAIN / EWOULDBLOCK: a non-blocking call would block.
    public static let wouldBlock = Errno(rawValue: EAGAIN)
    /// EBADF: not an open descriptor. On our own descriptor this is a bug.
    public static let badFileDescriptor = Errno(rawValue: EBADF)
    /// EFAULT: a bad pointer passed to the kernel. Always a bug.
    public static let badAddress = Errno(rawValue: EFAULT)
    /// EMFILE: this process is out of descriptors (the loop pauses accepting).
    public static let tooManyOpenFiles = Errno(rawValue: EMFILE)
    /// ENFILE: the system is out of descriptors (the loop pauses accepting).
    public static let tooManyOpenFilesInSystem = Errno(rawValue: ENFILE)

    public var description: String {
        String(cString: strerror(rawValue))
    }
}

/// A failed system call: which call, and its errno.
public struct SystemCallError: Error, Equatable, Sendable, CustomStringConvertible {
    public let call: String
    public let errno: Errno

    public init(call: String, errno: Errno) {
        self.call = call
        self.errno = errno
    }

    public var description: String { "\(call): \(errno)" }
}
