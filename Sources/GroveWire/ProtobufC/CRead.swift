// CRead: small readers from protobuf-c's C values into Swift values.

import CGroveProto

package enum CRead {
    /// A C string field (protobuf-c never leaves a string NULL after unpack, but a hand-built message may).
    @inline(__always)
    package static func string(_ p: UnsafeMutablePointer<CChar>?) -> String {
        guard let p else { return "" }
        return String(cString: p)
    }

    /// A repeated scalar field.
    @inline(__always)
    package static func array<T>(_ count: Int, _ p: UnsafeMutablePointer<T>?) -> [T] {
        guard count > 0, let p else { return [] }
        return Array(UnsafeBufferPointer(start: p, count: count))
    }

    /// A repeated string field.
    package static func strings(_ count: Int, _ p: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> [String] {
        guard count > 0, let p else { return [] }
        return (0..<count).map { string(p[$0]) }
    }

    /// A repeated message field, each element converted by `convert`.
    package static func messages<C, T, E: Error>(_ count: Int, _ p: UnsafeMutablePointer<UnsafeMutablePointer<C>?>?,
                                         _ convert: (C) throws(E) -> T) throws(E) -> [T] {
        guard count > 0, let p else { return [] }
        var out: [T] = []
        out.reserveCapacity(count)
        for i in 0..<count {
            if let m = p[i] { out.append(try convert(m.pointee)) }
        }
        return out
    }

    /// A model selector from a request (its text checked: no NUL, UTF-8).
    package static func selector(_ p: UnsafeMutablePointer<Grove__V1__ModelSelector>?) throws(MessageDecodeError) -> ModelSelector {
        guard let m = p?.pointee else { return ModelSelector(name: "") }
        let label = try WireText.string(m.label, field: "ModelSelector.label")
        return ModelSelector(name: try WireText.string(m.name, field: "ModelSelector.name"), version: m.version == 0 ? nil : m.version,
                             label: label.isEmpty ? nil : label)
    }

    /// Repeated `Record` messages.
    /// A request's raw records (their text checked: no NUL, UTF-8).
    package static func records(_ count: Int, _ p: UnsafeMutablePointer<UnsafeMutablePointer<Grove__V1__Record>?>?) throws(MessageDecodeError) -> [RawRecord] {
        try messages(count, p) { (r) throws(MessageDecodeError) in
            RawRecord(try messages(r.n_fields, r.fields) { (f) throws(MessageDecodeError) in
                let value: RawField.Value
                switch f.value_case {
                case GROVE__V1__FIELD__VALUE_NUMBER: value = .number(f.number)
                case GROVE__V1__FIELD__VALUE_TEXT: value = .text(try WireText.string(f.text, field: "Field.text"))
                default: value = .missing
                }
                return RawField(try WireText.string(f.name, field: "Field.name"), value)
            })
        }
    }

    package static func reason(_ r: Grove__V1__Reason) -> ReasonCode {
        ReasonCode(column: string(r.column), contribution: r.contribution, value: string(r.value),
                   code: string(r.code), text: string(r.text))
    }

    package static func metric(_ m: Grove__V1__Metric) -> NamedValue {
        NamedValue(string(m.name), m.value)
    }

    package static func inputColumn(_ c: Grove__V1__InputColumn) -> InputColumnInfo {
        InputColumnInfo(name: string(c.name),
                        kind: InputColumnInfo.Kind(rawValue: UInt32(c.kind.rawValue)) ?? .unspecified,
                        categories: strings(c.n_categories, c.categories), fillValue: c.fill_value)
    }
}
