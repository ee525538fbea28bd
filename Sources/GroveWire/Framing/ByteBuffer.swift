// ByteBuffer: a growable byte queue with a read index, for sockets' input and output.

/// A contiguous byte queue: bytes are appended at the end and consumed from
/// the front. Consumed space is reclaimed by compaction when the buffer would
/// otherwise grow, so a long-lived connection reuses one allocation.
///
/// A class, so that the memory it owns has exactly one owner and is freed
/// once. Not thread-safe: one owner (a connection on one loop) at a time.
public final class ByteBuffer {
    /// The storage and the two indices, behind a pointer held by a `let`: a class's stored `var`s
    /// cost a dynamic exclusivity check (a runtime call, about 75 instructions) on every access,
    /// and a request touches these about eight times (read, frame, consume, pack, write).
    @usableFromInline
    struct State {
        @usableFromInline var storage: UnsafeMutableRawBufferPointer
        @usableFromInline var readerIndex: Int
        @usableFromInline var writerIndex: Int
    }
    @usableFromInline let state: UnsafeMutablePointer<State>

    public var readerIndex: Int { state.pointee.readerIndex }
    public var writerIndex: Int { state.pointee.writerIndex }
    private var storage: UnsafeMutableRawBufferPointer {
        get { state.pointee.storage }
        set { state.pointee.storage = newValue }
    }

    /// Bytes allocated at the first write (an idle connection holds no buffer memory).
    private let initialCapacity: Int

    public init(capacity: Int = 16 * 1024) {
        initialCapacity = max(capacity, 64)
        state = .allocate(capacity: 1)
        state.initialize(to: State(storage: UnsafeMutableRawBufferPointer(start: nil, count: 0), readerIndex: 0, writerIndex: 0))
    }

    deinit {
        if storage.baseAddress != nil { storage.deallocate() }
        state.deinitialize(count: 1)
        state.deallocate()
    }

    /// Bytes appended and not yet consumed.
    @inlinable public var readableBytes: Int { state.pointee.writerIndex - state.pointee.readerIndex }
    public var isEmpty: Bool { state.pointee.readerIndex == state.pointee.writerIndex }
    public var capacity: Int { storage.count }

    /// The unconsumed bytes. Valid until the next mutation.
    public var readableView: UnsafeRawBufferPointer {
        storage.baseAddress == nil ? UnsafeRawBufferPointer(start: nil, count: 0)
                                   : UnsafeRawBufferPointer(rebasing: storage[readerIndex..<writerIndex])
    }

    /// Marks `count` bytes at the front as consumed.
    public func consume(_ count: Int) {
        precondition(count >= 0 && count <= readableBytes)
        let s = state
        s.pointee.readerIndex += count
        if s.pointee.readerIndex == s.pointee.writerIndex { s.pointee.readerIndex = 0; s.pointee.writerIndex = 0 }
    }

    /// Makes room for at least `minimum` more bytes at the end: first by
    /// moving unconsumed bytes to the front, then by doubling the storage.
    public func reserveWritable(_ minimum: Int) {
        if storage.count - writerIndex >= minimum { return }
        if storage.baseAddress == nil {
            var first = initialCapacity
            while first < minimum { first *= 2 }
            storage = .allocate(byteCount: first, alignment: 16)
            return
        }
        if readerIndex > 0 {
            let live = readableBytes
            if live > 0 {
                storage.baseAddress!.copyMemory(from: storage.baseAddress! + readerIndex, byteCount: live)
            }
            state.pointee.readerIndex = 0
            state.pointee.writerIndex = live
            if storage.count - writerIndex >= minimum { return }
        }
        var newCount = storage.count
        while newCount - writerIndex < minimum { newCount *= 2 }
        let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: newCount, alignment: 16)
        if writerIndex > 0 { bigger.baseAddress!.copyMemory(from: storage.baseAddress!, byteCount: writerIndex) }
        storage.deallocate()
        storage = bigger
    }

    /// Gives `body` the writable tail (at least `minimum` bytes) and commits
    /// the number of bytes it returns as written (a socket read, a pack).
    /// Typed throws, not `rethrows`: a `throws(E)` closure (the event loop's socket read) passed
    /// to a `rethrows` function goes through a conversion thunk that cost two heap allocations
    /// per call, i.e. per request when requests arrive one per read.
    public func writeWithUnsafeMutableBytes<E: Error>(minimum: Int, _ body: (UnsafeMutableRawBufferPointer) throws(E) -> Int) throws(E) -> Int {
        reserveWritable(minimum)
        let tail = UnsafeMutableRawBufferPointer(rebasing: storage[writerIndex...])
        let written = try body(tail)
        precondition(written >= 0 && written <= tail.count)
        state.pointee.writerIndex += written
        return written
    }

    /// Appends bytes.
    public func write(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        reserveWritable(bytes.count)
        (storage.baseAddress! + writerIndex).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
        state.pointee.writerIndex += bytes.count
    }

    public func write(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { self.write($0) }
    }

    /// Shrinks the storage back to `capacity` when it is empty and larger
    /// (after one big frame, a connection returns to its normal footprint).
    public func shrinkIfIdle(to capacity: Int) {
        guard isEmpty, storage.count > capacity * 4 else { return }
        storage.deallocate()
        storage = .allocate(byteCount: capacity, alignment: 16)
    }

    /// Frees the storage while empty (an idle connection); the next write allocates again.
    public func releaseIfEmpty() {
        guard isEmpty, storage.baseAddress != nil else { return }
        storage.deallocate()
        storage = UnsafeMutableRawBufferPointer(start: nil, count: 0)
    }
}
