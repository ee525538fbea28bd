// PredictResponseWriter: packs a PredictResponse frame from caller-owned buffers, allocating nothing.

import CGroveProto
import CProtobufC

public enum PredictResponseWriter {
    /// Appends `Response { id, status OK, predict { ... } }` as a frame to `output`.
    ///
    /// `modelName` must be NUL-terminated and outlive the call; the arrays are
    /// read in place (pass an empty `probabilities` for labels-only answers,
    /// `values` for regression). `reasons`, when given, supplies the inline reason lists and the
    /// explained class (`PredictRequest.reasons`).
    /// The answer is written by `PredictResponseEncoder` (the same bytes as protobuf-c's, about
    /// a tenth of the instructions), inline reasons included.
    public static func write(id: UInt64, modelName: UnsafePointer<CChar>, version: UInt64, rows: Int, numClasses: Int,
                             probabilities: UnsafeBufferPointer<Double>, classIndex: UnsafeBufferPointer<UInt32>,
                             values: UnsafeBufferPointer<Double>, reasons: ReasonListBuffer? = nil, into output: ByteBuffer) {
        PredictResponseEncoder.write(id: id, modelName: modelName, version: version, rows: rows, numClasses: numClasses,
                                     probabilities: probabilities, classIndex: classIndex, values: values, reasons: reasons, into: output)
    }

    /// `write` through protobuf-c's pack, whatever the answer holds: the reference the hand
    /// encoder is tested against.
    package static func writeWithProtobufC(id: UInt64, modelName: UnsafePointer<CChar>, version: UInt64, rows: Int, numClasses: Int,
                                           probabilities: UnsafeBufferPointer<Double>, classIndex: UnsafeBufferPointer<UInt32>,
                                           values: UnsafeBufferPointer<Double>, reasons: ReasonListBuffer? = nil, into output: ByteBuffer) {
        var predict = Grove__V1__PredictResponse()
        grove__v1__predict_response__init(&predict)
        predict.model = UnsafeMutablePointer(mutating: modelName)
        predict.version = version
        predict.rows = UInt32(rows)
        predict.num_classes = UInt32(numClasses)
        predict.n_probabilities = probabilities.count
        predict.probabilities = UnsafeMutablePointer(mutating: probabilities.baseAddress)
        predict.n_class_index = classIndex.count
        predict.class_index = UnsafeMutablePointer(mutating: classIndex.baseAddress)
        predict.n_values = values.count
        predict.values = UnsafeMutablePointer(mutating: values.baseAddress)
        reasons?.fill(&predict)
        withUnsafeMutablePointer(to: &predict) { p in
            writeOK(id: id, into: output) { response in
                response.result_case = GROVE__V1__RESPONSE__RESULT_PREDICT
                response.predict = p
            }
        }
    }

    /// Appends `Response { id, status OK, <result> }` as a frame to `output`; `setResult` sets
    /// the result (whose message must outlive the call).
    static func writeOK(id: UInt64, into output: ByteBuffer, _ setResult: (inout Grove__V1__Response) -> Void) {
        var status = Grove__V1__Status()
        grove__v1__status__init(&status)
        var empty: CChar = 0
        var response = Grove__V1__Response()
        grove__v1__response__init(&response)
        response.id = id
        setResult(&response)
        withUnsafeMutablePointer(to: &empty) { emptyString in
            status.message = emptyString
            withUnsafeMutablePointer(to: &status) { statusPointer in
                response.status = statusPointer
                withUnsafePointer(to: &response) { r in
                    WirePack.frame(UnsafeRawPointer(r).assumingMemoryBound(to: ProtobufCMessage.self), into: output)
                }
            }
        }
    }
}
