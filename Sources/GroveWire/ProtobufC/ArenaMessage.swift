// ArenaMessage: a message protobuf-c decoded into an arena, read only while the arena holds it (checked in debug builds).

/// The pointer to a message unpacked into an `Arena`, valid until the arena is reset. Debug
/// builds enforce the rule: reading `pointer` after the reset stops the process (instead of
/// reading freed memory); release builds read the pointer as is.
struct ArenaMessage<T> {
    private let message: UnsafeMutablePointer<T>
    #if DEBUG
    private let arena: Arena
    private let generation: UInt64
    #endif

    init(_ message: UnsafeMutablePointer<T>, in arena: Arena) {
        self.message = message
        #if DEBUG
        self.arena = arena
        generation = arena.generation
        #endif
    }

    var pointer: UnsafeMutablePointer<T> {
        #if DEBUG
        precondition(arena.generation == generation, "\(T.self) read after its arena was reset")
        #endif
        return message
    }
}
