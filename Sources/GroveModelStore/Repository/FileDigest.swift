// FileDigest: the SHA-256 of a file's bytes, computed on another thread while they are written.

import Crypto
import Dispatch

/// The SHA-256 of a model file's bytes, computed on a thread of its own from the moment it is made.
///
/// It takes the file encoded without its seal's digest (`ModelFileCodec.encode(sealed: false)`):
/// the thread computes the seal's header first (`header()`), then the digest of the whole file as
/// written, header included. A writer writes the body meanwhile and the header once `header()`
/// returns.
final class FileDigest: @unchecked Sendable {
    private var hex = ""
    private var sealHeader: [UInt8] = []
    private let headerDone = DispatchSemaphore(value: 0)
    private let done = DispatchSemaphore(value: 0)

    init(sealing unsealed: [UInt8]) {
        DispatchQueue.global().async { [self] in
            let header = ModelFileCodec.sealHeader(of: unsealed)
            sealHeader = header
            headerDone.signal()
            var sha = SHA256()
            sha.update(data: header)
            unsealed.withUnsafeBytes { sha.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[ModelSeal.headerBytes...])) }
            hex = ModelFileCodec.hex(sha.finalize())
            done.signal()
        }
    }

    /// The seal's header of the bytes given to `init(sealing:)` (waits for it; call once).
    func header() -> [UInt8] {
        headerDone.wait()
        return sealHeader
    }

    /// The lower-case hex digest (waits for it).
    func wait() -> String {
        done.wait()
        return hex
    }
}
