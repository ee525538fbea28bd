// RecordOrder: the field order a loop last saw in raw records for one model version, confirmed per field.

/// Callers usually send their fields in the same order on every request. A loop remembers the
/// column each field position named in the last record it encoded for a model version, and
/// confirms a new record against it with one byte comparison per field; only when a name differs
/// is the record's order looked up again (`RecordEncoder`). One per loop; never shared.
final class RecordOrder {
    /// The model version the order was learned for (`ServedModel.serial`; 0: none). A serial,
    /// not a reference, so a retired version is not kept alive by a loop's memory of it.
    var serial: UInt64 = 0
    /// Whether `columns[0 ..< width]` holds a learned order.
    var isKnown = false
    /// The model's column count when the order was learned.
    private(set) var width = 0
    /// Column index of each field position.
    private(set) var columns = UnsafeMutableBufferPointer<Int32>(start: nil, count: 0)
    /// Scratch for finding a repeated field while learning.
    private(set) var seen = UnsafeMutableBufferPointer<Bool>(start: nil, count: 0)

    deinit {
        columns.deallocate()
        seen.deallocate()
    }

    /// Forgets the order and makes room for a model of `width` columns (grows, never shrinks).
    func reset(serial: UInt64, width: Int) {
        if columns.count < width {
            columns.deallocate()
            seen.deallocate()
            columns = .allocate(capacity: width)
            seen = .allocate(capacity: width)
        }
        self.serial = serial
        self.width = width
        isKnown = false
    }
}

@available(*, unavailable)
extension RecordOrder: Sendable {}
