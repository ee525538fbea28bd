// GeneratedCodeTests: the committed protoc-c output matches what `make proto` generates now.

import Foundation
import Testing

@Suite struct GeneratedCodeTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var protocCAvailable: Bool {
        ProcessInfo.processInfo.environment["PATH", default: "/usr/bin"].split(separator: ":").contains {
            FileManager.default.isExecutableFile(atPath: "\($0)/protoc-c")
        }
    }

    @Test func committedProtobufCCodeIsCurrent() throws {
        guard Self.protocCAvailable else {
            print("SKIP committedProtobufCCodeIsCurrent: protoc-c is not installed (apt-get install protobuf-c-compiler)")
            return
        }
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("grove-proto-\(getpid())")
        defer { try? FileManager.default.removeItem(at: out) }
        let p = Process()
        p.executableURL = Self.root.appendingPathComponent("scripts/gen-proto.sh")
        p.arguments = [out.path]
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        let committed = Self.root.appendingPathComponent("Sources/CGroveProto")
        var compared = 0
        for rel in ["include/grove/v1/grove.pb-c.h", "include/grove/v1/model.pb-c.h", "grove/v1/grove.pb-c.c", "grove/v1/model.pb-c.c",
                    "include/grove/v1/lazy.pb-c.h", "grove/v1/lazy.pb-c.c",
                    "include/onnx/onnx_subset.pb-c.h", "onnx/onnx_subset.pb-c.c"] {
            let fresh = try Data(contentsOf: out.appendingPathComponent(rel))
            let old = try Data(contentsOf: committed.appendingPathComponent(rel))
            #expect(fresh == old, "Sources/CGroveProto/\(rel) is stale: run `make proto` and commit the result")
            compared += 1
        }
        #expect(compared == 8)
    }
}
