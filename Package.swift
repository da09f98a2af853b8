// swift-tools-version: 6.0
//
// loom: runs Markdown notebooks for image-classification studies.
// Dependencies point one way: TensorCore <- Dataset <- NeuralNet; TensorCore <- Analysis <- Figures; Notebook <- Engine;
// all <- Actions <- loom.

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
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        // MARK: - Public API

        /// Float32 tensors: shapes, contiguous storage, BLAS-backed maths, parallel loops.
        .target(name: "TensorCore", dependencies: ["CBLAS"]),
        /// Layers, activations, losses, optimizers, schedules and the training loop.
        .target(name: "NeuralNet", dependencies: ["TensorCore", "Dataset"]),
        /// IDX reading, splits, batching and augmentation.
        .target(name: "Dataset", dependencies: ["TensorCore", "CZlib"]),
        /// Maths on pixels and predictions: PCA and eigenvectors, HOG and LBP features, classification
        /// metrics, softmax and log-loss, quantiles.
        .target(name: "Analysis", dependencies: ["TensorCore"]),
        /// Charts, heatmaps, image grids and word clouds, rendered to PNG with Cairo.
        .target(name: "Figures", dependencies: ["Analysis", "TensorCore", "CCairo", "CPNG"]),
        /// Markdown notebooks: cells with source positions, parameters, executed output.
        .target(name: "Notebook", dependencies: ["CCmarkGFM", "Yams"]),
        /// Action declarations and registry, dependency graph, SQLite cache, progress.
        .target(
            name: "Engine",
            dependencies: ["Notebook", "TensorCore", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Crypto", package: "swift-crypto")]),
        /// The built-in actions, one file each.
        .target(name: "Actions", dependencies: ["Engine", "Notebook", "Dataset", "NeuralNet", "Analysis", "Figures", "TensorCore"]),
        /// The command-line tool.
        .executableTarget(
            name: "loom",
            dependencies: ["Actions", "Engine", "Notebook", "Figures", .product(name: "ArgumentParser", package: "swift-argument-parser")]),

        // MARK: - Implementation details

        .systemLibrary(name: "CBLAS"),
        .systemLibrary(name: "CCairo", pkgConfig: "cairo"),
        .systemLibrary(name: "CCmarkGFM"),
        .systemLibrary(name: "CZlib"),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng"),

        // MARK: - Benchmarks (not tests: they print figures)

        .executableTarget(
            name: "loom-bench",
            dependencies: ["TensorCore", "NeuralNet", "Dataset", "CBLAS"],
            path: "benchmarks/loom-bench"),

        // MARK: - Tests

        .target(name: "_LoomTestSupport", dependencies: ["TensorCore", "Dataset"], path: "Tests/_LoomTestSupport"),
        .testTarget(name: "TensorCoreTests", dependencies: ["TensorCore", "_LoomTestSupport"]),
        .testTarget(name: "NeuralNetTests", dependencies: ["NeuralNet", "TensorCore", "_LoomTestSupport"]),
        .testTarget(name: "DatasetTests", dependencies: ["Dataset", "TensorCore", "_LoomTestSupport"]),
        .testTarget(name: "AnalysisTests", dependencies: ["Analysis"]),
        .testTarget(name: "FiguresTests", dependencies: ["Figures", "TensorCore"]),
        .testTarget(name: "NotebookTests", dependencies: ["Notebook"]),
        .testTarget(name: "EngineTests", dependencies: ["Engine", "Notebook"]),
        .testTarget(name: "ActionsTests", dependencies: ["Actions", "Engine", "Notebook", "Dataset", "NeuralNet", "Analysis", "Figures", "TensorCore", "_LoomTestSupport"]),
        .testTarget(name: "LoomCLITests", dependencies: ["loom", "Dataset", "_LoomTestSupport"]),
    ]
)
