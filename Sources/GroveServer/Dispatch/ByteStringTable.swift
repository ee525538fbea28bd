// ByteStringTable: an immutable set of strings looked up by raw bytes, in place, without allocating.

import GroveWire

/// Maps each of a list of strings to its index, looked up with bytes read in place from a
/// request (an open-addressing hash table, keys compared byte for byte). The hash reads the
/// length and at most 16 bytes (the first and last 8), so a long category costs no more to
/// find than a short one; keys alike in those (rare) only probe further.
/// Built once (at model load); lookups never allocate and never build a String.
///
/// Byte equality is stricter than Swift's `String ==` (canonical equivalence): a name spelled
/// with other Unicode normalisation is not found here, and the caller then takes the ordinary
/// path, which matches as `String` does. Strings holding a NUL byte are left out (the wire's
/// text checks refuse NUL, so such a name can only be matched by the ordinary path's error).
struct ByteStringTable: Sendable {
    /// Every key's UTF-8 bytes, back to back.
    private let bytes: [UInt8]
    /// Key `i` is `bytes[starts[i] ..< starts[i + 1]]`.
    private let starts: [Int]
    /// Open addressing: key index + 1, or 0 for an empty slot. Power-of-two size, at most half full.
    private let slots: [Int32]
    private let mask: Int

    /// Keys are distinct (as a model's column names and categories are).
    init(_ keys: [String]) {
        var bytes: [UInt8] = []
        var starts: [Int] = [0]
        for k in keys {
            bytes.append(contentsOf: k.utf8)
            starts.append(bytes.count)
        }
        var size = 4
        while size < keys.count * 2 { size *= 2 }
        var slots = [Int32](repeating: 0, count: size)
        for (i, k) in keys.enumerated() where !k.utf8.contains(0) {
            var s = Array(k.utf8).withUnsafeBufferPointer { Int(truncatingIfNeeded: Self.hash($0)) } & (size - 1)
            while slots[s] != 0 { s = (s + 1) & (size - 1) }
            slots[s] = Int32(i + 1)
        }
        self.bytes = bytes
        self.starts = starts
        self.slots = slots
        mask = size - 1
    }

    /// Number of keys.
    var count: Int { starts.count - 1 }

    /// The index of the key spelled exactly `name`, or nil.
    @inline(__always)
    func index(of name: UnsafeBufferPointer<UInt8>) -> Int? {
        var s = Int(truncatingIfNeeded: Self.hash(name)) & mask
        while true {
            let k = Int(slots[s])
            if k == 0 { return nil }
            if matches(name, key: k - 1) { return k - 1 }
            s = (s + 1) & mask
        }
    }

    /// Whether `name` is exactly key `key`'s bytes (one comparison: length, then the bytes in place).
    @inline(__always)
    func matches(_ name: UnsafeBufferPointer<UInt8>, key: Int) -> Bool {
        let start = starts[key], length = starts[key + 1] - start
        guard name.count == length else { return false }
        if length == 0 { return true }
        return bytes.withUnsafeBufferPointer { all in ByteComparison.equal(all.baseAddress! + start, name.baseAddress!, count: length) }
    }

    /// The length, the first and the last 8 bytes (4 when fewer than 8; FNV-1a over the bytes
    /// when fewer than 4), mixed: a handful of instructions whatever the length.
    @inline(__always)
    private static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        let prime: UInt64 = 0x0000_0100_0000_01b3
        var h: UInt64 = 0xcbf2_9ce4_8422_2325 ^ UInt64(bytes.count)
        if bytes.count >= 8, let base = bytes.baseAddress {
            let raw = UnsafeRawPointer(base)
            h = (h ^ raw.loadUnaligned(as: UInt64.self)) &* prime
            h = (h ^ raw.loadUnaligned(fromByteOffset: bytes.count - 8, as: UInt64.self)) &* prime
            return h ^ (h >> 32)
        }
        if bytes.count >= 4, let base = bytes.baseAddress {
            let raw = UnsafeRawPointer(base)
            h = (h ^ UInt64(raw.loadUnaligned(as: UInt32.self))) &* prime
            h = (h ^ UInt64(raw.loadUnaligned(fromByteOffset: bytes.count - 4, as: UInt32.self))) &* prime
            return h ^ (h >> 32)
        }
        for b in bytes { h = (h ^ UInt64(b)) &* prime }
        return h ^ (h >> 32)
    }
}
