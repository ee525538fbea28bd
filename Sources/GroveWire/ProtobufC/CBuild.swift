// CBuild: builders of protobuf-c C messages from Swift values, in an arena.

import CGroveProto

package enum CBuild {
    package static func selector(_ s: ModelSelector, _ arena: Arena) -> UnsafeMutablePointer<Grove__V1__ModelSelector> {
        let m = arena.new(Grove__V1__ModelSelector.self)
        grove__v1__model_selector__init(m)
        m.pointee.name = arena.cString(s.name)
        m.pointee.version = s.version ?? 0
        m.pointee.label = arena.cString(s.label ?? "")
        return m
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
