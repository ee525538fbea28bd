// HistogramBuilder: per-bin weight sums of a node's candidate features: packed two-class
// counts, dense class or target sums, or the samples sorted by bin (LightGBM's feature_histogram).

import CGroveForest

/// Builds the statistics the split scanner reads for a batch of candidate features of one
/// node. Owns the histogram memory (grown on demand), the batch layout and the sort buffers.
///
/// Layouts: a dense feature `q` of the batch starts at `offset(q)`; per bin it holds one
/// packed `UInt64` (two classes), or `s` doubles (class weights; or weight and weighted
/// target sum for regression). A sorted feature yields `groups` non-empty bins in ascending
/// order, `groupBins` naming each and `groupStats` holding `s` doubles each.
final class HistogramBuilder<Code: FixedWidthInteger & UnsignedInteger> {
    private let bins: FeatureBins<Code>
    private let sampler: BootstrapSampler
    private let partition: DataPartition<Code>
    private let labels: [Int32]
    private let targets: [Double]
    private let isRegression: Bool
    /// Doubles per bin: classes, or 2 (weight, weighted target sum) for regression.
    private let s: Int

    private var hist: UnsafeMutablePointer<Double>
    private var histCapacity: Int
    private let batchFeatures: UnsafeMutablePointer<Int>
    private let batchOffsets: UnsafeMutablePointer<Int>
    private let keys: UnsafeMutablePointer<UInt64>
    let groupBins: UnsafeMutablePointer<Int32>
    let groupStats: UnsafeMutablePointer<Double>
    /// One feature's two-class packed counts for the marked-bins path (all zero between uses).
    private let markedCounts: UnsafeMutablePointer<UInt64>
    /// The non-empty bins of `markedCounts`, one bit each.
    let markedBits: UnsafeMutablePointer<UInt64>
    let markedWords: Int
    /// Two-class packed counts of a marked batch, `markedStride` bins per feature (all zero
    /// between uses), and their non-empty bins, `markedWords` words per feature.
    private let batchCounts: UnsafeMutablePointer<UInt64>
    private let batchBits: UnsafeMutablePointer<UInt64>
    let markedStride: Int

    /// Features in the current dense batch, and the histogram words they need.
    private(set) var batchCount = 0
    private(set) var batchSize = 0

    init(bins: FeatureBins<Code>, sampler: BootstrapSampler, partition: DataPartition<Code>, labels: [Int32],
         targets: [Double], statsWidth s: Int, isRegression: Bool, mtry: Int) {
        self.bins = bins
        self.sampler = sampler
        self.partition = partition
        self.labels = labels
        self.targets = targets
        self.s = s
        self.isRegression = isRegression
        let p = bins.featureCount
        let maxBins = bins.maxBinCount
        batchFeatures = .allocate(capacity: max(p, 1))
        batchOffsets = .allocate(capacity: max(p, 1))
        keys = .allocate(capacity: max(bins.rowCount, 1))
        groupBins = .allocate(capacity: maxBins + 1)
        groupStats = .allocate(capacity: (maxBins + 1) * s)
        markedCounts = .allocate(capacity: maxBins)
        markedCounts.initialize(repeating: 0, count: maxBins)
        markedWords = (maxBins + 63) / 64
        markedBits = .allocate(capacity: markedWords)
        histCapacity = max(1, 2 * min(p, mtry) * maxBins * s)
        hist = .allocate(capacity: histCapacity)
        let batchMax = max(1, min(p, mtry))
        markedStride = maxBins
        batchCounts = .allocate(capacity: batchMax * maxBins)
        batchCounts.initialize(repeating: 0, count: batchMax * maxBins)
        batchBits = .allocate(capacity: batchMax * markedWords)
        batchBits.initialize(repeating: 0, count: batchMax * markedWords)
    }

    deinit {
        hist.deallocate()
        batchFeatures.deallocate()
        batchOffsets.deallocate()
        keys.deallocate()
        groupBins.deallocate()
        groupStats.deallocate()
        markedCounts.deallocate()
        markedBits.deallocate()
        batchCounts.deallocate()
        batchBits.deallocate()
    }

    // MARK: - Prefetching

