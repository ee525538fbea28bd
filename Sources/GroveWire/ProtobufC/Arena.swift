// Arena: a bump allocator that protobuf-c unpacks into and that C messages are built in.

import CProtobufC

/// A region allocator: many small allocations, freed all at once by `reset()`.
///
/// protobuf-c's unpack makes one allocation per message, string and repeated
/// field; with an arena they are pointer bumps in memory the arena already
/// holds, and freeing the decoded message is one `reset()`. The arena also
/// bounds how much memory one decode may take (`limit`): a small hostile
/// message that would expand into many C structs fails cleanly instead.
///
/// Not thread-safe: one owner at a time (a connection's loop, a client).
public final class Arena {
    /// Default bound on what one decode may allocate.
    public static let defaultLimit = 64 * 1024 * 1024
    private static let alignment = 16

    private let chunkSize: Int
    /// Upper bound on bytes handed out between resets.
    public let limit: Int
    /// Bytes handed out since the last reset.
    public var allocatedBytes: Int { cursor.pointee.allocated }
    /// True when an allocation was refused because of `limit` since the last reset.
    public var exhausted: Bool { cursor.pointee.exhausted }

    /// The bump pointer and the rest of the arena's state, behind a pointer held by a `let`:
    /// protobuf-c calls `allocate` once per message, string and repeated field (about 60 times
    /// for one 20-field record), the server resets the arena twice per request, and a class's
    /// `var`s would cost a dynamic exclusivity check (a runtime call) on every access.
    private struct Cursor {
        /// Next free byte of the current chunk, and its end (nil, nil: no chunk yet).
        var next: UnsafeMutableRawPointer?
        var end: UnsafeMutableRawPointer?
        var allocated: Int
        var chunks: [(base: UnsafeMutableRawPointer, size: Int)] = []
        var chunkIndex = 0
        var exhausted = false
        var generation: UInt64 = 0
    }
    private let cursor: UnsafeMutablePointer<Cursor>
    /// How many times the arena was reset: what it handed out before belongs to an earlier
    /// generation and must not be read (RequestView checks it in debug builds).
    package var generation: UInt64 { cursor.pointee.generation }

    public init(chunkSize: Int = 64 * 1024, limit: Int = Arena.defaultLimit) {
        self.chunkSize = chunkSize
        self.limit = limit
        cursor = .allocate(capacity: 1)
        cursor.initialize(to: Cursor(next: nil, end: nil, allocated: 0))
    }

    deinit {
        for chunk in cursor.pointee.chunks { chunk.base.deallocate() }
        cursor.deinitialize(count: 1)
        cursor.deallocate()
    }

    /// Returns 16-byte-aligned uninitialised memory, or nil past `limit`.
    @inline(__always)
    public func allocate(byteCount: Int) -> UnsafeMutableRawPointer? {
        let size = max((byteCount + Arena.alignment - 1) & ~(Arena.alignment - 1), Arena.alignment)
        let c = cursor
        if let next = c.pointee.next, size <= c.pointee.end! - next, c.pointee.allocated + size <= limit {
            c.pointee.next = next + size
            c.pointee.allocated += size
            return next
        }
        return allocateInNextChunk(size)
    }

    /// `allocate` when the current chunk is full (or there is none yet), or past `limit`.
    private func allocateInNextChunk(_ size: Int) -> UnsafeMutableRawPointer? {
        let c = cursor
        guard c.pointee.allocated + size <= limit else {
            c.pointee.exhausted = true
            return nil
        }
        c.pointee.allocated += size
        if c.pointee.next != nil { c.pointee.chunkIndex += 1 }   // the current chunk is too full
        while c.pointee.chunkIndex < c.pointee.chunks.count {
            let chunk = c.pointee.chunks[c.pointee.chunkIndex]
            if size <= chunk.size {
                c.pointee.next = chunk.base + size
                c.pointee.end = chunk.base + chunk.size
                return chunk.base
            }
            c.pointee.chunkIndex += 1
        }
        let newSize = max(chunkSize, size)
        let base = UnsafeMutableRawPointer.allocate(byteCount: newSize, alignment: Arena.alignment)
        c.pointee.chunks.append((base, newSize))
        c.pointee.chunkIndex = c.pointee.chunks.count - 1
        c.pointee.next = base + size
        c.pointee.end = base + newSize
        return base
    }

