// FileDigest: the SHA-256 of a file's bytes, computed on another thread while they are written.

import Dispatch

/// The SHA-256 of a byte array, computed on a thread of its own from the moment it is made.
final class FileDigest: @unchecked Sendable {
    private var hex = ""
    private let done = DispatchSemaphore(value: 0)

    init(of bytes: [UInt8]) {
        DispatchQueue.global().async { [self] in
            hex = ModelFileCodec.sha256Hex(bytes)
            done.signal()
        }
    }

    /// The lower-case hex digest (waits for it).
    func wait() -> String {
        done.wait()
        return hex
    }
}
