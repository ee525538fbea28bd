// Per-thread working memory of `ForestExplainer` (allocated once, reused per row).

/// Working memory for explaining rows with one `ForestExplainer` (or any explainer no
/// larger than it: `fits(_:)`). One per thread: not thread-safe. Explaining a row with
/// it allocates nothing.
public final class ExplainScratch {
    /// Frames (tree depth + 1) and quadrature points per frame this scratch holds.
    let frameCapacity: Int
    let pointStride: Int
    let featureCapacity: Int
    /// Per frame and quadrature point: the path product H (quadrature weight included),
    /// the subtree sum G, and 1 / h for the frame's own feature factor h.
    let h: UnsafeMutablePointer<Double>
    let g: UnsafeMutablePointer<Double>
    let inverse: UnsafeMutablePointer<Double>
    /// Per frame: node, feature of the edge into it, the frame of that feature's previous
    /// occurrence on the path (-1 if none), the feature's combined zero fraction z and
    /// one fraction o, traversal state, the side the row takes, and whether the frame
    /// lies on the row's own path.
    let node: UnsafeMutablePointer<Int>
    let feature: UnsafeMutablePointer<Int>
    let previous: UnsafeMutablePointer<Int>
    let zero: UnsafeMutablePointer<Double>
    let one: UnsafeMutablePointer<Double>
    let state: UnsafeMutablePointer<UInt8>
    let goesLeft: UnsafeMutablePointer<Bool>
    let onPath: UnsafeMutablePointer<Bool>
    /// Per feature: the frame of its deepest occurrence on the current path, or -1.
    let lastFrame: UnsafeMutablePointer<Int>

    /// Scratch sized for `explainer`.
    public convenience init(for explainer: ForestExplainer) {
        self.init(frames: explainer.maxDepth + 1, points: explainer.maxPoints, features: explainer.numFeatures)
    }

    init(frames: Int, points: Int, features: Int) {
        frameCapacity = frames
        pointStride = points
        featureCapacity = features
        h = .allocate(capacity: frames * points)
        g = .allocate(capacity: frames * points)
        inverse = .allocate(capacity: frames * points)
        node = .allocate(capacity: frames)
        feature = .allocate(capacity: frames)
        previous = .allocate(capacity: frames)
        zero = .allocate(capacity: frames)
        one = .allocate(capacity: frames)
        state = .allocate(capacity: frames)
        goesLeft = .allocate(capacity: frames)
        onPath = .allocate(capacity: frames)
        lastFrame = .allocate(capacity: max(features, 1))
        lastFrame.initialize(repeating: -1, count: max(features, 1))
    }

    deinit {
        h.deallocate(); g.deallocate(); inverse.deallocate()
        node.deallocate(); feature.deallocate(); previous.deallocate(); zero.deallocate(); one.deallocate()
        state.deallocate(); goesLeft.deallocate(); onPath.deallocate(); lastFrame.deallocate()
    }

    /// Whether this scratch is large enough for `explainer`.
    public func fits(_ explainer: ForestExplainer) -> Bool {
        frameCapacity >= explainer.maxDepth + 1 && pointStride >= explainer.maxPoints
            && featureCapacity >= explainer.numFeatures
    }
}

@available(*, unavailable)
extension ExplainScratch: Sendable {}
