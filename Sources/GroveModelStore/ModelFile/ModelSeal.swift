// ModelSeal: the tamper-evident envelope of a model file: magic, SHA-256 of the rest, sealed body.

import CGroveProto
import CProtobufC
import Crypto
import GroveWire

/// A model file on disk is `magic (8) | SHA-256 of bytes[40...] (32) | ModelSeal message`
/// (model.proto). `open` checks the magic and the digest before reading any field, so a
/// flipped bit or a cut anywhere in the file is refused with a reason; only then is the body
/// parsed into the `ModelFile` payload and the optional signature.
public enum ModelSeal {
    /// "GROVEMF" and the envelope version 1.
    public static let magic: [UInt8] = Array("GROVEMF".utf8) + [1]
    /// Magic and digest.
    public static let headerBytes = 40

    /// The sealed file bytes of a `ModelFile` payload and an optional signature.
    public static func seal(payload: [UInt8], signature: ModelSignature?) -> [UInt8] {
        let arena = Arena(chunkSize: 1 << 20, limit: .max)
        let m = arena.new(Grove__V1__ModelSeal.self)
        grove__v1__model_seal__init(m)
        m.pointee.model = ProtobufCBinaryData(len: payload.count, data: arena.copy(payload))
        m.pointee.signature = signatureMessage(signature, arena)
        let body = WirePack.bytes(WirePack.message(m))
        return body.withUnsafeBytes { header(body: $0) } + body
    }

    /// A file's first `headerBytes` bytes for the sealed body that follows them: magic, then the
    /// body's SHA-256.
    public static func header(body: UnsafeRawBufferPointer) -> [UInt8] {
        magic + Array(SHA256.hash(data: body))
    }

    /// The seal's `signature` field in `arena` (nil without a signature).
    static func signatureMessage(_ signature: ModelSignature?, _ arena: Arena) -> UnsafeMutablePointer<Grove__V1__ModelSealSignature>? {
        guard let signature else { return nil }
        let s = arena.new(Grove__V1__ModelSealSignature.self)
        grove__v1__model_seal_signature__init(s)
        s.pointee.public_key = ProtobufCBinaryData(len: signature.publicKey.count, data: arena.copy(signature.publicKey))
        s.pointee.signature = ProtobufCBinaryData(len: signature.signature.count, data: arena.copy(signature.signature))
        s.pointee.signer = arena.cString(signature.signer)
        return s
    }

    /// The payload and signature of sealed file bytes, after checking magic and digest.
    public static func open(_ bytes: [UInt8]) throws(ModelFileError) -> (payload: [UInt8], signature: ModelSignature?) {
        guard bytes.count >= headerBytes, bytes[0..<magic.count].elementsEqual(magic) else {
            if bytes.count >= magic.count - 1, bytes[0..<(magic.count - 1)].elementsEqual(magic.prefix(magic.count - 1)) {
                throw .unsealed("unknown envelope version \(bytes.count >= magic.count ? Int(bytes[magic.count - 1]) : -1) or truncated header")
            }
            throw .unsealed("no GROVEMF header (not a Grove model file, or one written before files were sealed: publish it again)")
        }
        let body = bytes[headerBytes...]
        guard SHA256.hash(data: body).elementsEqual(bytes[magic.count..<headerBytes]) else {
            throw .digestMismatch
        }
        let arena = Arena(chunkSize: 1 << 20, limit: max(64 << 20, bytes.count * 2))
        return try Array(body).withUnsafeBufferPointer { (buf) throws(ModelFileError) in
            var allocator = arena.allocator
            guard let m = grove__v1__model_seal__unpack(&allocator, buf.count, buf.baseAddress)?.pointee else {
                throw .unsealed("the sealed body is not a ModelSeal message")
            }
            let payload = m.model.len > 0 && m.model.data != nil ? Array(UnsafeBufferPointer(start: m.model.data, count: m.model.len)) : []
            var signature: ModelSignature?
            if let s = m.signature?.pointee {
                func bytes(_ b: ProtobufCBinaryData) -> [UInt8] { b.len > 0 && b.data != nil ? Array(UnsafeBufferPointer(start: b.data, count: b.len)) : [] }
                signature = ModelSignature(publicKey: bytes(s.public_key), signature: bytes(s.signature),
                                           signer: s.signer.map { String(cString: $0) } ?? "")
            }
            return (payload, signature)
        }
    }
}
