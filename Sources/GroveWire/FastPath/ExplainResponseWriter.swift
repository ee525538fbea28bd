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
        var status = Grove__V1__Status()
        grove__v1__status__init(&status)
        var empty: CChar = 0
        var explain = Grove__V1__ExplainResponse()
        grove__v1__explain_response__init(&explain)
        explain.model = UnsafeMutablePointer(mutating: modelName)
        explain.version = version
        explain.scale = UnsafeMutablePointer(mutating: scale)
        if let columns { (explain.n_columns, explain.columns) = (columns.count, columns.pointers) }
        if let featureNames { (explain.n_feature_names, explain.feature_names) = (featureNames.count, featureNames.pointers) }
        rows.fill(&explain)
        var response = Grove__V1__Response()
        grove__v1__response__init(&response)
        response.id = id
        withUnsafeMutablePointer(to: &empty) { emptyString in
            status.message = emptyString
            withUnsafeMutablePointer(to: &status) { statusPointer in
                response.status = statusPointer
                withUnsafeMutablePointer(to: &explain) { explainPointer in
                    response.result_case = GROVE__V1__RESPONSE__RESULT_EXPLAIN
                    response.explain = explainPointer
                    withUnsafePointer(to: &response) { r in
                        WirePack.frame(UnsafeRawPointer(r).assumingMemoryBound(to: ProtobufCMessage.self), into: output)
                    }
                }
            }
        }
    }
}
