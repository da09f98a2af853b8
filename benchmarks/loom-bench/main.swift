// loom-bench: training and inference speed of loom's two reference models (see the training issue),
// the loom half of `make bench` (benchmarks/run.sh runs it interleaved with benchmarks/pytorch/bench.py).
//
// - **ref-cnn**: conv 32 3×3 same → relu → maxpool 2 → conv 64 3×3 same → relu → maxpool 2 →
//   flatten → dense 128 → relu → dropout 0.3 → dense 10; Adam 1e-3; batch 128; input 1×28×28.
// - **ref-mlp**: flatten → dense 256 → relu → dropout 0.2 → dense 128 → relu → dense 10; Adam 1e-3; batch 128.
// - **strong-cnn**: notebooks/cnn.md's stronger CNN (conv 32 → bn → relu → maxpool 2 → conv 64 → bn → relu →
//   conv 64 → bn → relu → maxpool 2 → dropout 0.2 → flatten → dense 256 → bn → relu → dropout 0.4 → dense 10),
//   timed with Adam 1e-3, batch 128 (the notebook's AdamW and one-cycle schedule cost the same per step).
//
// ```
// swift build -c release --product loom-bench
// .build/release/loom-bench --model ref-cnn|ref-mlp [--data DIR] [--threads 2] [--batch-size 128] [--warmup 10]
//     [--batches 100] [--repeats 3] [--epoch] [--epochs N] [--seed 42] [--synthetic] [--no-sgemm]
// ```
//
// The flags are bench.py's: both programs read all 70,000 Fashion-MNIST images from `--data`
// (Debian's `/usr/share/datasets/fashion-mnist` by default), scale pixels to [0, 1], make the same
// kind of stratified 80/10/10 train/validation/test split (seeded by `--seed`), train on `--warmup`
// batches, then time `--repeats` runs of `--batches` training batches (or one full epoch with
// `--epoch`) and report the best, and time inference at batch 1000 over the validation part.
// `--epochs N` then trains a fresh model for N epochs and reports its test accuracy.
// `--synthetic` uses 70,000 seeded random images instead of the data set (for machines without it).
//
// Each model ends with one JSON line (the keys listed at the top of benchmarks/pytorch/bench.py,
// plus loom's own):
//
// | field | meaning |
// |---|---|
// | `train_img_per_s`, `infer_img_per_s` | images per second, wall clock, best of `repeats` |
// | `train_cpu_us_per_img`, `infer_cpu_us_per_img` | process CPU time per image in the best run (robust when the machine is shared) |
// | `sgemm_gflops` | GFLOP/s of each of the model's own matrix products, run as loom runs them (the work split across the threads, single-threaded sgemm in each) |
// | `train_flops_per_img` | FLOPs of the matrix products of one training image (forward and backward, im2col convolution) |
// | `sgemm_bound_img_per_s`, `pct_of_sgemm_bound` | the img/s if training did nothing but those products at the measured rates, and loom's share of it |
// | `sgemm_cpu_us_per_img`, `pct_of_sgemm_bound_cpu` | the same in CPU time: the products' CPU µs per image, and their share of loom's (steadier on a shared machine) |
// | `peak_rss_mb` | peak resident memory of the whole process, MiB |
// | `openblas_core` | the kernel set OpenBLAS runs (`OPENBLAS_CORETYPE` overrides it) |
// | `matrix_kernels` | the library and kernels of loom's matrix products (`oneDNN avx512_core_bf16`, `OpenBLAS Haswell`; `LOOM_BLAS` overrides it) |
// | `kernels` | loom's kernel path (`AVX512`, `AVX2`, `DEFAULT`: PyTorch's names for the same) |
// | `model_flops_per_img` | FLOPs of one training image's convolutions and dense layers (forward and backward) |
// | `fma_peak_gflops` | the machine's FP32 FMA peak over the threads, measured by a probe in this process |
// | `pct_of_fma_peak` | training's share of that peak: `model_flops_per_img × train_img_per_s / peak` |
//
// Compare with PyTorch only within one run on one machine: rates move a lot with the CPU drawn
// and with other load on it.

import CBLAS
import Dataset
import Foundation
import NeuralNet
import TensorCore

struct Options {
    var models = ["ref-cnn", "ref-mlp"]
    var data = FashionMNIST.defaultDirectory
    var synthetic = false
    var threads = 2
    var batchSize = 128
    var warmup = 10
    var batches = 100
    var repeats = 3
    var epoch = false
    var epochs = 0
    var seed: UInt64 = 42
    var sgemm = true
}