    /// Frees everything handed out. Keeps the first chunks up to 4 x chunkSize
    /// for reuse, so a steady stream of small messages allocates nothing.
    public func reset() {
        let c = cursor
        c.pointee.generation &+= 1
        if c.pointee.chunks.count > 1 {
            // Keep the leading chunks up to 4 x chunkSize; free the rest (after one
            // huge message). In place: a reset must not allocate (it runs per request).
            var kept = 0
            var keepCount = 0
            while keepCount < c.pointee.chunks.count && kept + c.pointee.chunks[keepCount].size <= 4 * chunkSize {
                kept += c.pointee.chunks[keepCount].size
                keepCount += 1
            }
            if keepCount < c.pointee.chunks.count {
                for i in keepCount..<c.pointee.chunks.count { c.pointee.chunks[i].base.deallocate() }
                c.pointee.chunks.removeSubrange(keepCount...)
            }
        } else if let only = c.pointee.chunks.first, only.size > 4 * chunkSize {
            only.base.deallocate()
            c.pointee.chunks.removeAll(keepingCapacity: true)
        }
        // The first kept chunk (if any) is the current one again.
        let first = c.pointee.chunks.first
        c.pointee.chunkIndex = 0
        c.pointee.next = first?.base
        c.pointee.end = first.map { $0.base + $0.size }
        c.pointee.allocated = 0
        c.pointee.exhausted = false
    }

    /// A zeroed `T`.
    package func new<T>(_ type: T.Type) -> UnsafeMutablePointer<T> {
        guard let raw = allocate(byteCount: MemoryLayout<T>.stride) else {
            fatalError("Arena: limit reached while building an outgoing message")
        }
        raw.initializeMemory(as: UInt8.self, repeating: 0, count: MemoryLayout<T>.stride)
        return raw.assumingMemoryBound(to: T.self)
    }

    /// A NUL-terminated copy of `string`.
    package func cString(_ string: String) -> UnsafeMutablePointer<CChar> {
        var string = string
        return string.withUTF8 { utf8 in
            guard let raw = allocate(byteCount: utf8.count + 1) else {
                fatalError("Arena: limit reached while building an outgoing message")
            }
            if utf8.count > 0 { raw.copyMemory(from: utf8.baseAddress!, byteCount: utf8.count) }
            raw.storeBytes(of: 0, toByteOffset: utf8.count, as: UInt8.self)
            return raw.assumingMemoryBound(to: CChar.self)
        }
    }

    /// The UTF-8 bytes of `string` as a protobuf `bytes` value (how client text travels).
    func text(_ string: String) -> ProtobufCBinaryData {
        var string = string
        return string.withUTF8 { utf8 in
            guard utf8.count > 0 else { return ProtobufCBinaryData(len: 0, data: nil) }
            guard let raw = allocate(byteCount: utf8.count) else {
                fatalError("Arena: limit reached while building an outgoing message")
            }
            raw.copyMemory(from: utf8.baseAddress!, byteCount: utf8.count)
            return ProtobufCBinaryData(len: utf8.count, data: raw.assumingMemoryBound(to: UInt8.self))
        }
    }

    /// A copy of `values`, or nil when empty (with a count of 0, protobuf-c reads no pointer).
    package func copy<T>(_ values: [T]) -> UnsafeMutablePointer<T>? {
        guard !values.isEmpty else { return nil }
        guard let raw = allocate(byteCount: MemoryLayout<T>.stride * values.count) else {
            fatalError("Arena: limit reached while building an outgoing message")
        }
        let typed = raw.bindMemory(to: T.self, capacity: values.count)
        values.withUnsafeBufferPointer { typed.initialize(from: $0.baseAddress!, count: values.count) }
        return typed
    }

    /// An array of `count` pointers built by `make`.
    package func pointers<T>(_ count: Int, _ make: (Int) -> UnsafeMutablePointer<T>) -> UnsafeMutablePointer<UnsafeMutablePointer<T>?>? {
        guard count > 0 else { return nil }
        guard let raw = allocate(byteCount: MemoryLayout<UnsafeMutablePointer<T>?>.stride * count) else {
            fatalError("Arena: limit reached while building an outgoing message")
        }
        let typed = raw.bindMemory(to: UnsafeMutablePointer<T>?.self, capacity: count)
        for i in 0..<count { (typed + i).initialize(to: make(i)) }
        return typed
    }

    /// The protobuf-c allocator view of this arena; valid while the arena lives.
    package var allocator: ProtobufCAllocator {
        ProtobufCAllocator(
            alloc: { data, size in
                // Guaranteed (no retain and release per allocation): the arena outlives every
                // unpack that uses this allocator.
                Unmanaged<Arena>.fromOpaque(data!)._withUnsafeGuaranteedRef { $0.allocate(byteCount: size) }
            },
            free: { _, _ in },
            allocator_data: Unmanaged.passUnretained(self).toOpaque()
        )
    }
}
