// loom-bench: training and inference speed of loom's two reference models (see the training issue):
//
// - **ref-cnn**: conv 32 3×3 same → relu → maxpool 2 → conv 64 3×3 same → relu → maxpool 2 →
//   flatten → dense 128 → relu → dropout 0.3 → dense 10; Adam 1e-3; batch 128; input 1×28×28.
// - **ref-mlp**: flatten → dense 256 → relu → dropout 0.2 → dense 128 → relu → dense 10; Adam 1e-3; batch 128.
//
// ```
// swift build -c release --product loom-bench
// .build/release/loom-bench [--model cnn|mlp|all] [--data auto|real|synthetic] [--batches N] [--threads N] [--no-sgemm]
// ```
//
// `--data auto` (the default) reads Fashion-MNIST from `/usr/share/datasets/fashion-mnist` when it
// is there and falls back to seeded synthetic images. Training runs one epoch of `--batches`
// batches (default 60 for the CNN, 300 for the MLP) after a 5-batch warm-up; inference runs
// 10,000 images in batches of 1000.
//
// Each model ends with one JSON line starting `{"bench":"loom"`:
//
// | field | meaning |
// |---|---|
// | `train_img_s`, `infer_img_s` | images per second, wall clock |
// | `train_cpu_us_per_img`, `infer_cpu_us_per_img` | process CPU time per image (robust when the machine is shared) |
// | `sgemm_gflops` | GFLOP/s of each of the model's own matrix products, run as loom runs them (the work split across the threads, single-threaded sgemm in each) |
// | `batched_gflops_convN_fwd` | the same convolution product as one multi-threaded sgemm over the whole batch, for comparison |
// | `train_flops_per_img` | FLOPs of the matrix products of one training image (forward and backward) |
// | `sgemm_bound_img_s`, `pct_of_sgemm_bound` | the img/s if training did nothing but those products at the measured rates, and loom's share of it |
// | `sgemm_cpu_us_per_img`, `pct_of_sgemm_bound_cpu` | the same in CPU time: the products' CPU µs per image, and their share of loom's (steadier on a shared machine) |
// | `peak_rss_mb` | peak resident memory of the whole run |
// | `openblas_core` | the kernel set OpenBLAS chose (`OPENBLAS_CORETYPE` overrides it) |
//
// Compare with PyTorch only within one run on one machine: rates move a lot with the CPU drawn
// and with other load on it.

import CBLAS
import Foundation
import NeuralNet
import TensorCore

struct Options {
    var models = ["ref-cnn", "ref-mlp"]
    var data = "auto"
    var batches: Int? = nil
    var threads = ComputeThreads.count
    var sgemm = true
}

func parseOptions() -> Options {
    var options = Options()
    var arguments = CommandLine.arguments.dropFirst().makeIterator()
    func value(_ flag: String) -> String {
        guard let value = arguments.next() else {
            FileHandle.standardError.write(Data("loom-bench: '\(flag)' needs a value.\n".utf8))
            exit(2)
        }
        return value
    }
    while let argument = arguments.next() {
        switch argument {
        case "--model":
            let name = value(argument)
            options.models = name == "all" ? ["ref-cnn", "ref-mlp"] : [name.hasPrefix("ref-") ? name : "ref-\(name)"]
        case "--data": options.data = value(argument)
        case "--batches": options.batches = Int(value(argument))
        case "--threads": options.threads = Int(value(argument)) ?? options.threads
        case "--no-sgemm": options.sgemm = false
        case "--help", "-h":
            print("usage: loom-bench [--model cnn|mlp|all] [--data auto|real|synthetic] [--batches N] [--threads N] [--no-sgemm]")
            exit(0)
        default:
            FileHandle.standardError.write(Data("loom-bench: unknown option '\(argument)'.\n".utf8))
            exit(2)
        }
    }
    return options
}

// MARK: - Data

let datasetFolder = "/usr/share/datasets/fashion-mnist"

/// Inflates a gzip file with the system's `gzip -dc` (the bench does not depend on Dataset).
func gunzip(_ path: String) -> Data? {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["gzip", "-dc", path]
    let pipe = Pipe()
    process.standardOutput = pipe
    do { try process.run() } catch { return nil }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return process.terminationStatus == 0 ? data : nil
}

