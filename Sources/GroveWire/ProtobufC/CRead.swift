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
    package static func messages<C, T>(_ count: Int, _ p: UnsafeMutablePointer<UnsafeMutablePointer<C>?>?, _ convert: (C) -> T) -> [T] {
        guard count > 0, let p else { return [] }
        var out: [T] = []
        out.reserveCapacity(count)
        for i in 0..<count {
            if let m = p[i] { out.append(convert(m.pointee)) }
        }
        return out
    }

    package static func selector(_ p: UnsafeMutablePointer<Grove__V1__ModelSelector>?) -> ModelSelector {
        guard let m = p?.pointee else { return ModelSelector(name: "") }
        let label = string(m.label)
        return ModelSelector(name: string(m.name), version: m.version == 0 ? nil : m.version,
                             label: label.isEmpty ? nil : label)
    }

    /// Repeated `Record` messages.
    package static func records(_ count: Int, _ p: UnsafeMutablePointer<UnsafeMutablePointer<Grove__V1__Record>?>?) -> [RawRecord] {
        messages(count, p) { r in
            RawRecord(messages(r.n_fields, r.fields) { f in
                let value: RawField.Value
                switch f.value_case {
                case GROVE__V1__FIELD__VALUE_NUMBER: value = .number(f.number)
                case GROVE__V1__FIELD__VALUE_TEXT: value = .text(string(f.text))
                default: value = .missing
                }
                return RawField(string(f.name), value)
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
