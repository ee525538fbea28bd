// ByteComparison: equality of two short runs of bytes in place, without a call to memcmp.

/// The hot paths compare names and categories of a few to a few dozen bytes; `memcmp` (a call
/// through the PLT, then a dispatch on the length) costs more than the comparison itself there.
public enum ByteComparison {
    /// Whether the `count` bytes at `a` and `b` are equal. Reads exactly those bytes (sixteen
    /// at a time as two words, the last sixteen, eight or four overlapping the ones before), so either side
    /// may end right after them.
    @inlinable @inline(__always)
    public static func equal(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, count: Int) -> Bool {
        let x = UnsafeRawPointer(a), y = UnsafeRawPointer(b)
        if count >= 16 {
            // Two 8-byte words per step (Swift's SIMD16 comparison compiles to a lane-by-lane loop).
            @inline(__always) func differs(at i: Int) -> Bool {
                (x.loadUnaligned(fromByteOffset: i, as: UInt64.self) ^ y.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                    | (x.loadUnaligned(fromByteOffset: i &+ 8, as: UInt64.self) ^ y.loadUnaligned(fromByteOffset: i &+ 8, as: UInt64.self)) != 0
            }
            var i = 0
            while i &+ 16 < count {
                if differs(at: i) { return false }
                i &+= 16
            }
            return !differs(at: count &- 16)
        }
        if count >= 8 {
            return (x.loadUnaligned(as: UInt64.self) ^ y.loadUnaligned(as: UInt64.self))
                | (x.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self) ^ y.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self)) == 0
        }
        if count >= 4 {
            return (x.loadUnaligned(as: UInt32.self) ^ y.loadUnaligned(as: UInt32.self))
                | (x.loadUnaligned(fromByteOffset: count &- 4, as: UInt32.self) ^ y.loadUnaligned(fromByteOffset: count &- 4, as: UInt32.self)) == 0
        }
        var i = 0
        while i < count {
            if a[i] != b[i] { return false }
            i &+= 1
        }
        return true
    }
}
