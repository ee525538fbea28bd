// RecordOrder: the field order a loop last saw in raw records for one model version, confirmed per field.

/// Callers usually send their fields in the same order on every request. A loop remembers the
/// column each field position named in the last record it encoded for a model version, and
/// confirms a new record against it with one byte comparison per field; only when a name differs
/// is the record's order looked up again (`RecordEncoder`). One per loop; never shared.
///
/// The state sits behind a pointer held by a `let`, so the per-field reads and writes cost no
/// dynamic exclusivity check (a class's `var`s would).
final class RecordOrder {
    struct State {
        /// The model version the order was learned for (`ServedModel.serial`; 0: none). A
        /// serial, not a reference, so a loop's memory of a retired version does not keep it alive.
        var serial: UInt64 = 0
        /// The model's column count when the order was learned.
        var width = 0
        /// Whether `columns[0 ..< width]` holds a learned order.
        var isKnown = false
        /// Column index of each field position.
        var columns = UnsafeMutableBufferPointer<Int32>(start: nil, count: 0)
        /// Scratch for finding a repeated field while learning.
        var seen = UnsafeMutableBufferPointer<Bool>(start: nil, count: 0)
    }

    let state: UnsafeMutablePointer<State>

    init() {
        state = .allocate(capacity: 1)
        state.initialize(to: State())
    }

    deinit {
        state.pointee.columns.deallocate()
        state.pointee.seen.deallocate()
        state.deallocate()
    }

    /// Makes the state fit model version `serial` of `width` columns: unchanged when it already
    /// does; otherwise forgotten, with room for `width` (grows, never shrinks).
    @inline(__always)
    func fit(serial: UInt64, width: Int) {
        if state.pointee.serial == serial && state.pointee.width == width { return }
        if state.pointee.columns.count < width {
            state.pointee.columns.deallocate()
            state.pointee.seen.deallocate()
            state.pointee.columns = .allocate(capacity: width)
            state.pointee.seen = .allocate(capacity: width)
        }
        state.pointee.serial = serial
        state.pointee.width = width
        state.pointee.isKnown = false
    }
}

@available(*, unavailable)
extension RecordOrder: Sendable {}
