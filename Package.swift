// swift-tools-version:6.0
// Grove: a model-as-a-service server for tree ensembles.
// Targets are layered; each depends only on the layers below it:
//   CProtobufC, CGroveProto, CGroveSys   C: runtime, protoc-c output, Linux headers
//   GroveForest                           pure Swift ML: data, training, inference, metrics
//   GroveWire                             frames, messages, model files (user of CGroveProto)
//   GroveONNX                             ONNX tree ensembles -> Grove models (`grove import --onnx`)
//   GroveServer / GroveClient             epoll server / thin client library
//   grove                                 the CLI
import PackageDescription

let package = Package(
    name: "Grove",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "GroveClient", targets: ["GroveClient"]),
        .library(name: "GroveWire", targets: ["GroveWire"]),
        .library(name: "GroveForest", targets: ["GroveForest"]),
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
        .target(name: "GroveForest"),
        .target(
            name: "GroveWire",
            dependencies: [
                "CGroveProto", "CProtobufC", "GroveForest",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(name: "GroveONNX", dependencies: ["CGroveProto", "CProtobufC", "GroveForest", "GroveWire"]),
        .target(
            name: "GroveServer",
            dependencies: [
                "CGroveSys", "GroveWire", "GroveForest",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]
        ),
        .target(name: "GroveClient", dependencies: ["CGroveSys", "GroveWire"]),
        .executableTarget(
            name: "grove",
            dependencies: [
                "GroveServer", "GroveClient", "GroveWire", "GroveForest", "CGroveSys",
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
        .testTarget(name: "GroveForestTests", dependencies: ["GroveForest"]),
        .testTarget(name: "GroveWireTests", dependencies: ["GroveWire", "GroveForest"]),
        .testTarget(name: "GroveONNXTests", dependencies: ["GroveONNX", "GroveForest"], resources: [.copy("Fixtures")]),
        .testTarget(name: "GroveServerTests", dependencies: ["GroveServer", "GroveWire", "CGroveSys"]),
        .testTarget(name: "GroveClientTests", dependencies: ["GroveClient", "GroveWire"]),
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["GroveClient", "GroveWire", "GroveForest", "GroveServer"]
        ),
    ],
    // Swift 5 language mode for now: the event loop and the trainer share
    // unsafe buffers across threads under explicit ownership rules that
    // Swift 6's checker cannot yet express without @unchecked everywhere.
    swiftLanguageModes: [.v5]
)
