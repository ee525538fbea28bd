// FuzzChecks: the properties each fuzz target checks, shared by the libFuzzer executables (Fuzz/)
// and the regression replay in `make test` (Tests/GroveWireTests/FuzzRegressionTests), so a kept
// input is replayed through exactly the checks that found it.

import GroveClient
import GroveForest
import GroveModelStore
import GroveONNX
import GroveWire

/// One function per fuzz target. Each takes arbitrary bytes, must not crash or hang on any of
/// them, and throws `FuzzCheckFailure` when a promised property does not hold.
public enum FuzzChecks {
    /// The frame decoder fed the bytes in chunks (the first byte picks the chunk size, so splits at
    /// every offset are explored); each frame body is decoded as a `Request`.
    public static func frames(_ bytes: UnsafeRawBufferPointer) throws {
        let decoder = FrameDecoder(limits: FrameLimits(maxFrameBytes: 4096))
        let buffer = ByteBuffer(capacity: 64)
        let chunk = bytes.count > 0 ? Int(bytes[0]) % 17 + 1 : 1
        var offset = 0
        let arena = Arena(limit: 1 << 20)
        while offset < bytes.count {
            let end = min(offset + chunk, bytes.count)
            buffer.write(UnsafeRawBufferPointer(rebasing: bytes[offset..<end]))
            offset = end
            loop: while true {
                switch decoder.decode(buffer.readableView) {
                case .needMoreData: break loop
                case let .frame(body):
                    if body.lowerBound < 4 || body.upperBound > buffer.readableView.count {
                        throw FuzzCheckFailure("frame body \(body) outside the \(buffer.readableView.count) readable bytes")
                    }
                    try request(UnsafeRawBufferPointer(rebasing: buffer.readableView[body]), arena: arena)
                    buffer.consume(body.upperBound)
                case .error: return
                }
            }
        }
    }

    /// protobuf-c request and response decoding through the arena: whatever decodes as a request
    /// must encode and decode to the same value.
    public static func request(_ bytes: UnsafeRawBufferPointer, arena: Arena = Arena(limit: 1 << 20)) throws {
        if let request = try? Request(decoding: bytes, arena: arena), request.call != nil {
            let again = try? Request(decoding: request.encoded(), arena: arena)
            if again != request { throw FuzzCheckFailure("request did not round-trip") }
        }
        _ = try? Response(decoding: bytes, arena: arena)
    }

    /// Model-file decoding and validation; a file that loads must compile and predict. The
    /// bytes are tried as a sealed file (whose digest refuses nearly every mutation) and as a
    /// bare payload, so the protobuf and validation layers beneath the seal are fuzzed too.
    public static func modelFile(_ bytes: [UInt8]) throws {
        if let sealed = try? ModelFileCodec.decodeSealed(bytes) {
            try compileAndPredict(sealed.model)
            _ = sealed.signature?.verifies(sealed.model)
        }
        if let model = try? ModelFileCodec.decodePayload(bytes) { try compileAndPredict(model) }
    }

    private static func compileAndPredict(_ model: TrainedModel) throws {
        let compiled: CompiledForest
        do { compiled = try CompiledForest(forest: model.forest) } catch {
            throw FuzzCheckFailure("a validated forest failed to compile: \(error)")
        }
        let row = [Double](repeating: 0.5, count: model.forest.numFeatures)
        _ = try? compiled.predict(row: row)
    }

    /// `grove import --onnx` on arbitrary bytes, within small limits: a refusal, or a model
    /// whose compiled forest answers as the reference walk on a row of zeros and one of NaN.
    public static func onnx(_ bytes: [UInt8]) throws {
        var limits = OnnxLimits()
        limits.maxDecodedBytes = 32 << 20
        limits.maxTreeNodes = 100_000
        limits.maxExpandedNodes = 400_000
        guard let imported = try? OnnxImporter.importModel(bytes, options: .init(name: "fuzz", limits: limits)) else { return }
        let forest = imported.model.forest
        let compiled: CompiledForest
        do { compiled = try CompiledForest(forest: forest) } catch {
            throw FuzzCheckFailure("an imported forest failed to compile: \(error)")
        }
        for fill in [0.0, Double.nan] {
            let row = [Double](repeating: fill, count: forest.numFeatures)
            let fast = try compiled.predict(row: row), slow = forest.predictReference(row: row)
            if zip(fast, slow).contains(where: { $0 != $1 && !($0.isNaN && $1.isNaN) }) {
                throw FuzzCheckFailure("compiled \(fast) and reference \(slow) answers differ")
            }
        }
    }

    /// The key file and trusted-signers parsers: an error, or a file that writes back as text
    /// that parses to the same keys.
    public static func keyFile(_ bytes: [UInt8]) throws {
        let text = String(decoding: bytes, as: UTF8.self)
        if let file = try? KeyFile(text: text) {
            guard let again = try? KeyFile(text: file.text), again == file else {
                throw FuzzCheckFailure("a key file that parsed did not write back as itself")
            }
        }
        _ = try? TrustedSigners(text: text)
    }

    /// The admin upload path of a live server: the bytes are frames whose bodies are decoded
    /// as requests; every admin upload among them is sent (in order) to a server with --admin.
    /// Each must be answered (a result or a status with a code), and the server must stay up.
    /// Returns how many chunks were sent and how many of them the server accepted.
    @discardableResult
    public static func adminUpload(_ bytes: [UInt8]) throws -> (sent: Int, accepted: Int) {
        let harness = AdminUploadHarness.shared
        let decoder = FrameDecoder(limits: FrameLimits(maxFrameBytes: 1 << 20))
        var offset = 0
        var sent = 0
        var accepted = 0
        while offset < bytes.count, sent < 64 {
            let rest = Array(bytes[offset...])
            guard case let .frame(body) = decoder.decode(rest) else { break }
            offset += body.upperBound
            guard let request = try? Request(decoding: Array(rest[body])),
                  case let .admin(.upload(chunk))? = request.call else { continue }
            sent += 1
            do {
                _ = try harness.client.admin(.upload(chunk), timeoutSeconds: 10)
                accepted += 1
            } catch {
                switch error {
                case .server: continue   // refused with a status: the contract
                default: throw FuzzCheckFailure("upload chunk not answered: \(error)")
                }
            }
        }
        if sent > 0 {
            do { _ = try harness.client.health(timeoutSeconds: 10) } catch {
                throw FuzzCheckFailure("the server stopped answering after \(sent) upload chunk(s): \(error)")
            }
        }
        return (sent, accepted)
    }

    /// The CSV reader: an error or a rectangular table.
    public static func csv(_ bytes: [UInt8]) throws {
        guard let table = try? CSVReader.parse(bytes) else { return }
        for c in table.columns where c.count != table.rowCount {
            throw FuzzCheckFailure("ragged table: column \(c.name) has \(c.count) of \(table.rowCount) rows")
        }
    }
}
