// ExplainResponseWriter: packs an ExplainResponse frame from caller-owned buffers, allocating nothing.

import CGroveProto
import CProtobufC

public enum ExplainResponseWriter {
    /// Appends `Response { id, status OK, explain { ... } }` as a frame to `output`: the rows,
    /// their reasons and the explained class from `rows`; `columns` and `featureNames` (the
    /// orders of the contributions sent), when given. `modelName` and `scale` must be
    /// NUL-terminated and outlive the call.
    public static func write(id: UInt64, modelName: UnsafePointer<CChar>, version: UInt64, scale: UnsafePointer<CChar>,
                             columns: CStringList?, featureNames: CStringList?, rows: ExplainRowBuffer, into output: ByteBuffer) {
        var explain = Grove__V1__ExplainResponse()
        grove__v1__explain_response__init(&explain)
        explain.model = UnsafeMutablePointer(mutating: modelName)
        explain.version = version
        explain.scale = UnsafeMutablePointer(mutating: scale)
        if let columns { (explain.n_columns, explain.columns) = (columns.count, columns.pointers) }
        if let featureNames { (explain.n_feature_names, explain.feature_names) = (featureNames.count, featureNames.pointers) }
        rows.fill(&explain)
        withUnsafeMutablePointer(to: &explain) { e in
            PredictResponseWriter.writeOK(id: id, into: output) { response in
                response.result_case = GROVE__V1__RESPONSE__RESULT_EXPLAIN
                response.explain = e
            }
        }
    }
}
