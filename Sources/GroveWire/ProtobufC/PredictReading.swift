// PredictReading: what the predict hot path reads of a request, as plain values (for the differential checks).

/// Everything `PredictView` hands the hot path besides the records' contents: the id, the
/// deadline, the API key, whether records are held, and the dense or raw-record call with its
/// model selector, values and flags. Built from a `PredictView` (the lazy twin) or, by
/// `ProtobufCRecords.predictReading`, from protobuf-c's decode of the real `Request` with the
/// view's documented rules; the differential fuzz target compares the two. Not for serving (it
/// allocates).
package struct PredictReading: Equatable {
    package struct Selector: Equatable {
        package var name: [UInt8]
        package var version: UInt64
        package var label: [UInt8]
    }

    /// `densePredict()`'s call.
    package struct Dense: Equatable {
        package var selector: Selector
        /// The values' bits (so NaNs, which the call never holds, and -0 compare exactly).
        package var values: [UInt64]
        package var labelsOnly: Bool
        package var reasons: Int
    }

    /// `recordPredict()`'s call (the records themselves are compared field by field elsewhere).
    package struct Records: Equatable {
        package var selector: Selector
        package var count: Int
        package var labelsOnly: Bool
    }

    package var id: UInt64
    package var timeoutMicros: UInt64
    package var holdsNoRecord: Bool
    package var apiKey: Result<[UInt8], MessageDecodeError>
    /// nil inside: no dense call; a failure: the selector's text refused.
    package var dense: Result<Dense?, MessageDecodeError>
    package var records: Records?

    /// What the hot path reads through `view`'s public members.
    package init(_ view: PredictView) {
        id = view.id
        timeoutMicros = view.timeoutMicros
        holdsNoRecord = view.holdsNoRecord
        apiKey = Result { () throws(MessageDecodeError) in Array(try view.apiKey()) }
        dense = Result { () throws(MessageDecodeError) in
            try view.densePredict().map { d in
                Dense(selector: Selector(name: Array(d.modelName), version: d.version, label: Array(d.label)),
                      values: d.dense.map(\.bitPattern), labelsOnly: d.labelsOnly, reasons: d.reasons)
            }
        }
        records = view.recordPredict().map { r in
            Records(selector: Selector(name: Array(r.modelName), version: r.version, label: Array(r.label)),
                    count: r.records.count, labelsOnly: r.labelsOnly)
        }
    }

    package init(id: UInt64, timeoutMicros: UInt64, holdsNoRecord: Bool, apiKey: Result<[UInt8], MessageDecodeError>,
                 dense: Result<Dense?, MessageDecodeError>, records: Records?) {
        self.id = id
        self.timeoutMicros = timeoutMicros
        self.holdsNoRecord = holdsNoRecord
        self.apiKey = apiKey
        self.dense = dense
        self.records = records
    }
}
