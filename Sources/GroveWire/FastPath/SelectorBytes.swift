// SelectorBytes: a model selector read in place from a decoded request (the hot paths).

import CGroveProto

/// A `ModelSelector`'s parts pointing into the arena its request was decoded into, its text
/// checked (no NUL, UTF-8) as the ordinary path checks it.
public struct SelectorBytes {
    public let name: UnsafeBufferPointer<UInt8>
    /// 0 when not given.
    public let version: UInt64
    /// Empty when not given.
    public let label: UnsafeBufferPointer<UInt8>

    /// Reads `model` (nil: no selector, an empty name); throws when its text is not valid.
    init(_ model: UnsafeMutablePointer<Grove__V1__ModelSelector>?) throws(MessageDecodeError) {
        let m = model?.pointee
        name = m.map { WireText.bytes($0.name) } ?? UnsafeBufferPointer(start: nil, count: 0)
        label = m.map { WireText.bytes($0.label) } ?? UnsafeBufferPointer(start: nil, count: 0)
        version = m?.version ?? 0
        try WireText.check(name, field: "ModelSelector.name")
        try WireText.check(label, field: "ModelSelector.label")
    }
}
