// swift-tools-version:6.0
// Grove: a model-as-a-service server for tree ensembles.
// Targets are layered; each depends only on the layers below it:
//   CProtobufC, CGroveProto, CGroveSys   C: runtime, protoc-c output, Linux headers
//   GroveSystem                           the syscall seam: typed fds, EINTR retry, writeAll/fsync, poll, clock
//   CGroveExplain                         C: the explainer's vector kernel (runtime-dispatched SSE2/AVX2/AVX-512)
//   CGroveForest                          C: the tree learner's prefetch hint, the batch walk over integer keys
//   GroveForest                           Swift ML: data, training, inference, metrics (explanations call CGroveExplain)
//   GroveWire                             frames and messages (protobuf-c); knows nothing of the forest
//   GroveModelStore                       model files, repository publish/scan, audit chain, key file
//   GroveONNX                             ONNX tree ensembles -> Grove models (`grove import --onnx`)
//   GroveServer / GroveClient             epoll server / thin client library (Wire + System only)
//   grove                                 the CLI (offline commands use the model store, not the server)
import PackageDescription

/// Swift 6 language mode (complete concurrency checking) for the targets that have moved to it.
let swift6: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "Grove",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "GroveClient", targets: ["GroveClient"]),
        .library(name: "GroveWire", targets: ["GroveWire"]),
        .library(name: "GroveForest", targets: ["GroveForest"]),
        .library(name: "GroveModelStore", targets: ["GroveModelStore"]),
        // The fuzz targets' properties, shared by Fuzz/ and the regression replay in the tests.
        .library(name: "GroveFuzzChecks", targets: ["GroveFuzzChecks"]),
        .executable(name: "grove", targets: ["grove"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.0.0"..<"5.0.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.1.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CProtobufC",
            pkgConfig: "libprotobuf-c",
            providers: [.apt(["libprotobuf-c-dev"])]
        ),
        .target(name: "CGroveProto", dependencies: ["CProtobufC"]),
        .target(name: "CGroveSys"),
        .target(name: "GroveSystem", dependencies: ["CGroveSys"], swiftSettings: swift6),
        // The explainer's per-row kernel: one C body built for SSE2/NEON, AVX2 and AVX-512, picked
        // per CPU at run time (Swift cannot target several instruction sets in one binary). It
        // explains a German credit row about 3x faster (AVX-512; 2x with SSE2) than GroveForest's Swift reference,
        // which the tests keep beside it (BENCHMARKS.md, "Explanations").
        .target(name: "CGroveExplain"),
        // The tree learner's prefetch hint (Swift has no prefetch), and CompiledForest's batch walk
        // over integer keys: its compare must compile to cmp + adc, which the Swift walk over
        // doubles (ucomisd + seta + add) does not; 1.2x faster per batch row (BENCHMARKS.md,
        // "Batches: integer keys"). Portable C, no per-ISA builds: AVX-512 gathers measured slower.
        .target(name: "CGroveForest"),
        .target(name: "GroveForest", dependencies: ["GroveSystem", "CGroveExplain", "CGroveForest"]),
        .target(name: "GroveWire", dependencies: ["CGroveProto", "CProtobufC"], swiftSettings: swift6),
        .target(
            name: "GroveModelStore",
            dependencies: [
                "CGroveProto", "CProtobufC", "GroveSystem", "GroveWire", "GroveForest",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swift6
        ),
        .target(name: "GroveONNX", dependencies: ["CGroveProto", "CProtobufC", "GroveForest", "GroveWire"], swiftSettings: swift6),
        .target(
            name: "GroveServer",
            dependencies: [
                "CGroveSys", "GroveSystem", "GroveWire", "GroveForest", "GroveModelStore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swift6
        ),
        .target(name: "GroveClient", dependencies: ["GroveSystem", "GroveWire"], swiftSettings: swift6),
        .target(
            name: "GroveFuzzChecks",
            dependencies: [
                "GroveWire", "GroveForest", "GroveModelStore", "GroveServer", "GroveClient", "GroveONNX",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "grove",
            dependencies: [
                "GroveServer", "GroveClient", "GroveModelStore", "GroveONNX", "GroveWire", "GroveForest", "GroveSystem", "CGroveSys",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]
        ),
        // The client library's example: a middleware-style caller (clients/swift).
        .executableTarget(
            name: "grove-scoring-example",
            dependencies: ["GroveClient", "GroveWire"],
            path: "clients/swift/ScoringExample"
        ),
        .testTarget(name: "GroveForestTests", dependencies: ["GroveForest", "GroveSystem"]),
        .testTarget(name: "GroveModelStoreTests", dependencies: [
            "GroveModelStore", "GroveWire", "GroveForest", .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .testTarget(name: "GroveServerTests", dependencies: ["GroveServer", "GroveModelStore", "GroveSystem", "GroveWire", "CGroveSys"]),
        .testTarget(name: "GroveWireTests", dependencies: ["GroveWire", "GroveForest", "GroveFuzzChecks"]),
        .testTarget(name: "GroveONNXTests", dependencies: ["GroveONNX", "GroveForest", "GroveModelStore"], resources: [.copy("Fixtures")]),
        .testTarget(name: "GroveClientTests", dependencies: ["GroveClient", "GroveWire"]),
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "GroveClient", "GroveWire", "GroveForest", "GroveModelStore", "GroveServer", "GroveSystem",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
    ],
    // Swift 5 language mode by default; the targets listed with `swift6` above (GroveSystem,
    // GroveWire, GroveModelStore, GroveONNX, GroveServer, GroveClient) build in Swift 6 mode with complete
    // concurrency checking. The trainer (GroveForest) and the CLI stay in Swift 5 mode for now.
    swiftLanguageModes: [.v5]
)