func fail(_ message: String, status: Int32 = 2) -> Never {
    FileHandle.standardError.write(Data("loom-bench: \(message)\n".utf8))
    exit(status)
}

let usage = """
    usage: loom-bench [--model ref-cnn|ref-mlp|strong-cnn|all] [--data DIR] [--synthetic] [--threads N] [--batch-size N]
                      [--warmup N] [--batches N] [--repeats N] [--epoch] [--epochs N] [--seed N] [--no-sgemm]
    """

func parseOptions() -> Options {
    var options = Options()
    var arguments = CommandLine.arguments.dropFirst().makeIterator()
    func value(_ flag: String) -> String {
        guard let value = arguments.next() else { fail("'\(flag)' needs a value.") }
        return value
    }
    func number(_ flag: String, minimum: Int) -> Int {
        let text = value(flag)
        guard let number = Int(text), number >= minimum else { fail("'\(flag)' needs a whole number of at least \(minimum), not '\(text)'.") }
        return number
    }
    while let argument = arguments.next() {
        switch argument {
        case "--model":
            let name = value(argument)
            options.models = name == "all" ? ["ref-cnn", "ref-mlp", "strong-cnn"]
                : [name.hasPrefix("ref-") || name.hasPrefix("strong-") ? name : "ref-\(name)"]
        case "--data": options.data = value(argument)
        case "--synthetic": options.synthetic = true
        case "--threads": options.threads = number(argument, minimum: 1)
        case "--batch-size": options.batchSize = number(argument, minimum: 1)
        case "--warmup": options.warmup = number(argument, minimum: 0)
        case "--batches": options.batches = number(argument, minimum: 1)
        case "--repeats": options.repeats = number(argument, minimum: 1)
        case "--epoch": options.epoch = true
        case "--epochs": options.epochs = number(argument, minimum: 0)
        case "--seed": options.seed = UInt64(number(argument, minimum: 0))
        case "--no-sgemm": options.sgemm = false
        case "--help", "-h":
            print(usage)
            exit(0)
        default:
            fail("unknown option '\(argument)'.\n\(usage)")
        }
    }
    return options
}

// MARK: - Data

/// All images of the data set (or seeded random ones) and their stratified 80/10/10 split.
func loadData(_ options: Options) -> (images: ImageSet, split: DatasetSplit) {
    let all: LabeledImages
    if options.synthetic {
        var generator = SeededGenerator(seed: 1)
        let count = 70_000
        var pixels = [UInt8](repeating: 0, count: count * 784)
        for i in 0..<pixels.count { pixels[i] = UInt8(truncatingIfNeeded: generator.next() >> 56) }
        let labels = (0..<count).map { _ in Int32(generator.next() % 10) }
        all = LabeledImages(pixels: pixels, labels: labels, channels: 1, height: 28, width: 28, classNames: (0..<10).map { "class \($0)" })
    } else {
        do { all = try FashionMNIST.loadCombined(directory: options.data) } catch { fail("\(error)", status: 1) }
    }
    do {
        let images = try ImageSet(pixels: all.pixels, labels: all.labels, imageShape: [all.channels, all.height, all.width])
        let split = try DatasetSplit(of: all, stratified: true, seed: options.seed)
        return (images, split)
    } catch { fail("\(error)", status: 1) }
}

// MARK: - Models

let referenceModels: [String: [LayerSpec]] = [
    "ref-cnn": [
        .conv(filters: 32, kernel: 3), .relu, .maxPool(size: 2), .conv(filters: 64, kernel: 3), .relu, .maxPool(size: 2),
        .flatten, .dense(units: 128), .relu, .dropout(rate: 0.3), .dense(units: 10),
    ],
    "ref-mlp": [.flatten, .dense(units: 256), .relu, .dropout(rate: 0.2), .dense(units: 128), .relu, .dense(units: 10)],
    "strong-cnn": [
        .conv(filters: 32, kernel: 3), .batchNorm, .relu, .maxPool(size: 2),
        .conv(filters: 64, kernel: 3), .batchNorm, .relu, .conv(filters: 64, kernel: 3), .batchNorm, .relu, .maxPool(size: 2),
        .dropout(rate: 0.2), .flatten, .dense(units: 256), .batchNorm, .relu, .dropout(rate: 0.4), .dense(units: 10),
    ],
]

