// Per-thread working memory of `ForestExplainer` (allocated once, reused per row).

/// Working memory for explaining rows with one `ForestExplainer` (or any explainer no
/// larger than it: `fits(_:)`). One per thread: not thread-safe. Explaining a row with
/// it allocates nothing.
public final class ExplainScratch {
    /// Frames (tree depth + 1) and quadrature vectors (pairs of points) per frame.
    let frameCapacity: Int
    let vectorStride: Int
    let featureCapacity: Int
    /// Per frame and pair of quadrature points: the path product H (quadrature weights
    /// included), the frame's own feature factor h, the subtree's relative sum R, and
    /// 1 / h of the feature's previous factor (frames whose feature repeats).
    let h: UnsafeMutablePointer<SIMD2<Double>>
    let factor: UnsafeMutablePointer<SIMD2<Double>>
    let r: UnsafeMutablePointer<SIMD2<Double>>
    let inverse: UnsafeMutablePointer<SIMD2<Double>>
    /// Per frame: node, feature of the edge into it, the frame of that feature's previous
    /// occurrence on the path (-1 if none), the feature's combined zero fraction z and one
    /// fraction o, traversal state, the side the row takes, whether the frame lies on the
    /// row's own path, and Σ H (for leaf children).
    let node: UnsafeMutablePointer<Int>
    let feature: UnsafeMutablePointer<Int>
    let previous: UnsafeMutablePointer<Int>
    let zero: UnsafeMutablePointer<Double>
    let one: UnsafeMutablePointer<Double>
    let state: UnsafeMutablePointer<UInt8>
    let goesLeft: UnsafeMutablePointer<Bool>
    let onPath: UnsafeMutablePointer<Bool>
    let pathSum: UnsafeMutablePointer<Double>
    /// Per feature: the frame of its deepest occurrence on the current path, or -1.
    let lastFrame: UnsafeMutablePointer<Int>

    /// Scratch sized for `explainer`.
    public convenience init(for explainer: ForestExplainer) {
        self.init(frames: explainer.maxDepth + 1, vectors: explainer.maxPoints / 2, features: explainer.numFeatures)
    }

    init(frames: Int, vectors: Int, features: Int) {
        frameCapacity = frames
        vectorStride = max(vectors, 1)
        featureCapacity = features
        let n = frames * vectorStride
        h = .allocate(capacity: n)
        factor = .allocate(capacity: n)
        r = .allocate(capacity: n)
        inverse = .allocate(capacity: n)
        node = .allocate(capacity: frames)
        feature = .allocate(capacity: frames)
        previous = .allocate(capacity: frames)
        zero = .allocate(capacity: frames)
        one = .allocate(capacity: frames)
        state = .allocate(capacity: frames)
        goesLeft = .allocate(capacity: frames)
        onPath = .allocate(capacity: frames)
        pathSum = .allocate(capacity: frames)
        lastFrame = .allocate(capacity: max(features, 1))
        lastFrame.initialize(repeating: -1, count: max(features, 1))
    }

    deinit {
        h.deallocate(); factor.deallocate(); r.deallocate(); inverse.deallocate()
        node.deallocate(); feature.deallocate(); previous.deallocate(); zero.deallocate(); one.deallocate()
        state.deallocate(); goesLeft.deallocate(); onPath.deallocate(); pathSum.deallocate(); lastFrame.deallocate()
    }

    /// Whether this scratch is large enough for `explainer`.
    public func fits(_ explainer: ForestExplainer) -> Bool {
        frameCapacity >= explainer.maxDepth + 1 && vectorStride * 2 >= explainer.maxPoints
            && featureCapacity >= explainer.numFeatures
    }
}

@available(*, unavailable)
extension ExplainScratch: Sendable {}
