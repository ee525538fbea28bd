// AttributeReader: typed access to a node's attributes, remembering which were read.

/// Reads a node's attributes by name and type. A `*_as_tensor` double attribute is read
/// in place of the float one of the same name (opset 3), never both. `unread` lists the
/// attributes nothing asked for, so unknown ones can be refused.
struct AttributeReader {
    let node: OnnxNode
    private(set) var unread: Set<String>

    init(node: OnnxNode) {
        self.node = node
        unread = Set(node.attributes.keys)
    }

    private var op: String { node.qualifiedName }

    private mutating func take(_ name: String) -> OnnxAttribute? {
        unread.remove(name)
        return node.attributes[name]
    }

    private func check(_ name: String, _ found: Int, _ count: Int?, _ optional: Bool) throws(OnnxImportError) {
        if found == 0 && optional { return }
        if let count, found != count { throw .invalid("\(op): \(name) has \(found) entries for \(count) nodes or weights") }
    }

    mutating func ints(_ name: String, count: Int? = nil, optional: Bool = false) throws(OnnxImportError) -> [Int64] {
        let v: [Int64]
        switch take(name) {
        case nil:
            if !optional && count != 0 { throw .invalid("\(op): missing attribute \(name)") }
            v = []
        case let .ints(x)?: v = x
        case let .tensor(t)? where t.dataType == OnnxTensor.int64 || t.dataType == OnnxTensor.int32 || t.dataType == OnnxTensor.uint8:
            v = t.values.map { Int64($0) }
        default: throw .invalid("\(op): attribute \(name) is not a list of integers")
        }
        try check(name, v.count, count, optional)
        return v
    }

    mutating func doubles(_ name: String, count: Int? = nil, optional: Bool = false) throws(OnnxImportError) -> [Double] {
        let plain = take(name)
        let tensor = take(name + "_as_tensor")
        if plain != nil && tensor != nil { throw .invalid("\(op): both \(name) and \(name)_as_tensor are set") }
        let v: [Double]
        switch plain ?? tensor {
        case nil:
            if !optional && count != 0 { throw .invalid("\(op): missing attribute \(name)") }
            v = []
        case let .floats(x)?: v = x.map(Double.init)
        case let .tensor(t)?: v = t.values
        default: throw .invalid("\(op): attribute \(name) is not a list of numbers")
        }
        try check(name, v.count, count, optional)
        return v
    }

    mutating func strings(_ name: String, count: Int? = nil, optional: Bool = false) throws(OnnxImportError) -> [String] {
        let v: [String]
        switch take(name) {
        case nil:
            if !optional && count != 0 { throw .invalid("\(op): missing attribute \(name)") }
            v = []
        case let .strings(x)?: v = x.map { String(decoding: $0, as: UTF8.self) }
        default: throw .invalid("\(op): attribute \(name) is not a list of strings")
        }
        try check(name, v.count, count, optional)
        return v
    }

    mutating func string(_ name: String) throws(OnnxImportError) -> String? {
        switch take(name) {
        case nil: return nil
        case let .string(x)?: return String(decoding: x, as: UTF8.self)
        default: throw .invalid("\(op): attribute \(name) is not a string")
        }
    }

    mutating func int(_ name: String) throws(OnnxImportError) -> Int64? {
        switch take(name) {
        case nil: return nil
        case let .int(x)?: return x
        default: throw .invalid("\(op): attribute \(name) is not an integer")
        }
    }
}