    /// How many samples ahead the passes over a node's samples prefetch (a node's rows are
    /// scattered through the codes; ~100 ns per miss against ~10 ns of work per sample).
    static var rowsAhead: Int { 16 }

    /// Prefetches the codes of `row` (its first and last byte: a row may straddle two cache
    /// lines) and its entry of the per-row array `weights`.
    @inline(__always)
    static func prefetchRow<T>(_ codes: UnsafePointer<Code>, _ row: Int, _ p: Int, _ weights: UnsafePointer<T>) {
        let start = codes + row &* p
        grove_prefetch(start)
        grove_prefetch(start + (p &- 1))
        grove_prefetch(weights + row)
    }

    /// Calls `body` with each sample position start..<end in order, prefetching the row
    /// `rowsAhead` samples ahead (`prefetchRow`) while there is one (`PrefetchingLoop`).
    @inline(__always)
    static func forEachSample<T>(_ start: Int, _ end: Int, _ idx: UnsafeMutablePointer<UInt32>,
                                 _ codes: UnsafePointer<Code>, _ p: Int, _ weights: UnsafePointer<T>,
                                 _ body: (Int) -> Void) {
        PrefetchingLoop.run(start, end, ahead: rowsAhead,
                            prefetch: { prefetchRow(codes, Int(idx[$0]), p, weights) }, body: body)
    }

    // MARK: - The dense batch

    /// Starts an empty batch of dense features.
    func beginBatch() {
        batchCount = 0
        batchSize = 0
    }

    /// Adds feature `f` (with `binCount` bins of `width` words each) to the batch.
    @inline(__always)
    func addToBatch(feature f: Int, binCount: Int, width: Int) {
        batchFeatures[batchCount] = f
        batchOffsets[batchCount] = batchSize
        batchSize += binCount * width
        batchCount += 1
    }

    func feature(_ q: Int) -> Int { batchFeatures[q] }

    func offset(_ q: Int) -> Int { batchOffsets[q] }

    /// Makes room for the batch (twice its size: the two-copy path needs it).
    func reserveBatch() {
        if 2 * batchSize > histCapacity {
            hist.deallocate()
            histCapacity = 2 * batchSize
            hist = .allocate(capacity: histCapacity)
        }
    }

    /// Two-class dense histograms as packed integer counts over samples start..<end: per
    /// bin, the low 32 bits hold the bootstrap weight and the high 32 bits the weight of
    /// class 1. With `twoCopies`, even and odd samples go to separate copies, summed at the
    /// end. The pointer is valid until the next build; `finishBinary` must follow.
    func buildBinary(start: Int, end: Int, twoCopies: Bool) -> UnsafeMutablePointer<UInt64> {
        let h = UnsafeMutableRawPointer(hist).bindMemory(to: UInt64.self, capacity: batchSize)
        let size = batchSize, count = batchCount
        let p = bins.featureCount
        let idx = partition.indices, packed = sampler.packed
        let batchOffsets = self.batchOffsets, batchFeatures = self.batchFeatures
        h.initialize(repeating: 0, count: twoCopies ? 2 * size : size)
        bins.codes.withUnsafeBufferPointer { codesBuf in
            let codes = codesBuf.baseAddress!
            if twoCopies {
                // Even and odd samples into separate copies: fewer store-to-load chains
                // when neighbouring samples share a bin.
                let h2 = h + size
                @inline(__always) func addPair(_ pos: Int) {
                    let r0 = Int(idx[pos]), r1 = Int(idx[pos &+ 1])
                    let inc0 = packed[r0], inc1 = packed[r1]
                    let row0 = codes + r0 &* p, row1 = codes + r1 &* p
                    for q in 0..<count {
                        let o = batchOffsets[q], f = batchFeatures[q]
                        h[o &+ Int(row0[f])] &+= inc0
                        h2[o &+ Int(row1[f])] &+= inc1
                    }
                }
                // Pairs with both prefetch targets inside the node, then the rest.
                let ahead = Self.rowsAhead
                var pos = start
                while pos &+ ahead &+ 1 < end {
                    Self.prefetchRow(codes, Int(idx[pos &+ ahead]), p, packed)
                    Self.prefetchRow(codes, Int(idx[pos &+ ahead &+ 1]), p, packed)
                    addPair(pos)
                    pos &+= 2
                }
                while pos &+ 1 < end {
                    addPair(pos)
                    pos &+= 2
                }
                if pos < end {
                    let r = Int(idx[pos])
                    let row = codes + r &* p
                    for q in 0..<count { h[batchOffsets[q] &+ Int(row[batchFeatures[q]])] &+= packed[r] }
                }
                for i in 0..<size { h[i] &+= h2[i] }
            } else {
                @inline(__always) func add(_ pos: Int) {
                    let r = Int(idx[pos])
                    let inc = packed[r]
                    let row = codes + r &* p
                    for q in 0..<count {
                        h[batchOffsets[q] &+ Int(row[batchFeatures[q]])] &+= inc
                    }
                }
                Self.forEachSample(start, end, idx, codes, p, packed, add)
            }
        }
        return h
    }

