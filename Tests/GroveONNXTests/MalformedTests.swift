// MalformedTests: broken ONNX files are refused with an error naming the problem, within the limits.

import Foundation
import GroveForest
@testable import GroveONNX
import Testing

@Suite struct MalformedTests {
    @Test(arguments: try Fixture.malformed().map(\.name))
    func refusedWithAReason(name: String) throws {
        let because = try #require(try Fixture.malformed().first { $0.name == name }?.because)
        let bytes = [UInt8](try Data(contentsOf: Fixture.directory.appendingPathComponent(name + ".onnx")))
        do {
            _ = try OnnxImporter.importModel(bytes, options: .init(name: "m"))
            Issue.record("\(name) was imported")
        } catch {
            #expect(error.description.contains(because), "\(name): \(error.description)")
        }
    }

    @Test func everyTruncationIsRefusedOrStillValid() throws {
        let bytes = try #require(try Fixture.all().first { $0.name == "xgboost_binary_nan" }).bytes
        var refused = 0
        for cut in stride(from: 0, to: bytes.count, by: 7) {
            do {
                _ = try OnnxImporter.importModel(Array(bytes.prefix(cut)), options: .init(name: "m"))
            } catch {
                refused += 1
            }
        }
        #expect(refused == (bytes.count + 6) / 7)
    }

    @Test func garbageIsNotAModel() {
        #expect(throws: OnnxImportError.notAModel) {
            _ = try OnnxImporter.importModel([0xff, 0xff, 0xff, 0xff, 0x0f, 0x01], options: .init(name: "m"))
        }
    }

    @Test func limitsAreEnforcedBeforeWork() throws {
        let bytes = try #require(try Fixture.all().first { $0.name == "sklearn_rf_binary" }).bytes
        var limits = OnnxLimits()
        limits.maxFileBytes = bytes.count - 1
        #expect(throws: OnnxImportError.tooLarge(what: "the ONNX file size (bytes)", value: bytes.count, limit: bytes.count - 1)) {
            _ = try OnnxImporter.importModel(bytes, options: .init(name: "m", limits: limits))
        }
        limits = OnnxLimits()
        limits.maxDecodedBytes = 64 << 10
        #expect { _ = try OnnxImporter.importModel(bytes, options: .init(name: "m", limits: limits)) } throws: { e in
            (e as? OnnxImportError)?.description.contains("decoded ONNX structures") == true
        }
        limits = OnnxLimits()
        limits.maxTreeNodes = 1000   // the forest has 1580 nodes
        #expect { _ = try OnnxImporter.importModel(bytes, options: .init(name: "m", limits: limits)) } throws: { e in
            (e as? OnnxImportError)?.description.contains("the number of tree nodes is 1580") == true
        }
        limits = OnnxLimits()
        limits.maxTreeDepth = 4   // the trees are 6 deep
        #expect { _ = try OnnxImporter.importModel(bytes, options: .init(name: "m", limits: limits)) } throws: { e in
            (e as? OnnxImportError)?.description.contains("the depth of tree") == true
        }
    }

    @Test func setTestsExpandWithinTheLimit() throws {
        let bytes = try #require(try Fixture.all().first { $0.name == "modes_gt_eq_neq" }).bytes
        var limits = OnnxLimits()
        limits.maxExpandedNodes = 8   // 7 nodes, of which EQ and NEQ become 2 nodes each and copy a leaf
        #expect { _ = try OnnxImporter.importModel(bytes, options: .init(name: "m", limits: limits)) } throws: { e in
            (e as? OnnxImportError)?.description.contains("after expanding EQ/NEQ/MEMBER") == true
        }
    }
}
