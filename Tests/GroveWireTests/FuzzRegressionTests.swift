// FuzzRegressionTests: replays every input the fuzzers ever found (Fuzz/Regressions/<target>/)
// through the fuzzers' own checks (GroveFuzzChecks), so a kept input fails here as it failed there.

import Foundation
import GroveFuzzChecks
import Testing

@Suite struct FuzzRegressionTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The kept inputs of one target; a missing folder is an error, not an empty list.
    static func inputs(_ target: String) throws -> [(name: String, bytes: [UInt8])] {
        let dir = root.appendingPathComponent("Fuzz/Regressions/\(target)")
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        return try names.filter { !$0.hasPrefix(".") }.sorted().map { name in
            (name, try [UInt8](Data(contentsOf: dir.appendingPathComponent(name))))
        }
    }

    /// Each target has its folder, and the replay sees the inputs kept there.
    @Test func everyTargetHasItsRegressionFolder() throws {
        for target in ["FuzzFrames", "FuzzRequest", "FuzzModelFile", "FuzzCSV", "FuzzKeyFile", "FuzzAdminUpload", "FuzzOnnx", "FuzzRecordScanner",
                       "FuzzResponseEncoder", "FuzzDenseRequest"] {
            _ = try Self.inputs(target)
        }
        // Kept crashes and seeds: the replay checks something for these targets.
        for target in ["FuzzRequest", "FuzzModelFile", "FuzzKeyFile", "FuzzAdminUpload", "FuzzRecordScanner", "FuzzResponseEncoder", "FuzzDenseRequest"] {
            #expect(try Self.inputs(target).count >= 1, "\(target)")
        }
    }

    @Test func frameInputs() throws {
        for input in try Self.inputs("FuzzFrames") {
            #expect(throws: Never.self, "\(input.name)") { try input.bytes.withUnsafeBytes { try FuzzChecks.frames($0) } }
        }
    }

    @Test func requestInputs() throws {
        for input in try Self.inputs("FuzzRequest") {
            #expect(throws: Never.self, "\(input.name)") { try input.bytes.withUnsafeBytes { try FuzzChecks.request($0) } }
        }
    }

    /// The differential check of the record scanner against protobuf-c; the seeds are real records
    /// and requests (as the clients write them), which the scanner must read, not merely agree on.
    @Test func recordScannerInputs() throws {
        for input in try Self.inputs("FuzzRecordScanner") {
            var outcome: FuzzChecks.RecordScanOutcome?
            #expect(throws: Never.self, "\(input.name)") { outcome = try input.bytes.withUnsafeBytes { try FuzzChecks.recordScanner($0) } }
            if input.name.hasPrefix("seed-record") { #expect(outcome == .accepted, "\(input.name)") }
        }
    }

    /// The hand-written predict answer against protobuf-c's pack; the seeds are a classification,
    /// a labels-only, a regression answer with a long name and big varints, and special doubles.
    @Test func responseEncoderInputs() throws {
        for input in try Self.inputs("FuzzResponseEncoder") {
            #expect(throws: Never.self, "\(input.name)") { try input.bytes.withUnsafeBytes { try FuzzChecks.responseEncoder($0) } }
        }
    }

    /// The in-place dense reader against protobuf-c; the seeds are real dense requests (as the
    /// clients and `grove bench` write them), which the reader must read, not merely agree on.
    @Test func denseRequestInputs() throws {
        for input in try Self.inputs("FuzzDenseRequest") {
            var read: Bool?
            #expect(throws: Never.self, "\(input.name)") { read = try input.bytes.withUnsafeBytes { try FuzzChecks.denseRequest($0) } }
            if input.name.hasPrefix("seed-read") { #expect(read == true, "\(input.name)") }
        }
    }

    @Test func modelFileInputs() throws {
        for input in try Self.inputs("FuzzModelFile") {
            #expect(throws: Never.self, "\(input.name)") { try FuzzChecks.modelFile(input.bytes) }
        }
    }

    @Test func onnxInputs() throws {
        for input in try Self.inputs("FuzzOnnx") {
            #expect(throws: Never.self, "\(input.name)") { try FuzzChecks.onnx(input.bytes) }
        }
    }

    @Test func keyFileInputs() throws {
        for input in try Self.inputs("FuzzKeyFile") {
            #expect(throws: Never.self, "\(input.name)") { try FuzzChecks.keyFile(input.bytes) }
        }
    }

    /// Through a live --admin server (started once by the harness, as in the fuzzer).
    @Test func adminUploadInputs() throws {
        for input in try Self.inputs("FuzzAdminUpload") {
            let (sent, accepted) = try FuzzChecks.adminUpload(input.bytes)
            // The seed is a valid three-chunk upload: all of it reaches the server and is taken.
            if input.name.hasPrefix("seed") { #expect(sent == 3 && accepted == 3, "\(input.name): \(sent) sent, \(accepted) accepted") }
        }
    }

    @Test func csvInputs() throws {
        for input in try Self.inputs("FuzzCSV") {
            #expect(throws: Never.self, "\(input.name)") { try FuzzChecks.csv(input.bytes) }
        }
    }
}
