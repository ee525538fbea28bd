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
/// s) is at most the answer for every v in slot s; and a cut of a higher slot is above v, so
/// `lowerBound[s + 1]` (the cut count for the last slot) is at least the answer. The search
/// starts at the lower bound and takes two steps up without a branch while the cut is below v;
/// cuts spread about evenly (about four slots per cut) leave a value 0 or 1 to pass. When
/// more are left (cuts crowded into few slots, e.g. exact splits of skewed data: thousands in
/// one slot), it bisects the rest of the slot, so a value costs at most about log2 of the
/// cut count, never a scan of the slot. Each feature's cuts end with a +infinity sentinel,
/// which no value passes.
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
        /// The number of cuts (the sentinel's index).
        var cutCount: Int
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
                                  lastSlot: Double(slots - 1), lastSlotIndex: slots - 1, cutCount: c.count)
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
        firstCutAtOrAbove(v, feature: f, probe: {})
    }

    /// The same, calling `probe` once per cut it reads (tests count the reads; the empty
    /// closure of the binner's calls inlines to nothing).
    @inline(__always)
    func firstCutAtOrAbove(_ v: Double, feature f: Int, probe: () -> Void) -> Int {
        let feature = features[f]
        let c = UnsafePointer(cuts + feature.cutStart)
        @inline(__always) func below(_ i: Int) -> Bool {
            probe()
            return c[i] < v
        }
        let s = Self.slot(v, feature)
        var b = Int(truncatingIfNeeded: lowerBound[feature.slotStart &+ s])
        b &+= below(b) ? 1 : 0
        b &+= below(b) ? 1 : 0
        if below(b) {
            // The answer is above b and at most the first cut of a higher slot: bisect.
            var lo = b &+ 1
            var hi = s < feature.lastSlotIndex
                ? Int(truncatingIfNeeded: lowerBound[feature.slotStart &+ s &+ 1]) : feature.cutCount
            while lo < hi {
                let mid = (lo &+ hi) >> 1
                if below(mid) { lo = mid &+ 1 } else { hi = mid }
            }
            b = lo
        }
        return b
    }
}