/// Reads Fashion-MNIST's training IDX files: 60,000 images 1×28×28 and their labels.
func loadReal() -> ImageSet? {
    guard let images = gunzip("\(datasetFolder)/train-images-idx3-ubyte.gz"),
        let labels = gunzip("\(datasetFolder)/train-labels-idx1-ubyte.gz"),
        images.count > 16, labels.count > 8
    else { return nil }
    let count = labels.count - 8
    guard images.count - 16 == count * 784 else { return nil }
    return try? ImageSet(pixels: [UInt8](images.dropFirst(16)), labels: labels.dropFirst(8).map { Int32($0) }, imageShape: [1, 28, 28])
}

/// 60,000 seeded random 1×28×28 images with labels 0–9.
func makeSynthetic() -> ImageSet {
    var generator = SeededGenerator(seed: 1)
    let count = 60_000
    var pixels = [UInt8](repeating: 0, count: count * 784)
    for i in 0..<pixels.count { pixels[i] = UInt8(truncatingIfNeeded: generator.next() >> 56) }
    let labels = (0..<count).map { _ in Int32(generator.next() % 10) }
    return try! ImageSet(pixels: pixels, labels: labels, imageShape: [1, 28, 28])
}

// MARK: - Models

let referenceModels: [String: [LayerSpec]] = [
    "ref-cnn": [
        .conv(filters: 32, kernel: 3), .relu, .maxPool(size: 2), .conv(filters: 64, kernel: 3), .relu, .maxPool(size: 2),
        .flatten, .dense(units: 128), .relu, .dropout(rate: 0.3), .dense(units: 10),
    ],
    "ref-mlp": [.flatten, .dense(units: 256), .relu, .dropout(rate: 0.2), .dense(units: 128), .relu, .dense(units: 10)],
]

// MARK: - Measurements

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

/// User plus system CPU seconds of the whole process so far.
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    let user = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
    let system = Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    return user + system
}

func peakResidentMegabytes() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let kilobytes = line.split(separator: " ").compactMap { Double($0) }.first ?? 0
        return kilobytes / 1024
    }
    return 0
}

/// One matrix product of a training step, as loom runs it.
struct GemmShape {
    var name: String
    var m, n, k: Int
    var transposeA = false, transposeB = false
    /// How many such products one image costs (a per-sample product: 1; a per-batch one: 1/batch).
    var perImage: Double
    var flopsPerImage: Double { 2 * Double(m) * Double(n) * Double(k) * perImage }
}

/// The sgemm products of one training step of `model`, per image, with loom's thread split.
func gemmShapes(_ model: Sequential, batch: Int, threads: Int) -> [GemmShape] {
    var shapes = [GemmShape]()
    var first = true
    for (index, spec) in model.layers.enumerated() {
        let input = index == 0 ? model.inputShape : model.layerOutputShapes[index - 1]
        let output = model.layerOutputShapes[index]
        switch spec {
        case .conv(let filters, let kernel, _, _):
            let patch = input[0] * kernel * kernel, positions = output[1] * output[2]
            let name = "conv\(index + 1)"
            shapes.append(GemmShape(name: "\(name) fwd", m: filters, n: positions, k: patch, perImage: 1))
            shapes.append(GemmShape(name: "\(name) dW", m: filters, n: patch, k: positions, transposeB: true, perImage: 1))
            if !first { shapes.append(GemmShape(name: "\(name) dX", m: patch, n: positions, k: filters, transposeA: true, perImage: 1)) }
            first = false
        case .dense(let units):
            let inputs = input[0], rows = batch / threads
            let name = "dense\(index + 1)"
            let share = Double(threads) / Double(batch)
            shapes.append(GemmShape(name: "\(name) fwd", m: rows, n: units, k: inputs, transposeB: true, perImage: share))
            shapes.append(GemmShape(name: "\(name) dW", m: units / threads, n: inputs, k: batch, transposeA: true, perImage: share))
            if !first { shapes.append(GemmShape(name: "\(name) dX", m: rows, n: inputs, k: units, perImage: share)) }
            first = false
        default:
            break
        }
    }
    return shapes
}

