// CStringList: a fixed list of NUL-terminated copies of strings, for responses packed without allocating.

import Glibc

/// Immutable after init; frees its copies when released. Shared read-only across loops.
public final class CStringList: @unchecked Sendable {  // written once in init, then only read
    /// The copies, in order (`count` pointers).
    let pointers: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
    public let count: Int

    public init(_ strings: [String]) {
        count = strings.count
        pointers = .allocate(capacity: max(count, 1))
        for (i, s) in strings.enumerated() { (pointers + i).initialize(to: strdup(s)) }
    }

    deinit {
        for i in 0..<count { free(pointers[i]) }
        pointers.deallocate()
    }

    /// String `i`'s copy.
    public subscript(i: Int) -> UnsafeMutablePointer<CChar> { pointers[i]! }
}
