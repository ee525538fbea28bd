// LazyTwinTests: the lazy twins (proto/grove/v1/lazy.proto), RequestShape and RecordScanner read grove.proto's fields as they are.

import GroveWire
import Testing

@Suite struct LazyTwinTests {
    /// Field numbers, labels and wire types of the twins match the real messages' (records aside:
    /// `bytes` for `Record`, both length-delimited), and so do the message types their message
    /// fields hold; nothing of the real PredictRequest is missing from its twin; the fields
    /// RequestShape and RecordScanner read have their grove.proto numbers.
    @Test func twinsMatchTheRealMessages() {
        #expect(LazyTwin.mismatches() == [])
    }

    /// Message-typed fields are compared by the message they hold, not only as "a message": a
    /// twin whose model selector or predict call held another message than the real one's, or
    /// whose records were another message than bytes, is a mismatch. (The twins are generated
    /// from lazy.proto, so the drift is made here, on their descriptors' tables.)
    @Test func messageFieldsAreComparedByTheMessageTheyHold() {
        let predict = LazyTwin.Message.predictRequest.fields, request = LazyTwin.Message.request.fields
        var twin = LazyTwin.Message.lazyPredictRequest.fields
        #expect(twin["model"]?.type == "message grove.v1.ModelSelector")
        #expect(LazyTwin.compare(twin: twin, real: predict, in: "LazyPredictRequest") == [])
        twin["model"]?.type = "message grove.v1.Record"
        twin["records"]?.type = "message grove.v1.Field"
        #expect(Set(LazyTwin.compare(twin: twin, real: predict, in: "LazyPredictRequest")) == [
            "LazyPredictRequest.model: type message grove.v1.Record, the real one message grove.v1.ModelSelector",
            "LazyPredictRequest.records: type message grove.v1.Field, the real one message grove.v1.Record",
        ])
        var lazyRequest = LazyTwin.Message.lazyRequest.fields
        #expect(lazyRequest["predict"]?.type == "message grove.v1.LazyPredictRequest")
        #expect(LazyTwin.compare(twin: lazyRequest, real: request, in: "LazyRequest") == [])
        lazyRequest["predict"]?.type = "message grove.v1.ExplainRequest"
        #expect(LazyTwin.compare(twin: lazyRequest, real: request, in: "LazyRequest") == [
            "LazyRequest.predict: type message grove.v1.ExplainRequest, the real one message grove.v1.PredictRequest",
        ])
    }
}