/// The aggregate GFLOP/s of `threads` threads each running single-threaded sgemm on `shape`
/// (wall clock), and the GFLOP per CPU-second (robust when other processes share the cores).
func measureGemm(_ shape: GemmShape, threads: Int) -> (wall: Double, perCPU: Double) {
    BLAS.setThreads(1)
    let aRows = shape.transposeA ? shape.k : shape.m, aColumns = shape.transposeA ? shape.m : shape.k
    let bRows = shape.transposeB ? shape.n : shape.k, bColumns = shape.transposeB ? shape.k : shape.n
    let flops = 2 * Double(shape.m) * Double(shape.n) * Double(shape.k)
    let repeats = max(3, Int(2e8 / flops))
    var buffers = (0..<threads).map { _ in
        (a: [Float](repeating: 0.5, count: aRows * aColumns), b: [Float](repeating: 0.25, count: bRows * bColumns), c: [Float](repeating: 0, count: shape.m * shape.n))
    }
    var best = Double.infinity, bestCPU = Double.infinity
    for _ in 0..<3 {
        let start = now(), startCPU = cpuSeconds()
        buffers.withUnsafeMutableBufferPointer { all in
            let base = all.baseAddress!
            parallelFor(count: threads) { _, range in
                for t in range {
                    base[t].a.withUnsafeBufferPointer { a in
                        base[t].b.withUnsafeBufferPointer { b in
                            base[t].c.withUnsafeMutableBufferPointer { c in
                                for _ in 0..<repeats {
                                    BLAS.sgemm(
                                        transposeA: shape.transposeA, transposeB: shape.transposeB, m: shape.m, n: shape.n, k: shape.k,
                                        a: a.baseAddress!, lda: aColumns, b: b.baseAddress!, ldb: bColumns, c: c.baseAddress!, ldc: shape.n)
                                }
                            }
                        }
                    }
                }
            }
        }
        best = min(best, now() - start)
        bestCPU = min(bestCPU, cpuSeconds() - startCPU)
    }
    BLAS.setThreads(ComputeThreads.count)
    let total = flops * Double(repeats * threads) / 1e9
    return (total / best, total / bestCPU)
}

/// The GFLOP/s of one multi-threaded sgemm over the whole batch for a convolution's forward
/// product (`[F, C·k·k] · [C·k·k, batch·P]`): the alternative to splitting the batch.
func measureBatchedGemm(_ shape: GemmShape, batch: Int, threads: Int) -> Double {
    BLAS.setThreads(threads)
    defer { BLAS.setThreads(ComputeThreads.count) }
    let n = shape.n * batch
    let a = [Float](repeating: 0.5, count: shape.m * shape.k), b = [Float](repeating: 0.25, count: shape.k * n)
    var c = [Float](repeating: 0, count: shape.m * n)
    let flops = 2 * Double(shape.m) * Double(n) * Double(shape.k)
    var best = Double.infinity
    for _ in 0..<5 {
        let start = now()
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    BLAS.sgemm(m: shape.m, n: n, k: shape.k, a: a.baseAddress!, lda: shape.k, b: b.baseAddress!, ldb: n, c: c.baseAddress!, ldc: n)
                }
            }
        }
        best = min(best, now() - start)
    }
    return flops / best / 1e9
}

func format(_ value: Double, _ digits: Int = 0) -> String { String(format: "%.\(digits)f", value) }

// MARK: - Main

let options = parseOptions()
ComputeThreads.set(options.threads)
var dataKind = options.data
var images: ImageSet
if options.data != "synthetic", let real = loadReal() {
    images = real
    dataKind = "real"
} else {
    if options.data == "real" {
        FileHandle.standardError.write(Data("loom-bench: the data set in '\(datasetFolder)' could not be read.\n".utf8))
        exit(1)
    }
    images = makeSynthetic()
    dataKind = "synthetic"
}
let coreName = String(cString: openblas_get_corename())
print("loom-bench: \(dataKind) data, \(images.count) images, \(options.threads) threads, batch 128, OpenBLAS core \(coreName)")

