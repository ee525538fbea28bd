// Forest.validate must refuse every structural defect a hostile model file could carry.

import Testing
@testable import GroveForest

@Suite struct ForestValidationTests {
    /// root: x0 <= 0.5 ? leaf 1 : node 2; node 2: x1 < 2 ? leaf 3 : leaf 4 (two outputs).
    func validForest() -> Forest {
        let tree = Tree(feature: [0, 0, 1, 0, 0], threshold: [0.5, 0, 2, 0, 0], left: [1, 0, 3, 0, 0],
                        right: [2, 0, 4, 0, 0], flags: [0, 0, TreeNodeFlags.strictLess.rawValue, 0, 0],
                        cover: [10, 4, 6, 3, 3], leafValues: [1, 0, 0.5, 0.5, 0, 1], leafOffset: [0, 0, 0, 2, 4])
        return Forest(numFeatures: 2, numOutputs: 2, trees: [tree])
    }

    func expectRefused(_ change: (inout Tree) -> Void, _ expected: ForestValidationError) {
        var f = validForest()
        change(&f.trees[0])
        #expect(throws: expected) { try f.validate() }
    }

    @Test func validForestPasses() throws {
        try validForest().validate()
        #expect(validForest().predictReference(row: [0.2, 9]) == [1, 0])
        #expect(validForest().predictReference(row: [0.7, 1.5]) == [0.5, 0.5])
        #expect(validForest().predictReference(row: [0.7, 2]) == [0, 1])  // strict: 2 < 2 is false
        #expect(validForest().predictReference(row: [.nan, 3]) == [1, 0])  // missing goes left
    }

    @Test func rejectsOutOfRangeChild() {
        expectRefused({ $0.right[2] = 9 }, .childOutOfRange(tree: 0, node: 2, child: 9, nodeCount: 5))
    }

    @Test func rejectsCycle() {
        expectRefused({ $0.left[2] = 1 }, .childNotAfterParent(tree: 0, node: 2, child: 1))
        expectRefused({ $0.left[2] = 2 }, .childNotAfterParent(tree: 0, node: 2, child: 2))
    }

    @Test func rejectsSharedAndUnreachableNodes() {
        expectRefused({ $0.left[2] = 4 }, .nodeReachedTwice(tree: 0, node: 4))
        expectRefused({ t in
            t.feature.append(0); t.threshold.append(0); t.left.append(0); t.right.append(0)
            t.flags.append(0); t.cover.append(0); t.leafOffset.append(0)
        }, .nodeUnreachable(tree: 0, node: 5))
        expectRefused({ $0.right[2] = 0 }, .halfLeaf(tree: 0, node: 2))
    }

    @Test func rejectsBadFeatureThresholdAndFlags() {
        expectRefused({ $0.feature[2] = 2 }, .featureOutOfRange(tree: 0, node: 2, feature: 2, numFeatures: 2))
        expectRefused({ $0.threshold[0] = .nan }, .nonFiniteThreshold(tree: 0, node: 0))
        expectRefused({ $0.threshold[2] = .infinity }, .nonFiniteThreshold(tree: 0, node: 2))
        expectRefused({ $0.flags[0] = 4 }, .unknownFlags(tree: 0, node: 0, flags: 4))
        expectRefused({ $0.cover[1] = -1 }, .badCover(tree: 0, node: 1))
    }

    @Test func rejectsWrongLeafSizes() {
        expectRefused({ $0.leafValues.removeLast() }, .leafOutOfRange(tree: 0, node: 4, offset: 4, leafValueCount: 5))
        expectRefused({ $0.leafValues.append(0) }, .leafValueCount(tree: 0, expected: 6, found: 7))
        expectRefused({ $0.leafValues[3] = .nan }, .nonFiniteLeafValue(tree: 0, index: 3))
        var f = validForest()
        f.numOutputs = 3
        #expect(throws: ForestValidationError.leafOutOfRange(tree: 0, node: 4, offset: 4, leafValueCount: 6)) {
            try f.validate()
        }
    }

    @Test func rejectsInconsistentArraysAndShapes() {
        expectRefused({ $0.left.removeLast() }, .arrayLength(tree: 0, array: "left", expected: 5, found: 4))
        expectRefused({ $0.flags = [0] }, .arrayLength(tree: 0, array: "flags", expected: 5, found: 1))
        expectRefused({ $0 = Tree() }, .emptyTree(tree: 0))
        var f = validForest()
        f.trees = []
        #expect(throws: ForestValidationError.noTrees) { try f.validate() }
        f = validForest()
        f.numFeatures = Forest.maxFeatures + 1
        #expect(throws: ForestValidationError.self) { try f.validate() }
        f = validForest()
        f.link = .softmax
        f.numOutputs = 1
        #expect(throws: ForestValidationError.badShape("softmax link needs at least 2 outputs")) { try f.validate() }
        f = validForest()
        f.featureImportance = [1]
        #expect(throws: ForestValidationError.self) { try f.validate() }
        #expect(throws: ForestValidationError.self) { _ = try CompiledForest(forest: Forest(numFeatures: 1, numOutputs: 1, trees: [])) }
    }

    @Test func emptyFlagsAndCoverAreAllowed() throws {
        var f = validForest()
        f.trees[0].flags = []
        f.trees[0].cover = []
        try f.validate()
    }
}
