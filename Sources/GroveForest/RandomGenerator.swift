// Small, fast, seedable PRNG (xoshiro256**) so training is reproducible on every platform.

/// A deterministic pseudo-random generator: xoshiro256** seeded through SplitMix64.
///
/// Contract: the same seed always yields the same sequence, on every platform and
/// thread; it never touches the system generator. Not cryptographic.
public struct RandomGenerator: RandomNumberGenerator, Sendable {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64

    /// Seeds the state with four SplitMix64 outputs of `seed`.
    public init(seed: UInt64) {
        var sm = seed
        s0 = RandomGenerator.splitMix(&sm)
        s1 = RandomGenerator.splitMix(&sm)
        s2 = RandomGenerator.splitMix(&sm)
        s3 = RandomGenerator.splitMix(&sm)
    }

    /// A generator for stream `stream` of `seed` (e.g. one per tree), independent of
    /// how many other streams exist or which thread uses it.
    public init(seed: UInt64, stream: UInt64) {
        var sm = seed ^ 0x6A09_E667_F3BC_C908
        let a = RandomGenerator.splitMix(&sm)
        var st = stream &* 0x9E37_79B9_7F4A_7C15 &+ a
        self.init(seed: RandomGenerator.splitMix(&st) ^ a)
    }

    /// One SplitMix64 step.
    @inline(__always)
    static func splitMix(_ state: inout UInt64) -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    @inline(__always)
    public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = (s3 << 45) | (s3 >> 19)
        return result
    }

    /// A value in 0..<bound (bound > 0), by multiply-shift (bias < bound / 2^64).
    @inline(__always)
    public mutating func below(_ bound: Int) -> Int {
        Int(truncatingIfNeeded: next().multipliedFullWidth(by: UInt64(bound)).high)
    }

    /// A uniform Double in [0, 1).
    @inline(__always)
    public mutating func unit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }
}
