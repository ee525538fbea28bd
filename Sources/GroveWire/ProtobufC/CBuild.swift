// CBuild: builders of protobuf-c C messages from Swift values, in an arena.

import CGroveProto

package enum CBuild {
    package static func selector(_ s: ModelSelector, _ arena: Arena) -> UnsafeMutablePointer<Grove__V1__ModelSelector> {
        let m = arena.new(Grove__V1__ModelSelector.self)
        grove__v1__model_selector__init(m)
        m.pointee.name = arena.text(s.name)
        m.pointee.version = s.version ?? 0
        m.pointee.label = arena.text(s.label ?? "")
        return m
    }

    /// Repeated `Record` messages.
    package static func records(_ records: [RawRecord], _ arena: Arena) -> UnsafeMutablePointer<UnsafeMutablePointer<Grove__V1__Record>?>? {
        arena.pointers(records.count) { i in
            let record = records[i]
            let r = arena.new(Grove__V1__Record.self)
            grove__v1__record__init(r)
            r.pointee.n_fields = record.fields.count
            r.pointee.fields = arena.pointers(record.fields.count) { j in
                let field = record.fields[j]
                let f = arena.new(Grove__V1__Field.self)
                grove__v1__field__init(f)
                f.pointee.name = arena.text(field.name)
                switch field.value {
                case let .number(x):
                    f.pointee.value_case = GROVE__V1__FIELD__VALUE_NUMBER
                    f.pointee.number = x
                case let .text(s):
                    f.pointee.value_case = GROVE__V1__FIELD__VALUE_TEXT
                    f.pointee.text = arena.text(s)
                case .missing:
                    f.pointee.value_case = GROVE__V1__FIELD__VALUE_MISSING
                    f.pointee.missing = 1
                }
                return f
            }
            return r
        }
    }

    /// Repeated `Reason` messages.
    package static func reasons(_ reasons: [ReasonCode], _ arena: Arena) -> UnsafeMutablePointer<UnsafeMutablePointer<Grove__V1__Reason>?>? {
        arena.pointers(reasons.count) { i in
            let r = arena.new(Grove__V1__Reason.self)
            grove__v1__reason__init(r)
            r.pointee.column = arena.cString(reasons[i].column)
            r.pointee.contribution = reasons[i].contribution
            r.pointee.value = arena.cString(reasons[i].value)
            r.pointee.code = arena.cString(reasons[i].code)
            r.pointee.text = arena.cString(reasons[i].text)
            return r
        }
    }

    package static func metric(_ v: NamedValue, _ arena: Arena) -> UnsafeMutablePointer<Grove__V1__Metric> {
        let m = arena.new(Grove__V1__Metric.self)
        grove__v1__metric__init(m)
        m.pointee.name = arena.cString(v.name)
        m.pointee.value = v.value
        return m
    }

    package static func strings(_ values: [String], _ arena: Arena) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? {
        arena.pointers(values.count) { arena.cString(values[$0]) }
    }

    package static func inputColumn(_ c: InputColumnInfo, _ arena: Arena) -> UnsafeMutablePointer<Grove__V1__InputColumn> {
        let m = arena.new(Grove__V1__InputColumn.self)
        grove__v1__input_column__init(m)
        m.pointee.name = arena.cString(c.name)
        m.pointee.kind = Grove__V1__InputColumn__Kind(rawValue: numericCast(c.kind.rawValue))
        m.pointee.n_categories = c.categories.count
        m.pointee.categories = strings(c.categories, arena)
        m.pointee.fill_value = c.fillValue
        return m
    }
}
