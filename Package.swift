// swift-tools-version: 6.0
//
// loom: runs Markdown notebooks for image-classification studies.
// Dependencies point one way: TensorCore <- Dataset <- NeuralNet; TensorCore <- Analysis <- Figures; Notebook <- Engine;
// all <- Actions <- Exporters <- loom; Engine <- Preview <- loom.

import PackageDescription

let package = Package(
    name: "loom",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "loom", targets: ["loom"]),
        .library(name: "TensorCore", targets: ["TensorCore"]),
        .library(name: "NeuralNet", targets: ["NeuralNet"]),
        .library(name: "Dataset", targets: ["Dataset"]),
        .library(name: "Analysis", targets: ["Analysis"]),
        .library(name: "Figures", targets: ["Figures"]),
        .library(name: "Notebook", targets: ["Notebook"]),
        .library(name: "Engine", targets: ["Engine"]),
        .library(name: "Actions", targets: ["Actions"]),
        .library(name: "Exporters", targets: ["Exporters"]),
        .library(name: "FileAccess", targets: ["FileAccess"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
    ],
    targets: [
        // MARK: - Public API

        /// Reading only regular files, within limits, never blocking on a FIFO or a device.
        .target(name: "FileAccess"),
        /// Float32 tensors: shapes, contiguous storage, BLAS-backed maths (OpenBLAS) and direct convolutions
        /// (oneDNN), parallel loops.
        .target(name: "TensorCore", dependencies: ["CBLAS", "CDNNL", "CProcessor"]),
        /// Layers, activations, losses, optimizers, schedules and the training loop.
        .target(name: "NeuralNet", dependencies: ["TensorCore", "Dataset"]),
        /// IDX reading, splits, batching and augmentation.
        .target(name: "Dataset", dependencies: ["TensorCore", "FileAccess", "CZlib", "CPNG"]),
        /// Maths on pixels and predictions: PCA and eigenvectors, HOG and LBP features, classification
        /// metrics, softmax and log-loss, quantiles.
        .target(name: "Analysis", dependencies: ["TensorCore"]),
        /// Charts, heatmaps, image grids and word clouds, rendered to PNG with Cairo.
        .target(name: "Figures", dependencies: ["Analysis", "TensorCore", "FileAccess", "CCairo", "CPNG"]),
        /// Markdown notebooks: cells with source positions, parameters, executed output.
        .target(name: "Notebook", dependencies: ["FileAccess", "CCmarkGFM", "Yams"]),
        /// Action declarations and registry, dependency graph, SQLite cache, progress.
        .target(
            name: "Engine",
            dependencies: ["Notebook", "TensorCore", "FileAccess", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Crypto", package: "swift-crypto")]),
        /// The built-in actions, one file each.
        .target(name: "Actions", dependencies: ["Engine", "Notebook", "Dataset", "NeuralNet", "Analysis", "Figures", "TensorCore", "FileAccess"]),
        /// Results out to the formats other tools read: ONNX and safetensors models, CSV tables,
        /// NumPy arrays, Jupyter notebooks. The ONNX protobuf code is generated once and committed.
        .target(
            name: "Exporters",
            dependencies: ["Actions", "Engine", "Notebook", "NeuralNet", "Dataset", "TensorCore",
                           .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            exclude: ["ONNX/onnx.proto3", "ONNX/README.md"]),
        /// `loom preview`: a loopback web server that shows notebooks live while they run.
        .target(
            name: "Preview",
            dependencies: [
                "Engine", "Notebook", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"), .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]),
        /// `loom run --executor slurm`: train cells and sweep variants as Slurm jobs, results imported into the cache.
        .target(name: "Cluster", dependencies: ["Engine", .product(name: "Crypto", package: "swift-crypto")]),
        /// The command-line tool.
        .executableTarget(
            name: "loom",
            dependencies: ["Actions", "Cluster", "Engine", "Exporters", "Notebook", "Figures", "Preview", "TensorCore", "FileAccess", .product(name: "ArgumentParser", package: "swift-argument-parser")]),

        // MARK: - Implementation details

        /// CPUID/XGETBV, the auxiliary vector and an FMA-throughput probe, in C.
        .target(name: "CProcessor", cSettings: [.unsafeFlags(["-O2"])]),  // the FMA probe measures nothing at -O0
        .systemLibrary(name: "CBLAS"),
        /// oneDNN (libdnnl-dev): direct convolutions, used only by TensorCore's `DirectConvolution`.
        .systemLibrary(name: "CDNNL"),
        .systemLibrary(name: "CCairo", pkgConfig: "cairo"),
        .systemLibrary(name: "CCmarkGFM"),
        .systemLibrary(name: "CZlib"),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng"),

        // MARK: - Benchmarks (not tests: they print figures)

        .executableTarget(
            name: "loom-bench",
            dependencies: ["TensorCore", "NeuralNet", "Dataset", "CBLAS"],
            path: "benchmarks/loom-bench"),

        // MARK: - Fuzzing (`make fuzz`: libFuzzer in a separate build, .build-fuzz)

        .executableTarget(
            name: "loom-fuzz",
            dependencies: ["Actions", "Engine", "Notebook", "Dataset", "Figures", "NeuralNet", "TensorCore"],
            path: "fuzz/loom-fuzz"),

        // MARK: - Tests

        .target(name: "_LoomTestSupport", dependencies: ["TensorCore", "Dataset"], path: "Tests/_LoomTestSupport"),
        .testTarget(name: "FileAccessTests", dependencies: ["FileAccess"]),
        .testTarget(name: "TensorCoreTests", dependencies: ["TensorCore", "_LoomTestSupport"]),
        .testTarget(name: "NeuralNetTests", dependencies: ["NeuralNet", "TensorCore", "_LoomTestSupport"]),
        .testTarget(name: "DatasetTests", dependencies: ["Dataset", "TensorCore", "_LoomTestSupport"]),
        .testTarget(name: "AnalysisTests", dependencies: ["Analysis"]),
        .testTarget(name: "FiguresTests", dependencies: ["Figures", "TensorCore", "_LoomTestSupport"]),
        .testTarget(name: "NotebookTests", dependencies: ["Notebook", "_LoomTestSupport"]),
        .testTarget(name: "EngineTests", dependencies: ["Engine", "Notebook", "_LoomTestSupport", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Crypto", package: "swift-crypto")]),
        .testTarget(name: "ActionsTests", dependencies: ["Actions", "Engine", "Notebook", "Dataset", "NeuralNet", "Analysis", "Figures", "TensorCore", "_LoomTestSupport"]),
        .testTarget(name: "ExportersTests", dependencies: ["Exporters", "Actions", "Engine", "Notebook", "NeuralNet", "Dataset", "TensorCore", "_LoomTestSupport"]),
        .testTarget(name: "ClusterTests", dependencies: ["Cluster", "Engine", "Actions", "_LoomTestSupport"]),
        .testTarget(name: "PreviewTests", dependencies: ["Preview", "Actions", "Engine", "Notebook", "_LoomTestSupport"]),
        .testTarget(name: "LoomCLITests", dependencies: ["loom", "loom-fuzz", "Dataset", "_LoomTestSupport"]),
    ]
)
