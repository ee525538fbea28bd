// ExplainRoundTripTests: Explain requests and answers, and Predict's inline reasons, survive encode -> decode.

import Foundation
import Testing
@testable import GroveWire

@Suite struct ExplainRoundTripTests {
    static let reasons = [ReasonCode(column: "housing", contribution: 0.041, value: "rent", code: "R07", text: "Rents, \"no\" home"),
                          ReasonCode(column: "age", contribution: 1e-300, value: "missing (filled with 35.5)")]

    @Test func explainRequestRoundTrips() throws {
        let request = Request(id: 9, call: .explain(ExplainRequest(
            model: ModelSelector(name: "m", label: "stable"), dense: [.nan, 1, -0.0],
            records: [RawRecord([RawField("age", .number(35)), RawField("housing", .missing)])], topK: 7,
            contributions: true, encodedFeatures: true, classLabel: "bad")))
        #expect(try Request(decoding: request.encoded()) == request)
        let empty = Request(id: 1, call: .explain(ExplainRequest(model: ModelSelector(name: "m"))))
        #expect(try Request(decoding: empty.encoded()) == empty)
    }

    @Test func explainResponseRoundTrips() throws {
        let response = Response(id: 4, result: .explain(ExplainResponse(
            model: "m", version: 3, explainedClass: "bad", scale: "probability", columns: ["age", "housing"],
            featureNames: ["age", "housing_own", "housing_rent"],
            rows: [ExplainRow(prediction: 0.62, baseValue: 0.3, contributions: [0.279, 0.041],
                              featureContributions: [0.279, -0.01, 0.051], reasons: ExplainRoundTripTests.reasons),
                   ExplainRow(prediction: 0.1, baseValue: 0.3)])))
        #expect(try Response(decoding: response.encoded()) == response)
    }

    @Test func inlineReasonsRoundTrip() throws {
        let request = Request(id: 2, call: .predict(PredictRequest(model: ModelSelector(name: "m"), dense: [1, 2], reasons: 4)))
        #expect(try Request(decoding: request.encoded()) == request)
        let response = Response(id: 2, result: .predict(PredictResponse(
            model: "m", version: 1, rows: 2, numClasses: 2, probabilities: [0.6, 0.4, 0.2, 0.8], classIndex: [0, 1],
            reasons: [ExplainRoundTripTests.reasons, []], explainedClass: "bad")))
        #expect(try Response(decoding: response.encoded()) == response)
    }

    /// Field numbers are the public contract: Request.explain = 15, PredictRequest.reasons = 6.
    @Test func explainUsesItsAssignedFieldNumbers() throws {
        let bytes = Request(id: 1, call: .explain(ExplainRequest(model: ModelSelector(name: "m"), topK: 3))).encoded()
        // 08 01 (id), then field 15 length-delimited: tag (15 << 3 | 2) = 0x7a.
        #expect(Array(bytes.prefix(3)) == [0x08, 0x01, 0x7a])
        let p = Request(id: 1, call: .predict(PredictRequest(model: ModelSelector(name: "m"), reasons: 4))).encoded()
        // ... predict (0x6a) holding the selector (0a 03 0a 01 6d) and reasons: tag (6 << 3) = 0x30, 4.
        #expect(p.suffix(2) == [0x30, 0x04])
    }
}