    /// Ends the use of `buildBinary`'s pointer (the memory is doubles again).
    func finishBinary() {
        UnsafeMutableRawPointer(hist).bindMemory(to: Double.self, capacity: batchSize)
    }

    /// Dense histograms (class weights, or weight and weighted target) over samples start..<end.
    func buildDense(start: Int, end: Int) -> UnsafePointer<Double> {
        let hist = self.hist
        let size = batchSize, count = batchCount
        hist.initialize(repeating: 0, count: size)
        let p = bins.featureCount
        let s = self.s
        let idx = partition.indices, counts = sampler.counts, info = sampler.info
        let batchOffsets = self.batchOffsets, batchFeatures = self.batchFeatures
        bins.codes.withUnsafeBufferPointer { codesBuf in
            let codes = codesBuf.baseAddress!
            if isRegression {
                targets.withUnsafeBufferPointer { ys in
                    Self.forEachSample(start, end, idx, codes, p, ys.baseAddress!) { pos in
                        let r = Int(idx[pos])
                        let w = Double(counts[r])
                        let wy = w * ys[r]
                        let row = codes + r &* p
                        for q in 0..<count {
                            let h = batchOffsets[q] &+ Int(row[batchFeatures[q]]) &* 2
                            hist[h] += w
                            hist[h &+ 1] += wy
                        }
                    }
                }
            } else {
                Self.forEachSample(start, end, idx, codes, p, info) { pos in
                    let r = Int(idx[pos])
                    let inf = info[r]
                    let w = Double(inf & 0xFF)
                    let c = Int(inf >> 8)
                    let row = codes + r &* p
                    for q in 0..<count {
                        hist[batchOffsets[q] &+ Int(row[batchFeatures[q]]) &* s &+ c] += w
                    }
                }
            }
        }
        return UnsafePointer(hist)
    }

    // MARK: - Marked batch

    /// `buildBinary`'s packed counts of the batch over samples start..<end, each feature's
    /// at `q * markedStride`, with every bin a sample reaches marked in its `markedWords`
    /// words of the returned bits (bootstrap weights of in-bag samples are at least 1, so
    /// marked means non-empty): no pass over all bins to zero or to find the non-empty ones,
    /// for nodes with fewer samples than bins. `clearMarkedBatch` must follow.
    func buildMarkedBatch(start: Int, end: Int) -> (counts: UnsafePointer<UInt64>, bits: UnsafePointer<UInt64>) {
        let count = batchCount
        let p = bins.featureCount
        let idx = partition.indices, packed = sampler.packed
        let batchFeatures = self.batchFeatures
        let h = batchCounts, bits = batchBits
        let stride = markedStride, words = markedWords
        bins.codes.withUnsafeBufferPointer { codesBuf in
            let codes = codesBuf.baseAddress!
            @inline(__always) func add(_ pos: Int) {
                let r = Int(idx[pos])
                let inc = packed[r]
                let row = codes + r &* p
                for q in 0..<count {
                    let bin = Int(row[batchFeatures[q]])
                    h[q &* stride &+ bin] &+= inc
                    bits[q &* words &+ bin &>> 6] |= 1 &<< UInt64(bin & 63)
                }
            }
            Self.forEachSample(start, end, idx, codes, p, packed, add)
        }
        return (UnsafePointer(h), UnsafePointer(bits))
    }

