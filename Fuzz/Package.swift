// swift-tools-version:5.3
// GroveFuzz: libFuzzer targets for every decoder Grove exposes to untrusted bytes.
// Build and run with `make fuzz` (scripts/fuzz.sh); crashes found are kept in
// Regressions/<target>/ and replayed by `make test` (Tests/GroveWireTests/FuzzRegressionTests).
// Tools version 5.3 on purpose: later versions rename an executable's entry point
// (for testable executables), which collides with libFuzzer's own main.
import Foundation
import PackageDescription

// A path dependency's identity is its directory's name, which differs between clones.
let grove = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent

let package = Package(
    name: "GroveFuzz",
    dependencies: [.package(name: grove, path: "..")],
    targets: [
        .target(name: "FuzzFrames", dependencies: [.product(name: "GroveFuzzChecks", package: grove)]),
        .target(name: "FuzzRequest", dependencies: [.product(name: "GroveFuzzChecks", package: grove)]),
        .target(name: "FuzzModelFile", dependencies: [.product(name: "GroveFuzzChecks", package: grove)]),
        .target(name: "FuzzCSV", dependencies: [.product(name: "GroveFuzzChecks", package: grove)]),
        .target(name: "FuzzKeyFile", dependencies: [.product(name: "GroveFuzzChecks", package: grove)]),
        .target(name: "FuzzAdminUpload", dependencies: [.product(name: "GroveFuzzChecks", package: grove)]),
        .target(name: "FuzzOnnx", dependencies: [.product(name: "GroveFuzzChecks", package: grove)]),
        .target(name: "FuzzRecordScanner", dependencies: [.product(name: "GroveFuzzChecks", package: grove)]),
        .target(name: "FuzzResponseEncoder", dependencies: [.product(name: "GroveFuzzChecks", package: grove)]),
        .target(name: "FuzzDenseRequest", dependencies: [.product(name: "GroveFuzzChecks", package: grove)]),
    ]
)
