// FuzzChecks+DenseRequest: the differential check of the in-place dense request reader against protobuf-c.

import GroveWire

extension FuzzChecks {
    /// `PredictRequestReader` against protobuf-c's decode of the same bytes (the lazy twin the hot
    /// path decoded before, `PredictView`): whenever the reader reads a request, `RequestShape`
    /// must accept it, protobuf-c must decode it, and every part the hot path uses (id, budget,
    /// API key, selector, values bit for bit, labels_only, reasons) must be protobuf-c's, with the
    /// key and selector valid text and no value NaN, so the hot path would have taken it the same
    /// way. Declining promises nothing. Returns whether the reader read the bytes.
    @discardableResult
    public static func denseRequest(_ body: UnsafeRawBufferPointer, arena: Arena = Arena(limit: 1 << 24)) throws -> Bool {
        guard let r = PredictRequestReader.readDense(body) else { return false }
        guard RequestShape.isSinglePredict(body) else { throw FuzzCheckFailure("the reader read a request RequestShape refuses") }
        let view: PredictView
        do { view = try PredictView(decoding: body, arena: arena) } catch {
            throw FuzzCheckFailure("the reader read a request protobuf-c refuses (\(error))")
        }
        defer { arena.reset() }
        guard view.holdsNoRecord else { throw FuzzCheckFailure("the reader read a request holding records") }
        guard let key = try? view.apiKey() else { throw FuzzCheckFailure("the reader took an API key protobuf-c's path refuses") }
        let dense: PredictView.DensePredict
        do {
            guard let d = try view.densePredict() else { throw FuzzCheckFailure("the reader read a request the dense hot path does not take") }
            dense = d
        } catch let e as FuzzCheckFailure { throw e } catch {
            throw FuzzCheckFailure("the reader took a selector protobuf-c's path refuses (\(error))")
        }
        let values = (0..<r.count).map { r.denseBytes.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self) }
        let reference = dense.dense.map(\.bitPattern)
        func differ(_ what: String, _ a: Any, _ b: Any) -> FuzzCheckFailure {
            FuzzCheckFailure("\(what): the reader read \(a), protobuf-c \(b)")
        }
        if r.id != view.id { throw differ("id", r.id, view.id) }
        if r.timeoutMicros != view.timeoutMicros { throw differ("timeout_micros", r.timeoutMicros, view.timeoutMicros) }
        if Array(r.apiKey) != Array(key) { throw differ("api_key", Array(r.apiKey), Array(key)) }
        if Array(r.modelName) != Array(dense.modelName) { throw differ("name", Array(r.modelName), Array(dense.modelName)) }
        if r.version != dense.version { throw differ("version", r.version, dense.version) }
        if Array(r.label) != Array(dense.label) { throw differ("label", Array(r.label), Array(dense.label)) }
        if values != reference { throw differ("dense", values, reference) }
        if r.labelsOnly != dense.labelsOnly { throw differ("labels_only", r.labelsOnly, dense.labelsOnly) }
        if r.reasons != dense.reasons { throw differ("reasons", r.reasons, dense.reasons) }
        return true
    }
}