    /// Zeroes the counts and bits `buildMarkedBatch` set.
    func clearMarkedBatch() {
        for q in 0..<batchCount {
            let h = batchCounts + q &* markedStride
            for w in 0..<markedWords {
                let b = batchBits + (q &* markedWords &+ w)
                var word = b.pointee
                while word != 0 {
                    h[w &<< 6 | word.trailingZeroBitCount] = 0
                    word &= word &- 1
                }
                b.pointee = 0
            }
        }
    }

    // MARK: - Marked bins

    /// Two-class packed counts (as `buildBinary`) of `feature` over samples start..<end,
    /// with every non-empty bin marked in `markedBits`: the groups `sortedGroups` would
    /// find, in ascending order, without sorting (for nodes too small for a dense pass).
    /// The pointer is valid until `clearMarked`, which must follow.
    func buildMarkedBinary(start: Int, end: Int, feature f: Int) -> UnsafePointer<UInt64> {
        let p = bins.featureCount
        let idx = partition.indices, packed = sampler.packed
        let h = markedCounts, bits = markedBits
        bits.initialize(repeating: 0, count: markedWords)
        bins.codes.withUnsafeBufferPointer { codesBuf in
            let codes = codesBuf.baseAddress!
            // Only feature f's code of each row ahead (one byte), not its whole row.
            PrefetchingLoop.run(start, end, ahead: Self.rowsAhead, prefetch: { pos in
                let ahead = Int(idx[pos])
                grove_prefetch(codes + (ahead &* p &+ f))
                grove_prefetch(packed + ahead)
            }) { pos in
                let r = Int(idx[pos])
                let bin = Int(codes[r &* p &+ f])
                h[bin] &+= packed[r]
                bits[bin &>> 6] |= 1 &<< UInt64(bin & 63)
            }
        }
        return UnsafePointer(h)
    }

    /// Zeroes the counts `buildMarkedBinary` set.
    func clearMarked() {
        for w in 0..<markedWords {
            var word = markedBits[w]
            while word != 0 {
                markedCounts[w &<< 6 | word.trailingZeroBitCount] = 0
                word &= word &- 1
            }
        }
    }

    // MARK: - Sorted groups

    /// Sorts the samples start..<end by bin of `feature` and sums their statistics per
    /// non-empty bin into `groupBins`/`groupStats`; returns the number of groups.
    func sortedGroups(start: Int, end: Int, feature f: Int) -> Int {
        let size = end - start
        let p = bins.featureCount
        let s = self.s
        let idx = partition.indices, counts = sampler.counts, keys = self.keys
        let groupBins = self.groupBins, groupStats = self.groupStats
        bins.codes.withUnsafeBufferPointer { codesBuf in
            let codes = codesBuf.baseAddress!
            for i in 0..<size {
                let r = Int(idx[start + i])
                keys[i] = UInt64(codes[r &* p &+ f]) << 32 | UInt64(r)
            }
        }
        if size <= 64 {
            for i in 1..<max(size, 1) {
                let key = keys[i]
                var j = i
                while j > 0 && keys[j - 1] > key {
                    keys[j] = keys[j - 1]
                    j -= 1
                }
                keys[j] = key
            }
        } else {
            var sortable = UnsafeMutableBufferPointer(start: keys, count: size)
            sortable.sort()
        }
        var g = -1
        var lastBin: UInt64 = .max
        for i in 0..<size {
            let key = keys[i]
            let bin = key >> 32
            if bin != lastBin {
                g += 1
                lastBin = bin
                groupBins[g] = Int32(truncatingIfNeeded: bin)
                for c in 0..<s { groupStats[g * s + c] = 0 }
            }
            let r = Int(key & 0xFFFF_FFFF)
            let w = Double(counts[r])
            if isRegression {
                groupStats[g * 2] += w
                groupStats[g * 2 + 1] += w * targets[r]
            } else {
                groupStats[g * s + Int(labels[r])] += w
            }
        }
        return g + 1
    }
}
