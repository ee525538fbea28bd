// GoldenBytesTests: every message kind encodes to the bytes protoc itself produces.
//
// The expected hex strings were produced by `protoc --encode=grove.v1.X
// grove/v1/grove.proto` from the text shown beside each case, so they check
// our protobuf-c mapping against an independent encoder.

import Testing
@testable import GroveWire

@Suite struct GoldenBytesTests {
    static let requests: [(String, Request, String)] = [
        ("id: 1 health {}", Request(id: 1, call: .health), "08015200"),
        ("id: 7 list_models {}", Request(id: 7, call: .listModels), "08075a00"),
        ("id: 9 api_key: \"k\" model_info { model { name: \"credit\" version: 3 } }",
         Request(id: 9, apiKey: "k", call: .modelInfo(ModelSelector(name: "credit", version: 3))),
         "080912016b620c0a0a0a066372656469741003"),
        ("id: 300 predict { model { name: \"m\" label: \"stable\" } dense: [1.5, -2] }",
         Request(id: 300, call: .predict(PredictRequest(model: ModelSelector(name: "m", label: "stable"), dense: [1.5, -2]))),
         "08ac026a1f0a0b0a016d1a06737461626c651210000000000000f83f00000000000000c0"),
        ("id: 2 predict { records {age: 35, housing: own, x: missing} labels_only }",
         Request(id: 2, call: .predict(PredictRequest(
             model: ModelSelector(name: "m"),
             records: [RawRecord([RawField("age", .number(35)), RawField("housing", .text("own")), RawField("x", .missing)])],
             labelsOnly: true))),
         "08026a300a030a016d1a270a0e0a036167651100000000008041400a0e0a07686f7573696e671a036f776e0a050a017820012001"),
        ("id: 5 stats {}", Request(id: 5, call: .stats), "08057200"),
        ("id: 4 predict { model { name: \"m\" } records { fields { name: \"age\" number: 35 } } strict: true }",
         Request(id: 4, call: .predict(PredictRequest(model: ModelSelector(name: "m"), records: [RawRecord([RawField("age", .number(35))])],
                                                      strict: true))),
         "08046a190a030a016d1a100a0e0a036167651100000000008041402801"),
    ]

    static let responses: [(String, Response, String)] = [
        ("health SERVING", Response(id: 1, result: .health(HealthResponse(status: .serving, modelsAvailable: 2, serverVersion: "0.1.0"))),
         "08011200520b080110021a05302e312e30"),
        ("NOT_FOUND", Response.failure(id: 4, Status(.notFound, "no model")), "0804120c080512086e6f206d6f64656c"),
        ("predict", Response(id: 3, result: .predict(PredictResponse(model: "m", version: 2, rows: 1, numClasses: 2,
                                                                     probabilities: [0.25, 0.75], classIndex: [1]))),
         "080312006a1e0a016d1002180120022a10000000000000d03f000000000000e83f320101"),
        // Regression values (field 7) and input notes (field 8), as a regression model answers them.
        ("id: 3 status {} predict { model: \"m\" version: 2 rows: 2 values: [1.5, -2.25] notes { row: 1 column: \"housing\" kind: UNSEEN_CATEGORY value: \"castle\" } notes { row: 1 column: \"age\" kind: ABSENT } }",
         Response(id: 3, result: .predict(PredictResponse(model: "m", version: 2, rows: 2, values: [1.5, -2.25], notes: [
             RowNote(row: 1, column: "housing", kind: .unseenCategory, value: "castle"), RowNote(row: 1, column: "age", kind: .absent)]))),
         "080312006a3b0a016d100218023a10000000000000f83f00000000000002c0421508011207686f7573696e6718032206636173746c654209080112036167651802"),
        ("list_models", Response(id: 6, result: .listModels([ModelSummary(
            name: "m",
            versions: [VersionState(version: 1, state: .available), VersionState(version: 2, state: .failed, reason: "bad")],
            labels: [ModelLabel(name: "stable", version: 1)])])),
         "080612005a220a200a016d1204080110011209080210031a036261641a0a0a06737461626c651001"),
    ]

    @Test func requestsEncodeToProtocBytes() {
        for (text, request, golden) in Self.requests {
            #expect(hex(request.encoded()) == golden, "\(text)")
        }
    }

    @Test func requestsDecodeFromProtocBytes() throws {
        for (text, request, golden) in Self.requests {
            #expect(try Request(decoding: hex(golden)) == request, "\(text)")
        }
    }

    @Test func responsesEncodeToProtocBytes() {
        for (text, response, golden) in Self.responses {
            #expect(hex(response.encoded()) == golden, "\(text)")
        }
    }

    @Test func responsesDecodeFromProtocBytes() throws {
        for (text, response, golden) in Self.responses {
            #expect(try Response(decoding: hex(golden)) == response, "\(text)")
        }
    }

    /// The frame the README and the netcat kit send: {id: 1, health: {}}.
    @Test func healthFrameIsTheDocumentedEightBytes() {
        #expect(Request(id: 1, call: .health).framed() == [0, 0, 0, 4, 0x08, 0x01, 0x52, 0x00])
    }
}
