import Foundation
import TensorCore

/// Every chart kind drawn from synthetic, seeded data: a showcase and a visual regression set.
///
/// ```swift
/// let files = try Gallery.renderAll(to: URL(fileURLWithPath: "gallery"))
/// ```
public enum Gallery {
    /// The Fashion-MNIST class names, used for the synthetic data's categories.
    public static let classNames = [
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
        "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    ]

    /// The gallery's figures, each with a file name stem.
    ///
    /// - Parameter scale: Pixels per point for every figure, 1 by default.
    /// - Returns: Named figures covering every chart kind and a two-panel ``FigureGrid``.
    public static func figures(scale: Double = 1) -> [(name: String, figure: Figure)] {
        var random = SplitMix64(seed: 2026)
        var list: [(String, Figure)] = []
        func add(_ name: String, _ chart: any Chart, title: String? = nil, size: Size? = nil) {
            list.append((name, Figure(chart, title: title, size: size, scale: scale)))
        }

        // Bars: class counts, grouped per-class metrics, horizontal.
        let counts = classNames.indices.map { 6000.0 - Double(($0 * 37) % 11) * 41 }
        add("bar-vertical", BarChart(categories: classNames, values: counts, title: "Training images per class",
                                     categoryLabel: "class", valueLabel: "images", showValues: true))
        let precision = classNames.indices.map { _ in 0.72 + 0.26 * random.unit() }
        let recall = classNames.indices.map { _ in 0.70 + 0.28 * random.unit() }
        let f1 = zip(precision, recall).map { 2 * $0 * $1 / ($0 + $1) }
        add("bar-grouped", BarChart(
            categories: classNames,
            series: [.init(name: "precision", values: precision), .init(name: "recall", values: recall),
                     .init(name: "F1", values: f1)],
            title: "Per-class precision, recall and F1", categoryLabel: "class", valueLabel: "score"))
        add("bar-horizontal", BarChart(categories: classNames, values: f1, orientation: .horizontal,
                                       title: "F1 score per class", valueLabel: "F1", showValues: true))

        // Histograms: one sample, and layered samples.
        let brightness = (0..<3000).map { _ in 0.29 + 0.09 * random.normal() }
        add("histogram", Histogram(values: brightness, title: "Mean pixel brightness", xLabel: "mean brightness"))
        let layered = ["Trouser", "Bag", "Sandal"].enumerated().map { index, name in
            Histogram.Series(name: name, values: (0..<1500).map { _ in 0.18 + 0.1 * Double(index) + 0.05 * random.normal() })
        }
        add("histogram-layered", Histogram(series: layered, density: true, title: "Brightness by class",
                                           xLabel: "mean brightness"))

        // Training curves: two panels side by side.
        let epochs = 12
        let trainLoss = (0..<epochs).map { epoch -> Double in
            let decay: Double = 0.6 * exp(-Double(epoch) / 2.5)
            return 0.25 + decay + 0.01 * random.normal()
        }
        let validationLoss = (0..<epochs).map { epoch -> Double in
            let t = Double(epoch)
            let decay: Double = 0.55 * exp(-t / 2.5)
            let overfit: Double = 0.001 * t * t
            return 0.3 + decay + overfit + 0.01 * random.normal()
        }
        let trainAccuracy = trainLoss.map { 1.02 - 0.3 * $0 }
        let validationAccuracy = validationLoss.map { 1.0 - 0.3 * $0 }
        let loss = LineChart(series: [.init(name: "train", values: trainLoss), .init(name: "validation", values: validationLoss)],
                             title: "Loss", xLabel: "epoch", yLabel: "cross-entropy")
        let accuracy = LineChart(series: [.init(name: "train", values: trainAccuracy),
                                          .init(name: "validation", values: validationAccuracy)],
                                 title: "Accuracy", xLabel: "epoch", yLabel: "accuracy")
        add("line", LineChart(
            series: ["MLP", "CNN", "CNN + dropout"].enumerated().map { index, name in
                .init(name: name, values: (0..<epochs).map { 0.78 + 0.05 * Double(index) + 0.1 * (1 - exp(-Double($0) / 3)) })
            },
            title: "Validation accuracy by model", xLabel: "epoch", yLabel: "accuracy"))
        add("training-curves", FigureGrid([loss, accuracy], columns: 2), title: "Training a CNN",
            size: Size(width: 960, height: 400))

        // Heatmaps: a confusion matrix and a large correlation matrix.
        var confusion = [Double](repeating: 0, count: 100)
        for row in 0..<10 {
            var remaining = 1000.0
            for column in 0..<10 where column != row {
                let similar = [0, 2, 4, 6].contains(row) && [0, 2, 4, 6].contains(column)
                    || [5, 7, 9].contains(row) && [5, 7, 9].contains(column)
                let value = (similar ? 25 + 60 * random.unit() : 6 * random.unit()).rounded()
                confusion[row * 10 + column] = value
                remaining -= value
            }
            confusion[row * 10 + row] = remaining
        }
        add("heatmap-confusion", Heatmap(values: confusion, rows: 10, columns: 10, rowLabels: classNames,
                                         columnLabels: classNames, colorMap: .blues, annotate: true,
                                         valueDecimals: 0, title: "Confusion matrix", xLabel: "predicted class",
                                         yLabel: "true class", colorBarLabel: "images"),
            size: Size(width: 720, height: 620))
        add("heatmap-correlation", Heatmap(values: correlationMatrix(side: 28), rows: 784, columns: 784,
                                           colorMap: .coolwarm, range: -1...1, title: "Pixel-pixel correlation",
                                           xLabel: "pixel", yLabel: "pixel", colorBarLabel: "Pearson r"))
        add("heatmap-viridis", Heatmap(values: (0..<(28 * 28)).map { i in
            let x = Double(i % 28) - 13.5, y = Double(i / 28) - 13.5
            return exp(-(x * x / 60 + y * y / 150)) * 0.8 + 0.05 * random.unit()
        }, rows: 28, columns: 28, title: "Mean image", colorBarLabel: "mean intensity"))

        // Distributions per class.
        let groups = classNames.enumerated().map { index, name in
            DistributionGroup(name: name, values: (0..<300).map { _ in
                0.15 + 0.04 * Double(index % 5) + 0.06 * (1 + Double(index % 3) * 0.4) * random.normal()
            } + (index == 3 ? [0.75, 0.8] : []))
        }
        add("box", BoxPlot(groups: groups, title: "Brightness per class", xLabel: "class", yLabel: "mean brightness"))
        add("violin", ViolinPlot(groups: Array(groups.prefix(6)), title: "Brightness per class",
                                 xLabel: "class", yLabel: "mean brightness"))

        // A 2-D embedding.
        var xs: [Double] = [], ys: [Double] = [], labels: [Int] = []
        for label in 0..<10 {
            let angle = Double(label) / 10 * 2 * Double.pi
            for _ in 0..<60 {
                xs.append(20 * cos(angle) + 4 * random.normal())
                ys.append(14 * sin(angle) + 3 * random.normal())
                labels.append(label)
            }
        }
        add("scatter", ScatterPlot(x: xs, y: ys, labels: labels, classNames: classNames,
                                   title: "2-D embedding of test images", xLabel: "component 1", yLabel: "component 2"),
            size: Size(width: 760, height: 480))

        // Over seeds: variants as mean ± sd on a zoomed axis, and curves with ± sd bands.
        let variants = ["relu 256×2", "gelu 256×2", "relu 128×2", "gelu 128×1", "tanh 256×1", "sigmoid 128×1"]
        let intervals = variants.indices.map { index -> IntervalChart.Interval in
            let seeds = (0..<3).map { _ in 0.889 - 0.0022 * Double(index) + 0.0012 * random.normal() }
            let mean = seeds.reduce(0, +) / 3
            let sd = (seeds.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 2).squareRoot()
            return IntervalChart.Interval(center: mean, lower: mean - sd, upper: mean + sd, samples: seeds)
        }
        let activations = ["relu", "gelu", "tanh", "sigmoid"]
        add("interval", IntervalChart(
            categories: variants,
            series: activations.map { activation in
                .init(name: activation, intervals: variants.indices.map { variants[$0].hasPrefix(activation + " ") ? intervals[$0] : nil })
            },
            title: "Validation accuracy by variant", categoryLabel: "variant",
            valueLabel: "validation accuracy (mean ± sd over 3 seeds)", legendPlacement: .outside),
            size: Size(width: 680, height: 300))
        let bandEpochs = (1...10).map(Double.init)
        let bandMean = bandEpochs.map { 0.92 - 0.12 * exp(-$0 / 2.5) }
        let bandSD = bandEpochs.map { 0.004 + 0.02 * exp(-$0 / 2) }
        add("line-band", LineChart(
            series: [.init(name: "validation (mean ± sd)", x: bandEpochs, y: bandMean,
                           band: .init(lower: zip(bandMean, bandSD).map(-), upper: zip(bandMean, bandSD).map(+)))],
            title: "Validation accuracy over 3 seeds", xLabel: "epoch", yLabel: "accuracy"))

        // Image grids: predictions with frames, and samples per class with row labels.
        let predictions = (0..<16).map { index -> GridImage in
            let truth = index % 10
            let guess = index % 5 == 3 ? (truth + 3) % 10 : truth
            return GridImage(image: syntheticGarment(kind: truth, seed: UInt64(index)),
                             caption: guess == truth ? classNames[guess] : "\(classNames[guess]) (\(classNames[truth]))",
                             frame: guess == truth ? .correct : .wrong)
        }
        add("image-grid-predictions", ImageGrid(images: predictions, columns: 8, title: "Predictions (true class in brackets)"))
        // A figure much wider than its pictures: long captions take wider columns, not their neighbours' space.
        add("image-grid-wide", ImageGrid(images: Array(predictions.prefix(6)).enumerated().map { index, item in
            var item = item
            item.caption = ["T-shirt/top (Shirt)", "Trouser", "Pullover (Coat)", "Ankle boot (Sneaker)", "Coat",
                            "Sandal (Sneaker)"][index]
            return item
        }, columns: 6, title: "Pictures in a wide figure"), size: Size(width: 900, height: 180))
        let samples = (0..<4).flatMap { row in
            (0..<6).map { column in GridImage(image: syntheticGarment(kind: row * 3, seed: UInt64(row * 10 + column))) }
        }
        add("image-grid-samples", ImageGrid(images: samples, columns: 6,
                                            rowLabels: [0, 3, 6, 9].map { classNames[$0] }, title: "Samples per class"))
        let rgb = (0..<5).map { index -> GridImage in
            let base = syntheticGarment(kind: 9, seed: 1)
            var pixels: [UInt8] = []
            for (i, value) in base.pixels.enumerated() {
                let x = i % 28
                let shifted = index == 1 ? base.pixels[i - x + min(27, x + 3)] : value
                let flipped = index == 2 ? base.pixels[i - x + (27 - x)] : shifted
                let y = i / 28
                let erased = index == 3 && (8..<16).contains(x) && (10..<18).contains(y) ? 0 : flipped
                pixels += index == 4 ? [erased, UInt8(Double(erased) * 0.6), 255 - erased] : [erased, erased, erased]
            }
            let names = ["original", "shifted", "flipped", "erased", "false colour"]
            return GridImage(pixels: pixels, width: 28, height: 28, channels: 3, caption: names[index])
        }
        add("image-grid-augment", ImageGrid(images: rgb, columns: 5, title: "Augmentations"))

        // Top-k probabilities, as predict draws them: small panels that share one value axis.
        let topK: [[(String, Double)]] = [
            [("Shirt", 0.48), ("T-shirt/top", 0.31), ("Pullover", 0.21)],
            [("Trouser", 1), ("Dress", 0), ("Bag", 0)],
            [("Ankle boot", 0.93), ("Sneaker", 0.06), ("Sandal", 0.01)],
        ]
        let panels = topK.enumerated().flatMap { index, best -> [any Chart] in
            let right = index != 0
            let color = right ? Color.correct : Color.wrong
            let kind = [6, 1, 9][index]
            return [ImageGrid(images: [GridImage(image: syntheticGarment(kind: kind, seed: UInt64(index)),
                                                 caption: "true: \(classNames[kind])", frame: color)], columns: 1),
                    BarChart(categories: best.map(\.0), series: [.init(name: "probability", values: best.map(\.1), color: color)],
                             orientation: .horizontal, showValues: true, valueDecimals: 2, valueRange: 0...1,
                             legendPlacement: .hidden)]
        }
        add("bar-top-k", FigureGrid(panels, columns: 6), title: "Top-3 probabilities", size: Size(width: 990, height: 180))

        // Word cloud.
        let weights = classNames.enumerated().map { ($0.element, [310, 80, 150, 95, 170, 60, 420, 120, 40, 130][$0.offset] as Double) }
            + [("collar", 70), ("sleeve", 55), ("heel", 35), ("strap", 28), ("zip", 22), ("buttons", 30), ("sole", 25)]
        add("wordcloud", WordCloud(words: weights, seed: 7, title: "Most confused classes"))
        return list
    }

    /// Renders every gallery figure into `directory` as `<name>.png`.
    ///
    /// - Parameters:
    ///   - directory: The folder to write into; created if missing.
    ///   - scale: Pixels per point, 1 by default.
    /// - Returns: The files written, in gallery order.
    /// - Throws: ``FiguresError/writeFailed(path:reason:)`` if the folder or a file cannot be
    ///   written, or a rendering error.
    @discardableResult
    public static func renderAll(to directory: URL, scale: Double = 1) throws -> [URL] {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw FiguresError.writeFailed(path: directory.path, reason: error.localizedDescription)
        }
        return try figures(scale: scale).map { name, figure in
            let url = directory.appendingPathComponent("\(name).png")
            try figure.write(to: url)
            return url
        }
    }

