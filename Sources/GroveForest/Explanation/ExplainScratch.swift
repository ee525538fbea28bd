// Per-thread working memory of `ForestExplainer` (allocated once, reused per row).

import CGroveExplain

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
    /// The C kernel's working memory (`ExplainKernel`): frames of `kernelBlocks` blocks of
    /// 8 points, 64-byte aligned; slot 0 is the frame of features new on the path.
    let kernel: UnsafeMutablePointer<GroveExplainScratch>
    let kernelBlocks: Int
    /// The same for the second half of a row's trees (`ForestExplainer.splitTree`) run on this
    /// thread, and lent to `helper`'s thread to run it while this one runs the first half (two,
    /// since the helper may still hold the lent one after its caller gave up waiting for it).
    let kernelSecond: UnsafeMutablePointer<GroveExplainScratch>
    let kernelLent: UnsafeMutablePointer<GroveExplainScratch>
    /// A thread that may explain the second half of each row (nil: this thread explains all).
    /// It only changes which core runs what: the answers have the same bits.
    public var helper: ExplainHelper?

    /// Scratch sized for `explainer`.
    public convenience init(for explainer: ForestExplainer) {
        self.init(frames: explainer.maxDepth + 1, vectors: explainer.maxPoints / 2, features: explainer.numFeatures,
                  nodes: explainer.maxTreeNodes)
    }

    /// Doubles in one block of the kernel's quadrature points.
    static let block = Int(GROVE_EXPLAIN_BLOCK)

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

        let blocks = max(1, (2 * vectors + ExplainScratch.block - 1) / ExplainScratch.block)
        kernelBlocks = blocks
        // GroveExplainScratch: slots 0 ... frames, each 4 x blocks x 8 doubles, then its
        // GroveExplainSlot (one 64-byte line); slot 0 has one fraction 1 and alpha 0.
        let slots = frames + 1
        let slotStride = 4 * blocks * ExplainScratch.block + 8
        func lanes(_ count: Int) -> UnsafeMutablePointer<Double> {
            let p = UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<Double>.stride, alignment: 64)
            return p.initializeMemory(as: Double.self, repeating: 0, count: count)
        }
        func kernelScratch() -> UnsafeMutablePointer<GroveExplainScratch> {
            let slotTable = lanes(slots * slotStride)
            let oneField = MemoryLayout<GroveExplainSlot>.offset(of: \GroveExplainSlot.one)!
            UnsafeMutableRawPointer(slotTable + 4 * blocks * ExplainScratch.block).storeBytes(of: 1, toByteOffset: oneField, as: UInt32.self)
            let made = UnsafeMutablePointer<GroveExplainScratch>.allocate(capacity: 1)
            made.initialize(to: GroveExplainScratch(
                slots: slotTable, phi: lanes(max(features, 1) * ExplainScratch.block),
                slotStride: UInt32(slotStride), maxBlocks: UInt32(blocks), row: lanes(max(features, 1))))
            return made
        }
        kernel = kernelScratch()
        kernelSecond = kernelScratch()
        kernelLent = kernelScratch()
    }

    deinit {
        // A helper may still be finishing a job abandoned on `kernelLent` (it reads the row's copy there).
        grove_explain_wait_abandoned()
        h.deallocate(); factor.deallocate(); r.deallocate(); inverse.deallocate()
        feature.deallocate(); previous.deallocate(); zero.deallocate(); one.deallocate(); pathSum.deallocate()
        decisions.deallocate()
        for k in [kernel, kernelSecond, kernelLent] {
            UnsafeMutableRawPointer(k.pointee.slots).deallocate()
            UnsafeMutableRawPointer(k.pointee.phi).deallocate()
            UnsafeMutableRawPointer(k.pointee.row).deallocate()
            k.deallocate()
        }
    }

    /// Whether this scratch is large enough for `explainer`.
    public func fits(_ explainer: ForestExplainer) -> Bool {
        frameCapacity >= explainer.maxDepth + 1 && vectorStride * 2 >= explainer.maxPoints
            && featureCapacity >= explainer.numFeatures && nodeCapacity >= explainer.maxTreeNodes
            && kernelBlocks * ExplainScratch.block >= explainer.maxPoints
    }
}

@available(*, unavailable)
extension ExplainScratch: Sendable {}
