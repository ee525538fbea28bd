// Per-thread working memory of `ForestExplainer` (allocated once, reused per row).

/// Working memory for explaining rows with one `ForestExplainer` (or any explainer no
/// larger than it: `fits(_:)`). One per thread: not thread-safe. Explaining a row with
/// it allocates nothing.
public final class ExplainScratch {
    /// Frames (tree depth + 1), quadrature vectors (pairs of points) per frame, features,
    /// and nodes of the largest tree.
    let frameCapacity: Int
    let vectorStride: Int
    let featureCapacity: Int
    let nodeCapacity: Int
    /// Per frame and pair of quadrature points: the path product H (quadrature weights
    /// included), the frame's own feature factor h, the subtree's relative sum R, and
    /// 1 / h of the feature's previous factor (frames whose feature repeats).
    let h: UnsafeMutablePointer<SIMD2<Double>>
    let factor: UnsafeMutablePointer<SIMD2<Double>>
    let r: UnsafeMutablePointer<SIMD2<Double>>
    let inverse: UnsafeMutablePointer<SIMD2<Double>>
    /// Per frame: the feature of the edge into it, the frame of that feature's previous
    /// occurrence on the path (-1 if none), the feature's combined zero fraction z and one
    /// fraction o, and Σ H (for leaf children).
    let feature: UnsafeMutablePointer<Int>
    let previous: UnsafeMutablePointer<Int>
    let zero: UnsafeMutablePointer<Double>
    let one: UnsafeMutablePointer<Double>
    let pathSum: UnsafeMutablePointer<Double>
    /// Per node of the tree being explained: `EdgeStep.leftBit` when the row goes left.
    let decisions: UnsafeMutablePointer<UInt8>

    /// Scratch sized for `explainer`.
    public convenience init(for explainer: ForestExplainer) {
        self.init(frames: explainer.maxDepth + 1, vectors: explainer.maxPoints / 2, features: explainer.numFeatures,
                  nodes: explainer.maxTreeNodes)
    }

    init(frames: Int, vectors: Int, features: Int, nodes: Int) {
        frameCapacity = frames
        vectorStride = max(vectors, 1)
        featureCapacity = features
        nodeCapacity = nodes
        let n = frames * vectorStride
        h = .allocate(capacity: n)
        factor = .allocate(capacity: n)
        r = .allocate(capacity: n)
        inverse = .allocate(capacity: n)
        feature = .allocate(capacity: frames)
        previous = .allocate(capacity: frames)
        zero = .allocate(capacity: frames)
        one = .allocate(capacity: frames)
        pathSum = .allocate(capacity: frames)
        decisions = .allocate(capacity: max(nodes, 1))
    }

    deinit {
        h.deallocate(); factor.deallocate(); r.deallocate(); inverse.deallocate()
        feature.deallocate(); previous.deallocate(); zero.deallocate(); one.deallocate(); pathSum.deallocate()
        decisions.deallocate()
    }

    /// Whether this scratch is large enough for `explainer`.
    public func fits(_ explainer: ForestExplainer) -> Bool {
        frameCapacity >= explainer.maxDepth + 1 && vectorStride * 2 >= explainer.maxPoints
            && featureCapacity >= explainer.numFeatures && nodeCapacity >= explainer.maxTreeNodes
    }
}

@available(*, unavailable)
extension ExplainScratch: Sendable {}