/// FLOPs of one training image's convolutions and dense layers: forward, weight gradient and
/// (except for the first such layer) input gradient, each 2·m·n·k.
func modelFlopsPerImage(_ model: Sequential) -> Double {
    var total = 0.0, first = true
    for (index, spec) in model.layers.enumerated() {
        let input = index == 0 ? model.inputShape : model.layerOutputShapes[index - 1]
        let output = model.layerOutputShapes[index]
        let forward: Double
        switch spec.kind {
        case let conv as ConvolutionLayer:
            let (filters, kernel) = (conv.filters, conv.kernel)
            forward = 2 * Double(filters * output[1] * output[2] * input[0] * kernel * kernel)
        case let dense as DenseLayer:
            let units = dense.units
            forward = 2 * Double(units * input.reduce(1, *))
        default:
            continue
        }
        total += forward * (first ? 2 : 3)
        first = false
    }
    return total
}

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
        switch spec.kind {
        case let conv as ConvolutionLayer:
            let (filters, kernel) = (conv.filters, conv.kernel)
            let patch = input[0] * kernel * kernel, positions = output[1] * output[2]
            let name = "conv\(index + 1)"
            shapes.append(GemmShape(name: "\(name) fwd", m: filters, n: positions, k: patch, perImage: 1))
            shapes.append(GemmShape(name: "\(name) dW", m: filters, n: patch, k: positions, transposeB: true, perImage: 1))
            if !first { shapes.append(GemmShape(name: "\(name) dX", m: patch, n: positions, k: filters, transposeA: true, perImage: 1)) }
            first = false
        case let dense as DenseLayer:
            let units = dense.units
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

func format(_ value: Double, _ digits: Int = 0) -> String { String(format: "%.\(digits)f", value) }
func rounded(_ value: Double, _ digits: Int = 1) -> Double {
    let scale = pow(10, Double(digits))
    return (value * scale).rounded() / scale
}

// MARK: - Main

let options = parseOptions()
ComputeThreads.set(options.threads)
let (images, split) = loadData(options)
let train = images.subset(split.train.map(Int.init)), validation = images.subset(split.validation.map(Int.init))
let test = images.subset(split.test.map(Int.init))
let backend = ComputeBackend.current
let coreName = backend.blasCore
let kernels = switch backend.kernels { case .avx512: "AVX512"; case .avx2: "AVX2"; case .portable: "DEFAULT" }
let peak = PeakThroughput.measure(threads: options.threads, seconds: 0.5)
let version = "0.1.0"
FileHandle.standardError.write(Data(
    "loom-bench: \(options.synthetic ? "synthetic" : "real") data, \(train.count)/\(validation.count)/\(test.count) images, \(options.threads) threads, batch \(options.batchSize), \(backend.kernels) kernels, products in \(backend.matrixKernels) (\(backend.matrixLibraryReason)), OpenBLAS core \(coreName) (\(backend.blasCoreReason)), FP32 FMA peak \(format(peak.flopsPerSecond / 1e9, 1)) GFLOP/s\n".utf8))

for name in options.models {
    guard let layers = referenceModels[name] else { fail("unknown model '\(name)'; use 'ref-cnn', 'ref-mlp' or 'strong-cnn'.") }
    let batch = options.batchSize
    let model = try! Sequential(inputShape: [1, 28, 28], layers: layers, seed: 0)
    let configuration = TrainingConfiguration(
        epochs: 1, batchSize: batch, optimizer: .adam(), learningRate: .constant(1e-3), seed: options.seed)
    var generator = SeededGenerator(seed: options.seed)
    var order = Array(0..<train.count)
    generator.shuffle(&order)
    let shuffled = train.subset(order)

    // Warm-up: a few batches so caches, page faults and thread pools are settled.
    var current = model
    if options.warmup > 0 {
        var warmup = try! Trainer(model: current, configuration: configuration)
        current = try! warmup.fit(training: shuffled.subset(Array(0..<min(train.count, batch * options.warmup)))).model
    }
    // Training speed: the best of `repeats` timed runs, each over its own consecutive batches.
    let runs = options.epoch ? 1 : options.repeats
    var trainRate = 0.0, trainCPU = 0.0, timedBatches = 0, lastLoss: Float = 0
    for repeatIndex in 0..<runs {
        let part: ImageSet
        if options.epoch {
            part = shuffled
        } else {
            let size = min(train.count, options.batches * batch)
            let begin = ((options.warmup + repeatIndex * options.batches) * batch) % max(1, train.count - size + 1)
            part = shuffled.subset(Array(begin..<(begin + size)))
        }
        var trainer = try! Trainer(model: current, configuration: configuration)
        let cpuBefore = cpuSeconds()
        let trained = try! trainer.fit(training: part)
        let cpuPerImage = (cpuSeconds() - cpuBefore) / Double(part.count)
        current = trained.model
        let record = trained.history[0]
        lastLoss = record.trainLoss
        timedBatches = configuration.batchesPerEpoch(count: part.count)
        if record.imagesPerSecond > trainRate { (trainRate, trainCPU) = (record.imagesPerSecond, cpuPerImage) }
    }

    // Inference speed: batches of 1000 over the validation part, the best of `repeats` passes.
    let inferModel = TrainedModel(model: current, history: [], pixelScaling: .unit, configuration: configuration)
    _ = try! inferModel.logits(for: validation.subset(Array(0..<min(validation.count, Sequential.inferenceBatch))))
    var inferRate = 0.0, inferCPU = 0.0
    for _ in 0..<options.repeats {
        let start = now(), startCPU = cpuSeconds()
        _ = try! inferModel.logits(for: validation)
        let rate = Double(validation.count) / (now() - start)
        if rate > inferRate { (inferRate, inferCPU) = (rate, (cpuSeconds() - startCPU) / Double(validation.count)) }
    }

    // bfloat16 inference (`precision: bf16`), where the processor has the instructions: its speed,
    // and how far its predictions are from Float32's on the same validation images.
    var bfloat16: (rate: Double, agreement: Double, accuracy: Double, accuracyFloat32: Double)?
    if BFloat16.availability.available {
        let reference = try! inferModel.logits(for: validation)
        var reduced = try! inferModel.logits(for: validation, precision: .bfloat16)
        var rate = 0.0
        for _ in 0..<options.repeats {
            let start = now()
            reduced = try! inferModel.logits(for: validation, precision: .bfloat16)
            rate = max(rate, Double(validation.count) / (now() - start))
        }
        let (a, b) = (reference.argmaxRows(), reduced.argmaxRows())
        let labels = (0..<validation.count).map { Int(validation.label(at: $0)) }
        /// The share of positions where two lists of classes agree.
        func agreement(_ x: [Int], _ y: [Int]) -> Double { Double(zip(x, y).filter { $0 == $1 }.count) / Double(x.count) }
        bfloat16 = (rate, agreement(a, b), agreement(b, labels), agreement(a, labels))
    }

    var line: [String: Any] = [
        "model": name, "framework": "loom", "framework_version": version, "threads": options.threads, "batch_size": batch,
        "parameters": model.parameterCount, "train_img_per_s": rounded(trainRate), "train_batches": timedBatches,
        "infer_img_per_s": rounded(inferRate), "repeats": runs, "epochs": 0, "train_seconds": NSNull(), "test_accuracy": NSNull(),
        "data": options.synthetic ? "synthetic" : "real", "openblas_core": coreName,
        "matrix_kernels": backend.matrixKernels, "train_loss": Double(lastLoss),
        "train_cpu_us_per_img": rounded(trainCPU * 1e6), "infer_cpu_us_per_img": rounded(inferCPU * 1e6),
        "kernels": kernels, "fma_peak_gflops": rounded(peak.flopsPerSecond / 1e9),
        "model_flops_per_img": modelFlopsPerImage(model).rounded(),
        "pct_of_fma_peak": rounded(100 * modelFlopsPerImage(model) * trainRate / peak.flopsPerSecond),
    ]
    var report = "\(name): \(model.parameterCount) parameters\n"
    report += "  training   \(format(trainRate)) img/s  (best of \(runs) × \(timedBatches) batches of \(batch), \(format(trainCPU * 1e6, 1)) CPU µs/img)\n"
    report += "  training at \(format(100 * modelFlopsPerImage(model) * trainRate / peak.flopsPerSecond, 1))% of the FP32 FMA peak (\(format(modelFlopsPerImage(model) / 1e6, 2)) MFLOP per image)\n"
    report += "  inference  \(format(inferRate)) img/s  (batches of \(Sequential.inferenceBatch), \(format(inferCPU * 1e6, 1)) CPU µs/img)\n"

    if let bfloat16 {
        line["infer_bf16_img_per_s"] = rounded(bfloat16.rate)
        line["bf16_prediction_agreement"] = rounded(bfloat16.agreement, 5)
        line["bf16_validation_accuracy"] = rounded(bfloat16.accuracy, 5)
        line["fp32_validation_accuracy"] = rounded(bfloat16.accuracyFloat32, 5)
        report += "  inference in bfloat16 (precision: bf16) \(format(bfloat16.rate)) img/s; the same prediction as Float32 for "
            + "\(format(100 * bfloat16.agreement, 2))% of the validation images (accuracy \(format(100 * bfloat16.accuracyFloat32, 2))% → "
            + "\(format(100 * bfloat16.accuracy, 2))%)\n"
    }

    if options.sgemm {
        let shapes = gemmShapes(model, batch: batch, threads: options.threads)
        var seconds = 0.0, cpuSecondsPerImage = 0.0, flops = 0.0
        var rates = [String: Double]()
        report += "  sgemm on the model's shapes (\(options.threads) threads, single-threaded sgemm each):\n"
        for shape in shapes {
            let (rate, perCPU) = measureGemm(shape, threads: options.threads)
            rates[shape.name] = rounded(rate)
            seconds += shape.flopsPerImage / (rate * 1e9)
            cpuSecondsPerImage += shape.flopsPerImage / (perCPU * 1e9)
            flops += shape.flopsPerImage
            report += "    \(shape.name.padding(toLength: 12, withPad: " ", startingAt: 0)) \(shape.m)×\(shape.k) · \(shape.k)×\(shape.n)  \(format(rate, 1)) GFLOP/s\n"
        }
        let limit = 1 / seconds
        report += "  training FLOPs per image (matrix products): \(format(flops / 1e6, 2)) MFLOP\n"
        report += "  sgemm-bound limit \(format(limit)) img/s; loom reaches \(format(100 * trainRate / limit, 1))% of it\n"
        report += "  in CPU time: the products alone take \(format(cpuSecondsPerImage * 1e6, 1)) µs/img, \(format(100 * cpuSecondsPerImage / trainCPU, 1))% of loom's \(format(trainCPU * 1e6, 1))\n"
        line["sgemm_cpu_us_per_img"] = rounded(cpuSecondsPerImage * 1e6)
        line["pct_of_sgemm_bound_cpu"] = rounded(100 * cpuSecondsPerImage / trainCPU)
        line["sgemm_gflops"] = rates
        line["sgemm_gflops_overall"] = rounded(flops / seconds / 1e9)
        line["train_flops_per_img"] = flops.rounded()
        line["sgemm_bound_img_per_s"] = limit.rounded()
        line["pct_of_sgemm_bound"] = rounded(100 * trainRate / limit)
    }

    if options.epochs > 0 {
        // A fresh model trained from scratch for the accuracy, validation measured per epoch.
        let fresh = try! Sequential(inputShape: [1, 28, 28], layers: layers, seed: options.seed)
        var full = configuration
        full.epochs = options.epochs
        var trainer = try! Trainer(model: fresh, configuration: full)
        let start = now()
        let trained = try! trainer.fit(training: train, validation: validation, epochEnded: { checkpoint in
            let record = checkpoint.history[checkpoint.history.count - 1]
            FileHandle.standardError.write(Data("\(name) epoch \(record.epoch): validation accuracy \(format(Double(record.validationAccuracy ?? 0), 4))\n".utf8))
        })
        line["epochs"] = options.epochs
        line["train_seconds"] = rounded(now() - start, 2)
        line["test_accuracy"] = rounded(Double(try! trained.evaluate(on: test).accuracy), 4)
        if BFloat16.availability.available {
            let predicted = try! trained.logits(for: test, precision: .bfloat16).argmaxRows()
            let correct = predicted.indices.filter { predicted[$0] == Int(test.label(at: $0)) }.count
            line["test_accuracy_bf16"] = rounded(Double(correct) / Double(test.count), 4)
            report += "  test accuracy with bfloat16 inference: \(line["test_accuracy_bf16"]!)\n"
        }
        report += "  \(options.epochs) epochs in \(format(now() - start, 1)) s (validation included): test accuracy \(line["test_accuracy"]!)\n"
    }
    if LayerProfile.isEnabled {
        report += "  time per layer (LOOM_PROFILE=layers; warm-up, timed runs and inference):\n"
        report += LayerProfile.report().split(separator: "\n").map { "    " + $0 }.joined(separator: "\n") + "\n"
        LayerProfile.reset()
    }
    let rss = peakResidentMegabytes()
    report += "  peak RSS \(format(rss)) MiB"
    line["peak_rss_mb"] = rounded(rss)
    FileHandle.standardError.write(Data((report + "\n").utf8))
    let json = try! JSONSerialization.data(withJSONObject: line, options: [.sortedKeys])
    print(String(decoding: json, as: UTF8.self))
    fflush(nil)
}