for name in options.models {
    guard let layers = referenceModels[name] else {
        FileHandle.standardError.write(Data("loom-bench: unknown model '\(name)'; use 'cnn' or 'mlp'.\n".utf8))
        exit(2)
    }
    let batch = 128
    let batches = options.batches ?? (name == "ref-cnn" ? 60 : 300)
    let model = try! Sequential(inputShape: [1, 28, 28], layers: layers, seed: 0)
    let configuration = TrainingConfiguration(epochs: 1, batchSize: batch, optimizer: .adam(), learningRate: .constant(1e-3), seed: 0)

    // Warm-up: a few batches so caches, page faults and thread pools are settled.
    var warmup = try! Trainer(model: model, configuration: configuration)
    _ = try! warmup.fit(training: images.subset(Array(0..<(batch * 5))))

    var trainer = try! Trainer(model: model, configuration: configuration)
    let cpuBefore = cpuSeconds()
    let trained = try! trainer.fit(training: images.subset(Array(0..<min(images.count, batch * batches))))
    let cpuPerImage = (cpuSeconds() - cpuBefore) / Double(min(images.count, batch * batches))
    let record = trained.history[0]
    let trainRate = record.imagesPerSecond

    let evaluation = images.subset(Array(0..<10_000))
    _ = try! trained.logits(for: images.subset(Array(0..<1000)))
    let inferenceStart = now(), inferenceCPU = cpuSeconds()
    _ = try! trained.logits(for: evaluation)
    let inferenceRate = Double(evaluation.count) / (now() - inferenceStart)
    let inferenceCPUPerImage = (cpuSeconds() - inferenceCPU) / Double(evaluation.count)

    var line: [String: Any] = [
        "bench": "loom", "model": name, "data": dataKind, "openblas_core": coreName, "threads": options.threads, "batch": batch,
        "train_batches": batches, "train_img_s": trainRate.rounded(), "infer_img_s": inferenceRate.rounded(),
        "infer_batch": Sequential.inferenceBatch, "train_loss": Double(record.trainLoss),
        "parameters": model.parameterCount, "train_cpu_us_per_img": (cpuPerImage * 1e7).rounded() / 10,
        "infer_cpu_us_per_img": (inferenceCPUPerImage * 1e7).rounded() / 10,
    ]
    print("\n\(name): \(model.parameterCount) parameters")
    print("  training   \(format(trainRate)) img/s  (\(batches) batches of \(batch), loss \(format(Double(record.trainLoss), 3)), \(format(cpuPerImage * 1e6, 1)) CPU µs/img)")
    print("  inference  \(format(inferenceRate)) img/s  (batches of \(Sequential.inferenceBatch), \(format(inferenceCPUPerImage * 1e6, 1)) CPU µs/img)")

    if options.sgemm {
        let shapes = gemmShapes(model, batch: batch, threads: options.threads)
        var seconds = 0.0, cpuSecondsPerImage = 0.0, flops = 0.0
        var rates = [String: Double]()
        print("  sgemm on the model's shapes (\(options.threads) threads, single-threaded sgemm each):")
        for shape in shapes {
            let (rate, perCPU) = measureGemm(shape, threads: options.threads)
            rates[shape.name] = (rate * 10).rounded() / 10
            seconds += shape.flopsPerImage / (rate * 1e9)
            cpuSecondsPerImage += shape.flopsPerImage / (perCPU * 1e9)
            flops += shape.flopsPerImage
            print("    \(shape.name.padding(toLength: 12, withPad: " ", startingAt: 0)) \(shape.m)×\(shape.k) · \(shape.k)×\(shape.n)  \(format(rate, 1)) GFLOP/s")
        }
        for shape in shapes where shape.name.hasPrefix("conv") && shape.name.hasSuffix("fwd") {
            let batched = measureBatchedGemm(shape, batch: batch, threads: options.threads)
            print("    \(shape.name): one \(options.threads)-thread sgemm over the whole batch instead: \(format(batched, 1)) GFLOP/s")
            line["batched_gflops_\(shape.name.replacingOccurrences(of: " ", with: "_"))"] = (batched * 10).rounded() / 10
        }
        let limit = 1 / seconds
        print("  training FLOPs per image (matrix products): \(format(flops / 1e6, 2)) MFLOP")
        print("  sgemm-bound limit \(format(limit)) img/s; loom reaches \(format(100 * trainRate / limit, 1))% of it")
        print("  in CPU time: the products alone take \(format(cpuSecondsPerImage * 1e6, 1)) µs/img, \(format(100 * cpuSecondsPerImage / cpuPerImage, 1))% of loom's \(format(cpuPerImage * 1e6, 1))")
        line["sgemm_cpu_us_per_img"] = (cpuSecondsPerImage * 1e7).rounded() / 10
        line["pct_of_sgemm_bound_cpu"] = (1000 * cpuSecondsPerImage / cpuPerImage).rounded() / 10
        line["sgemm_gflops"] = rates
        line["train_flops_per_img"] = flops.rounded()
        line["sgemm_bound_img_s"] = limit.rounded()
        line["pct_of_sgemm_bound"] = (1000 * trainRate / limit).rounded() / 10
    }
    let rss = peakResidentMegabytes()
    print("  peak RSS \(format(rss)) MB")
    line["peak_rss_mb"] = rss.rounded()
    let json = try! JSONSerialization.data(withJSONObject: line, options: [.sortedKeys])
    print(String(decoding: json, as: UTF8.self))
}
