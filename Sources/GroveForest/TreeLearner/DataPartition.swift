// DataPartition: which samples (and out-of-bag rows) each node holds, as contiguous ranges
// of one index array split in place (LightGBM's data_partition).

import CGroveForest

/// The in-bag samples of a tree in `indices`, the out-of-bag rows in `outOfBag`; a node owns
/// a range of each. Splitting a node moves the samples going left to the front of its range,
/// keeping each side in ascending row order (so later passes read the codes in address order).
final class DataPartition<Code: FixedWidthInteger & UnsignedInteger> {
    /// How many samples ahead a split prefetches the code it will read (little work per sample).
    static var rowsAhead: Int { 32 }
    private let bins: FeatureBins<Code>
    /// In-bag rows (each once, whatever its bootstrap count), ranges per node.
    let indices: UnsafeMutablePointer<UInt32>
    /// Out-of-bag rows, ranges per node.
    let outOfBag: UnsafeMutablePointer<UInt32>
    /// Per out-of-bag row: the offset of its leaf's values (set when its leaf is made).
    let outOfBagLeaf: UnsafeMutablePointer<UInt32>
    /// The out-of-bag rows in ascending order (`outOfBag` as `reset` left it; splits reorder that).
    let outOfBagAscending: UnsafeMutablePointer<UInt32>
    private let spill: UnsafeMutablePointer<UInt32>
    private(set) var inBagCount = 0
    private(set) var outOfBagCount = 0

    init(bins: FeatureBins<Code>) {
        self.bins = bins
        let n = max(bins.rowCount, 1)
        indices = .allocate(capacity: n)
        outOfBag = .allocate(capacity: n)
        outOfBagLeaf = .allocate(capacity: n)
        outOfBagAscending = .allocate(capacity: n)
        spill = .allocate(capacity: n)
    }

    deinit {
        indices.deallocate()
        outOfBag.deallocate()
        outOfBagLeaf.deallocate()
        outOfBagAscending.deallocate()
        spill.deallocate()
    }

    /// Starts a tree: the rows with a bootstrap count go in, ascending; with `trackOutOfBag`
    /// the others are listed as out of bag (in `outOfBag` and `outOfBagAscending`).
    /// Both lists are written without a branch per row (about a third of the rows are out of
    /// bag, at random): every row is stored at both ends and only its own list's end moves.
    func reset(counts: UnsafePointer<UInt8>, trackOutOfBag: Bool) {
        let indices = self.indices, outOfBag = self.outOfBag, ascending = outOfBagAscending
        var m = 0
        var mo = 0
        let n = bins.rowCount
        if trackOutOfBag {
            for r in 0..<n {
                let inBag = counts[r] != 0 ? 1 : 0
                indices[m] = UInt32(truncatingIfNeeded: r)
                outOfBag[mo] = UInt32(truncatingIfNeeded: r)
                ascending[mo] = UInt32(truncatingIfNeeded: r)
                m &+= inBag
                mo &+= 1 &- inBag
            }
        } else {
            for r in 0..<n {
                indices[m] = UInt32(truncatingIfNeeded: r)
                m &+= counts[r] != 0 ? 1 : 0
            }
        }
        inBagCount = m
        outOfBagCount = mo
    }

    /// Splits the samples `start..<end` on `feature`: bin <= `bin` to the front. Returns the split index.
    func split(start: Int, end: Int, feature: Int, bin: Int) -> Int {
        partition(indices, start: start, end: end, feature: feature, bin: bin)
    }

    /// Splits the out-of-bag rows `start..<end` the same way (on bin codes, which agree with
    /// the raw thresholds for training rows).
    func splitOutOfBag(start: Int, end: Int, feature: Int, bin: Int) -> Int {
        partition(outOfBag, start: start, end: end, feature: feature, bin: bin)
    }

    private func partition(_ idx: UnsafeMutablePointer<UInt32>, start: Int, end: Int, feature f: Int, bin b1: Int) -> Int {
        let p = bins.featureCount
        let limit = Code(truncatingIfNeeded: b1)
        let spill = self.spill
        return bins.codes.withUnsafeBufferPointer { codesBuf -> Int in
            let column = codesBuf.baseAddress! + f
            var w = start
            var t = 0
            @inline(__always) func move(_ i: Int) {
                let r = idx[i]
                let goesLeft = column[Int(r) &* p] <= limit ? 1 : 0
                idx[w] = r
                spill[t] = r
                w &+= goesLeft
                t &+= 1 &- goesLeft
            }
            // Samples ahead are not yet moved (w <= i).
            PrefetchingLoop.run(start, end, ahead: Self.rowsAhead,
                                prefetch: { grove_prefetch(column + Int(idx[$0]) &* p) }, body: move)
            (idx + w).update(from: spill, count: t)
            return w
        }
    }
}
