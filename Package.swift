// swift-tools-version: 6.1
import PackageDescription

/// Kernel targets need FMA/AVX2 code generation; without it SIMD `addingProduct`
/// becomes a library call per lane (DESIGN.md §5).
/// They are also optimised in debug builds (`-O` after SwiftPM's `-Onone`): the test suite runs
/// real models in a debug build, and unoptimised Swift kernels made an in-process
/// qwen2.5-coder-0.5b-instruct about 10× slower there.
let kernelSwiftFlags: [SwiftSetting] = [.unsafeFlags(["-Xcc", "-mavx2", "-Xcc", "-mfma", "-Xcc", "-mf16c", "-O"])]

let package = Package(
    name: "Augur",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "augur", targets: ["augur"]),
        .library(name: "AugurModels", targets: ["AugurModels"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", exact: "0.6.0"),
    ],
    targets: [
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .target(
            name: "CAugurKernels",
            cSettings: [.unsafeFlags(["-O3", "-fno-math-errno", "-ffp-contract=off", "-std=gnu11"])]
        ),
        .target(
            name: "AugurTensor",
            dependencies: ["CBLAS", "CAugurKernels", .product(name: "Logging", package: "swift-log")],
            swiftSettings: kernelSwiftFlags
        ),
        .target(
            name: "AugurFormats",
            dependencies: ["AugurTensor", .product(name: "Logging", package: "swift-log")]
        ),
        .target(
            name: "AugurTokenizers",
            dependencies: ["AugurFormats", .product(name: "Logging", package: "swift-log")]
        ),
        .target(
            name: "AugurModels",
            dependencies: ["AugurTensor", "AugurFormats", "AugurTokenizers", .product(name: "Logging", package: "swift-log")],
            swiftSettings: kernelSwiftFlags
        ),
        .target(
            name: "AugurSAE",
            dependencies: ["AugurTensor", "AugurFormats", "AugurModels", .product(name: "Logging", package: "swift-log")],
            swiftSettings: kernelSwiftFlags
        ),
        .target(
            name: "AugurActivations",
            dependencies: ["AugurTensor", "AugurFormats", "AugurTokenizers", "AugurModels", "AugurSAE",
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: kernelSwiftFlags
        ),
        .target(
            name: "AugurLLM",
            dependencies: ["AugurModels", "AugurTokenizers", .product(name: "Crypto", package: "swift-crypto"),
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: kernelSwiftFlags
        ),
        .target(
            name: "AugurInterp",
            dependencies: ["AugurTensor", "AugurModels", "AugurSAE", "AugurActivations", "AugurLLM",
                           .product(name: "Logging", package: "swift-log")]
        ),
        .target(
            name: "AugurServer",
            dependencies: ["AugurLLM", "AugurModels", "AugurPipeline", "AugurInterp", "AugurActivations", "AugurSAE",
                           "AugurTokenizers", .product(name: "Hummingbird", package: "hummingbird"),
                           .product(name: "Logging", package: "swift-log")]
        ),
        .target(
            name: "AugurPipeline",
            dependencies: ["AugurInterp", "AugurLLM", "AugurActivations", .product(name: "GRDB", package: "GRDB.swift"),
                           "AugurSAE", "AugurModels", "AugurTokenizers", .product(name: "TOMLKit", package: "TOMLKit"),
                           .product(name: "Logging", package: "swift-log")]
        ),
        .executableTarget(
            name: "augur",
            dependencies: [
                "AugurServer",
                "AugurModels",
                "AugurSAE",
                "AugurActivations",
                "AugurLLM",
                "AugurInterp",
                "AugurPipeline",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "augur-kernel-bench",
            dependencies: ["AugurTensor"],
            path: "Benchmarks/KernelBench"
        ),
        .testTarget(name: "AugurTensorTests", dependencies: ["AugurTensor"]),
        .testTarget(name: "AugurFormatsTests", dependencies: ["AugurFormats"]),
        .testTarget(name: "AugurTokenizersTests", dependencies: ["AugurTokenizers"]),
        .testTarget(name: "AugurModelsTests", dependencies: ["AugurModels"]),
        .testTarget(name: "AugurSAETests", dependencies: ["AugurSAE"]),
        .testTarget(name: "AugurActivationsTests", dependencies: ["AugurActivations"]),
        .testTarget(name: "AugurInterpTests", dependencies: ["AugurInterp"]),
        .testTarget(name: "AugurPipelineTests", dependencies: ["AugurPipeline"]),
        .testTarget(name: "AugurLLMTests", dependencies: ["AugurLLM"]),
        .testTarget(name: "AugurCLITests", dependencies: ["augur", "AugurFormats"]),
        .testTarget(
            name: "AugurServerTests",
            dependencies: ["AugurServer", "AugurLLM", "AugurModels", "AugurPipeline", "AugurInterp",
                           "AugurActivations", "AugurSAE", "AugurTokenizers",
                           .product(name: "Hummingbird", package: "hummingbird")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
