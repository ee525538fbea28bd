// CutTable: every feature's bin for a value, found through a table of slots and a short scan.

/// Every feature's cuts (ascending, finite) and, for a non-NaN value v, the index of the first
/// cut at or above v (the number of cuts below v; the cut count when all are below): what a
/// bisection over the cuts finds (`FeatureBinner.encode`'s bin before the missing bin's
/// shift), without one.
///
/// How: a feature's range from its first to its last cut is split into equal slots,
/// slot(v) = (v - first) * scale truncated and clamped to 0..<slots. Each floating-point
/// step rounds monotonically, so slot(v) never decreases as v grows; hence a cut whose slot
/// is below v's slot is below v, and `lowerBound[s]` (the number of cuts whose slot is below
/// s) is at most the answer for every v in slot s. The search starts there and steps up
/// while the cut is below v; each feature's cuts end with a +infinity sentinel, which no
/// value passes. With about four slots per cut a value passes 0 or 1 cuts (two steps
/// without a branch, then a loop for the rest).
///
/// The buffers are owned (freed by `release`); the value is read by several threads at once.
struct CutTable: @unchecked Sendable {
    /// Per feature: where its cuts and slots start, its slot function, the last slot.
    struct Feature {
        var cutStart: Int
        var slotStart: Int
        var first: Double
        var scale: Double
        /// slots - 1, as a Double (the clamp) and as an Int.
        var lastSlot: Double
        var lastSlotIndex: Int
    }

    /// Slots per cut, and the most slots a feature gets.
    static let slotsPerCut = 4
    static let maxSlots = 1 << 14

    let features: UnsafeMutablePointer<Feature>
    let cuts: UnsafeMutablePointer<Double>
    let lowerBound: UnsafeMutablePointer<Int32>
    let featureCount: Int

    /// Tables for `cuts` (one ascending array of finite values per feature; fewer than
    /// 2^31 per feature).
    init(cuts all: [[Double]]) {
        let p = all.count
        featureCount = p
        features = .allocate(capacity: max(p, 1))
        var cutTotal = 0, slotTotal = 0
        var slotCounts: [Int] = []
        for c in all {
            cutTotal += c.count + 1
            let range = (c.last ?? 0) - (c.first ?? 0)
            let slots = c.count < 2 || !(range > 0) || !range.isFinite
                ? 1 : min(Self.maxSlots, c.count * Self.slotsPerCut)
            slotCounts.append(slots)
            slotTotal += slots
        }
        cuts = .allocate(capacity: max(cutTotal, 1))
        lowerBound = .allocate(capacity: max(slotTotal, 1))
        var cutAt = 0, slotAt = 0
        for f in 0..<p {
            let c = all[f]
            let slots = slotCounts[f]
            var scale = 0.0
            if slots > 1 {
                scale = Double(slots) / (c[c.count - 1] - c[0])
                if !(scale > 0) || !scale.isFinite { scale = 0 }
            }
            var feature = Feature(cutStart: cutAt, slotStart: slotAt, first: c.first ?? 0, scale: scale,
                                  lastSlot: Double(slots - 1), lastSlotIndex: slots - 1)
            if scale == 0 {
                // One slot: every value starts the scan at the first cut.
                feature.lastSlot = 0
                feature.lastSlotIndex = 0
            }
            features[f] = feature
            for (i, x) in c.enumerated() { cuts[cutAt + i] = x }
            cuts[cutAt + c.count] = .infinity
            // lowerBound[s] = cuts whose slot is below s: count the cuts per slot, then sum.
            let table = lowerBound + slotAt
            table.initialize(repeating: 0, count: slots)
            for x in c {
                let s = Self.slot(x, feature)
                if s + 1 < slots { table[s + 1] += 1 }
            }
            for s in stride(from: 1, to: slots, by: 1) { table[s] += table[s - 1] }
            cutAt += c.count + 1
            slotAt += slots
        }
    }

    func release() {
        features.deallocate()
        cuts.deallocate()
        lowerBound.deallocate()
    }

    /// The slot of v (any Double; NaN falls in slot 0, whose lower bound is 0).
    @inline(__always)
    static func slot(_ v: Double, _ feature: Feature) -> Int {
        let x = (v - feature.first) * feature.scale
        if x >= feature.lastSlot { return feature.lastSlotIndex }
        return x >= 0 ? Int(x) : 0
    }

    /// The index of feature f's first cut at or above v (v not NaN).
    @inline(__always)
    func firstCutAtOrAbove(_ v: Double, feature f: Int) -> Int {
        let feature = features[f]
        let c = UnsafePointer(cuts + feature.cutStart)
        var b = Int(truncatingIfNeeded: lowerBound[feature.slotStart &+ Self.slot(v, feature)])
        b &+= c[b] < v ? 1 : 0
        b &+= c[b] < v ? 1 : 0
        while c[b] < v { b &+= 1 }
        return b
    }
}
