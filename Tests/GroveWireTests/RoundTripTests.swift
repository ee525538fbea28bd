// RoundTripTests: every Swift message survives encode -> decode unchanged.

import Foundation
import Testing
@testable import GroveWire

@Suite struct RoundTripTests {
    @Test func modelInfoRoundTrips() throws {
        let info = ModelInfo(
            name: "german_credit", version: 12, task: .classification, classes: ["bad", "good"], positiveClass: 0,
            inputs: [InputColumnInfo(name: "age", kind: .numeric, fillValue: 35.5),
                     InputColumnInfo(name: "housing", kind: .categorical, categories: ["for free", "own", "rent"])],
            featureNames: ["age", "housing_for free", "housing_own", "housing_rent"],
            metrics: [NamedValue("auc", 0.81), NamedValue("accuracy", 0.77)],
            sha256: String(repeating: "ab", count: 32), createdUnixMicros: 1_764_000_000_000_000, trees: 100,
            target: "creditability")
        let response = Response(id: .max, result: .modelInfo(info))
        #expect(try Response(decoding: response.encoded()) == response)
    }

    @Test func statsRoundTrip() throws {
        let response = Response(id: 3, result: .stats(StatsResponse(
            uptimeSeconds: 12.5, connectionsOpen: 3, connectionsTotal: 10, requestsTotal: 1_000, errorsTotal: 2,
            models: [ModelStats(name: "m", version: 1, requests: 998, rows: 5000, errors: 1, latencyP50Micros: 3.5,
                                latencyP90Micros: 4, latencyP99Micros: 9, latencyP999Micros: 20, latencyMaxMicros: 80)])))
        #expect(try Response(decoding: response.encoded()) == response)
    }

    @Test func predictRoundTripKeepsNaNAndExtremes() throws {
        let values: [Double] = [.nan, .infinity, -.infinity, 0, -0.0, .leastNonzeroMagnitude, .greatestFiniteMagnitude, 1e-300]
        let request = Request(id: 42, apiKey: "secret", call: .predict(PredictRequest(
            model: ModelSelector(name: "m", version: 9), dense: values,
            records: [RawRecord([RawField("a", .number(.nan)), RawField("ü-名前", .text("ß, \"quoted\"\n"))]), RawRecord([])])))
        let decoded = try Request(decoding: request.encoded())
        guard case let .predict(p) = decoded.call else { Issue.record("not a predict"); return }
        #expect(p.dense.map(\.bitPattern) == values.map(\.bitPattern))
        #expect(p.records.count == 2)
        #expect(p.records[0].fields[1] == RawField("ü-名前", .text("ß, \"quoted\"\n")))
        #expect(p.model == ModelSelector(name: "m", version: 9))
        #expect(decoded.apiKey == "secret")
    }

    @Test func everyStatusCodeRoundTrips() throws {
        for code in StatusCode.allCases {
            let r = Response.failure(id: UInt64(code.rawValue), Status(code, "m\(code.rawValue)"))
            #expect(try Response(decoding: r.encoded()) == r)
        }
    }

    @Test func unknownCallDecodesAsNil() throws {
        // id 1, then field 99 (length-delimited, empty): a call from a newer client.
        let request = try Request(decoding: [0x08, 0x01, 0x9a, 0x06, 0x00])
        #expect(request.id == 1)
        #expect(request.call == nil)
    }

    @Test func unknownStatusNumberReadsAsUnknown() throws {
        // status { code: 99 }
        let response = try Response(decoding: [0x08, 0x01, 0x12, 0x02, 0x08, 0x63])
        #expect(response.status.code == .unknown)
    }
}

@Suite struct FuzzFindingsTests {
    /// Found by FuzzRequest: a predict whose dense values include a NaN bit pattern
    /// (ff ff ff ff ff ff ff 07...) did not compare equal to its own round trip,
    /// because Double's == says NaN != NaN. Requests now compare dense values bitwise.
    @Test func requestsWithNaNDenseValuesEqualTheirRoundTrip() throws {
        let bytes = try #require(FileManager.default.contents(atPath: FuzzRegressionTests.root
            .appendingPathComponent("Fuzz/Regressions/FuzzRequest/crash-fe443c1e2b8e48cb03ef7178036119cefcaef881").path))
        let request = try Request(decoding: [UInt8](bytes))
        #expect(request.call != nil)
        #expect(try Request(decoding: request.encoded()) == request)
        let nan = Request(id: 1, call: .predict(PredictRequest(model: ModelSelector(name: "m"), dense: [.nan, 1])))
        #expect(try Request(decoding: nan.encoded()) == nan)
    }

    /// `writeFrame(maxBodyBytes:)` writes a message whose encoding fits and nothing else; for
    /// one that does not, it returns the encoding's size (the server then answers
    /// RESOURCE_EXHAUSTED in its place).
    @Test func aBoundedWriteWritesOnlyAMessageThatFits() throws {
        let response = Response(id: 9, status: Status(.invalidArgument, String(repeating: "x", count: 100)))
        let size = response.encoded().count
        let buffer = ByteBuffer(capacity: 64)
        #expect(response.writeFrame(into: buffer, arena: Arena(), maxBodyBytes: size - 1) == size)
        #expect(buffer.readableBytes == 0)
        #expect(response.writeFrame(into: buffer, arena: Arena(), maxBodyBytes: size) == nil)
        #expect(buffer.readableBytes == FrameLimits.headerBytes + size)
    }
}

#if DEBUG
/// RequestView's lifetime rule, enforced in debug builds: a view read after its arena was
/// reset stops the process instead of reading freed memory.
@Suite struct RequestViewLifetimeTests {
    @Test func aViewIsReadableUntilItsArenaIsReset() throws {
        let arena = Arena()
        let bytes = Request(id: 42, call: .health).encoded()
        let view = try bytes.withUnsafeBytes { try RequestView(decoding: $0, arena: arena) }
        #expect(view.id == 42)
    }

    @Test func readingAViewAfterTheResetStopsTheProcess() async {
        await #expect(processExitsWith: .failure) {
            let arena = Arena()
            let bytes = Request(id: 42, call: .health).encoded()
            let view = try bytes.withUnsafeBytes { try RequestView(decoding: $0, arena: arena) }
            arena.reset()
            _ = view.id
        }
    }
}
#endif