    /// A synthetic correlation matrix of the pixels of a `side × side` image: correlation
    /// decays with distance, `r = exp(−d / 4)`, and is weaker near the border.
    static func correlationMatrix(side: Int) -> [Double] {
        let count = side * side
        var values = [Double](repeating: 0, count: count * count)
        let centre = Double(side - 1) / 2
        for i in 0..<count {
            let (yi, xi) = (Double(i / side), Double(i % side))
            let wi = 1 - hypot(xi - centre, yi - centre) / (centre * 1.5)
            for j in 0..<count {
                let (yj, xj) = (Double(j / side), Double(j % side))
                let wj = 1 - hypot(xj - centre, yj - centre) / (centre * 1.5)
                let distance = hypot(xi - xj, yi - yj)
                values[i * count + j] = i == j ? 1 : exp(-distance / 4) * (0.2 + 0.8 * max(0, wi * wj)) - 0.15 * (1 - max(0, wi * wj))
            }
        }
        return values
    }

    /// A 28×28 grey picture that looks a little like a garment of the given class.
    static func syntheticGarment(kind: Int, seed: UInt64) -> PNGImage {
        var random = SplitMix64(seed: seed &+ UInt64(kind) &* 1000)
        var pixels = [UInt8](repeating: 0, count: 28 * 28)
        let jitter = random.unit() * 2 - 1
        for y in 0..<28 {
            for x in 0..<28 {
                let u = (Double(x) - 13.5) / 13.5, v = (Double(y) - 13.5) / 13.5
                let inside: Bool
                switch kind % 10 {
                case 0, 2, 4, 6: inside = abs(u) < (v < -0.4 ? 0.95 : 0.55 + 0.05 * jitter) && abs(v) < 0.85
                case 1: inside = abs(v) < 0.9 && (abs(u + 0.25) < 0.18 || abs(u - 0.25) < 0.18) || (v < -0.7 && abs(u) < 0.45)
                case 3: inside = abs(v) < 0.9 && abs(u) < 0.25 + 0.35 * (v + 1) / 2
                case 5, 7, 9: inside = v > 0.1 - 0.2 * jitter && v < 0.6 && abs(u) < 0.85 || (kind == 9 && u > 0.2 && v > -0.6 && v < 0.6)
                default: inside = abs(u) < 0.7 && v > -0.3 && v < 0.75 || (abs(u) < 0.45 && abs(v + 0.5) < 0.08)
                }
                let shade = 120 + 100 * (1 - abs(v)) + 25 * random.unit()
                pixels[y * 28 + x] = inside ? UInt8(min(255, shade)) : 0
            }
        }
        return PNGImage(width: 28, height: 28, channels: 1, pixels: pixels)
    }
}
