// Forest+Cover: node cover counted by running representative rows through the trees.

extension Forest {
    /// Largest number of rows `withCover(counting:)` reads.
    public static let maxCoverRows = 10_000_000

    /// A copy whose trees' `cover` is, for each node, how many of `rows` reach it (the
    /// walk of `Tree.leaf(for:)`: the same comparisons and missing-value directions as
    /// prediction). TreeSHAP needs this "training cover"; for an imported model the rows
    /// stand in for the training data, so they should be representative of it.
    /// Requires a validated forest; throws when `rows` is empty, above `maxCoverRows`,
    /// or narrower than `numFeatures`.
    public func withCover(counting rows: FeatureMatrix) throws -> Forest {
        guard rows.featureCount >= numFeatures else {
            throw InferenceError.rowTooShort(needed: numFeatures, got: rows.featureCount)
        }
        guard rows.rowCount > 0, rows.rowCount <= Forest.maxCoverRows else {
            throw InferenceError.badRowCount(rows: rows.rowCount, values: rows.values.count, featureCount: rows.featureCount)
        }
        var out = self
        let f = rows.featureCount
        rows.values.withUnsafeBufferPointer { values in
            for ti in out.trees.indices {
                let t = out.trees[ti]
                var cover = [Double](repeating: 0, count: t.nodeCount)
                for r in 0..<rows.rowCount {
                    let row = UnsafeBufferPointer(rebasing: values[(r * f)..<((r + 1) * f)])
                    var i = 0
                    cover[0] += 1
                    while !t.isLeaf(i) {
                        i = t.child(of: i, for: row[Int(t.feature[i])])
                        cover[i] += 1
                    }
                }
                out.trees[ti].cover = cover
            }
        }
        return out
    }
}
