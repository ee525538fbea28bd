// BootstrapSampler: a tree's bootstrap sample as per-row counts, and the per-row weights
// the histogram builder adds (LightGBM's bagging, in one place).

/// Draws the bootstrap sample of one tree and keeps, per row, the forms of its weight that
/// the histogram builder and the split scanner read. Owns its buffers (one per worker).
final class BootstrapSampler {
    let rowCount: Int
    /// Times each row was drawn (0: out of bag), capped at 255.
    let counts: UnsafeMutablePointer<UInt8>
    /// Per in-bag row (classification): class << 8 | count.
    let info: UnsafeMutablePointer<UInt32>
    /// Per in-bag row (two classes): count in the low 32 bits, count again in the high 32
    /// bits when the row is class 1 (one 64-bit add per sample and feature).
    let packed: UnsafeMutablePointer<UInt64>

    init(rowCount: Int) {
        self.rowCount = rowCount
        counts = .allocate(capacity: max(rowCount, 1))
        info = .allocate(capacity: max(rowCount, 1))
        packed = .allocate(capacity: max(rowCount, 1))
    }

    deinit {
        counts.deallocate()
        info.deallocate()
        packed.deallocate()
    }

    /// Draws `rowCount` rows with replacement (or takes every row once without bootstrap).
    func draw(bootstrap: Bool, rng: inout RandomGenerator) {
        let n = rowCount
        if bootstrap {
            counts.initialize(repeating: 0, count: n)
            for _ in 0..<n {
                let r = rng.below(n)
                if counts[r] < 255 { counts[r] += 1 }
            }
        } else {
            counts.initialize(repeating: 1, count: n)
        }
    }

    /// Sets `info` (classification) and `packed` (two classes) for the in-bag rows (and, with
    /// count 0, for the others, which nothing reads: a branch on the count would be
    /// mispredicted for about a third of the rows).
    func prepareWeights(labels: [Int32], classification: Bool, binary: Bool) {
        guard classification else { return }
        let counts = self.counts, info = self.info, packed = self.packed
        labels.withUnsafeBufferPointer { labels in
            if binary {
                for r in 0..<rowCount {
                    let c = UInt64(counts[r])
                    info[r] = UInt32(truncatingIfNeeded: labels[r]) &<< 8 | UInt32(truncatingIfNeeded: c)
                    packed[r] = c | (c &<< 32) & (0 &- UInt64(labels[r] == 1 ? 1 : 0))
                }
            } else {
                for r in 0..<rowCount {
                    info[r] = UInt32(truncatingIfNeeded: labels[r]) &<< 8 | UInt32(counts[r])
                }
            }
        }
    }
}
