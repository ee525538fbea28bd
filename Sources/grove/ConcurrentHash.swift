// ConcurrentHash: the SHA-256 of a buffer, computed on its own thread while the caller works on.

import Foundation
import GroveModelStore

/// Starts hashing `bytes` on a new thread at once; `value()` waits for the digest. The
/// buffer must stay valid (and unchanged) until `value()` returns, which the caller must
/// call exactly once.
final class ConcurrentHash: @unchecked Sendable {  // `digest` is written by the thread before `done` is signalled, read after
    private let done = DispatchSemaphore(value: 0)
    private var digest: [UInt8] = []

    init(_ bytes: UnsafeRawBufferPointer) {
        nonisolated(unsafe) let bytes = bytes  // valid until value() returns (the contract above)
        let thread = Thread { [self] in
            digest = ModelFileCodec.sha256(bytes)
            done.signal()
        }
        thread.start()
    }

    /// The SHA-256 of the buffer (waits for the hashing thread).
    func value() -> [UInt8] {
        done.wait()
        return digest
    }
}
