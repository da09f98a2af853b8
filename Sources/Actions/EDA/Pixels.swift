import Dataset
import Engine
import Figures
import Foundation

extension Action {
    /// `eda.pixels`: what the pixel values look like, overall and per class.
    public static let edaPixels = Action(
        name: "eda.pixels",
        version: 3,
        summary: "Mean and std images, the pixel-value histogram, and per-class brightness and contrast.",
        discussion: """
            Values are 'pixel / 255' in [0, 1]. The mean image of a class is the average of its \
            images pixel by pixel, the std image the standard deviation at each pixel: bright where \
            the class varies. An image's brightness is the mean of its pixels, its contrast their \
            standard deviation; the violins show how both are distributed within each class. The \
            table gives the numbers, and the overall mean and std are the constants to standardise \
            inputs with ('scale: standardize' in 'load').
            """,
        inputs: [EDAParameters.data],
        parameters: PixelsParameters.self,
        facts: [
            FactDeclaration("mean", .number, doc: "The mean of all pixel values (pixel / 255)."),
            FactDeclaration("std", .number, doc: "Their standard deviation."),
            FactDeclaration("images", .count, doc: "How many images were measured."),
            FactDeclaration("zero-share", .percentage, doc: "The share of pixel values that are exactly 0 (background)."),
            FactDeclaration("ink-share", .percentage, doc: "The share of pixel values at or above 'ink'."),
            FactDeclaration("saturated-share", .percentage, doc: "The share of pixel values at the maximum, 255."),
            FactDeclaration("mean-contrast", .number, doc: "The mean contrast (std of an image's pixels) over the images."),
            FactDeclaration("brightest-class", .text, doc: "The class with the largest mean brightness (mean pixel of an image)."),
            FactDeclaration("brightest-class-brightness", .number, doc: "That class's mean brightness."),
            FactDeclaration("darkest-class", .text, doc: "The class with the smallest mean brightness."),
            FactDeclaration("darkest-class-brightness", .number, doc: "That class's mean brightness."),
            FactDeclaration("steadiest-class", .text, doc: "The class whose images' brightness varies least (smallest std)."),
            FactDeclaration("steadiest-class-std", .number, doc: "That standard deviation of brightness across its images."),
            .family("brightness", suffix: "class", .number, doc: "The mean brightness of one class's images, e.g. brightness.Coat."),
            .family("brightness-std", suffix: "class", .number, doc: "The std of brightness across one class's images, e.g. brightness-std.Sneaker."),
            .family("contrast", suffix: "class", .number, doc: "The mean contrast of one class's images, e.g. contrast.Bag."),
        ],
        run: PixelsAction.run)
}

/// Pixel statistics of a set of images, per class and overall.
struct PixelStatistics {
    /// Per class (and, last, all images): the mean grey plane.
    var meanImages: [[Float]]
    /// Per class (and, last, all images): the standard deviation of each grey pixel.
    var stdImages: [[Float]]
    /// Per class: each image's brightness (mean pixel value).
    var brightness: [[Double]]
    /// Per class: each image's contrast (standard deviation of its pixel values).
    var contrast: [[Double]]
    /// How many pixel values (every channel) equal each byte value 0…255.
    var histogram: [Int]
    /// Per class (and, last, all): the share of pixel values equal to 0.
    var backgroundShare: [Double]
    /// Per class (and, last, all): the share of pixel values at or above the ink threshold.
    var inkShare: [Double]
    /// Mean and standard deviation of all pixel values, per channel.
    var channelMean: [Double]
    var channelStd: [Double]

    /// Computes the statistics of the images at `indices`.
    ///
    /// Per-pixel moments use `Var = E[x²] − E[x]²` accumulated in double precision.
    init(data: EDAData, indices: [Int32], ink: Double) {
        let images = data.images
        let classes = data.classCount
        let plane = data.plane
        let size = images.pixelsPerImage
        let inkByte = UInt8(min(255, max(0, (ink * 255).rounded(.up))))
        var sums = [[Double]](repeating: [Double](repeating: 0, count: plane), count: classes + 1)
        var squares = sums
        var imageCounts = [Int](repeating: 0, count: classes + 1)
        var zeros = [Int](repeating: 0, count: classes + 1)
        var inks = [Int](repeating: 0, count: classes + 1)
        var brightness = [[Double]](repeating: [], count: classes)
        var contrast = [[Double]](repeating: [], count: classes)
        var histogram = [Int](repeating: 0, count: 256)
        var channelSums = [Double](repeating: 0, count: data.channels)
        var channelSquares = [Double](repeating: 0, count: data.channels)
        var grey = [Float](repeating: 0, count: plane)
        images.pixels.withUnsafeBufferPointer { pixels in
            for index in indices {
                let image = Int(index)
                let label = Int(images.labels[image])
                let base = image * size
                var sum = 0, square = 0, zero = 0, inked = 0
                for channel in 0..<data.channels {
                    var channelSum = 0, channelSquare = 0
                    for offset in (channel * plane)..<((channel + 1) * plane) {
                        let value = pixels[base + offset]
                        let int = Int(value)
                        channelSum += int
                        channelSquare += int * int
                        histogram[int] += 1
                        if value == 0 { zero += 1 }
                        if value >= inkByte { inked += 1 }
                    }
                    sum += channelSum
                    square += channelSquare
                    channelSums[channel] += Double(channelSum)
                    channelSquares[channel] += Double(channelSquare)
                }
                let mean = Double(sum) / Double(size) / 255
                let variance = max(0, Double(square) / Double(size) / 65025 - mean * mean)
                brightness[label].append(mean)
                contrast[label].append(variance.squareRoot())
                data.writeGreyPlane(ofImage: image, into: &grey, at: 0)
                for target in [label, classes] {
                    imageCounts[target] += 1
                    zeros[target] += zero
                    inks[target] += inked
                    for pixel in 0..<plane {
                        let value = Double(grey[pixel])
                        sums[target][pixel] += value
                        squares[target][pixel] += value * value
                    }
                }
            }
        }
        self.brightness = brightness
        self.contrast = contrast
        self.histogram = histogram
        meanImages = []
        stdImages = []
        for group in 0...classes {
            let n = Double(max(1, imageCounts[group]))
            meanImages.append(sums[group].map { Float($0 / n) })
            stdImages.append(zip(sums[group], squares[group]).map { sum, square in
                Float(max(0, square / n - (sum / n) * (sum / n)).squareRoot())
            })
        }
        backgroundShare = (0...classes).map { Double(zeros[$0]) / Double(max(1, imageCounts[$0] * size)) }
        inkShare = (0...classes).map { Double(inks[$0]) / Double(max(1, imageCounts[$0] * size)) }
        let perChannel = Double(max(1, indices.count * plane))
        channelMean = channelSums.map { $0 / perChannel / 255 }
        channelStd = zip(channelSums, channelSquares).map { sum, square in
            let mean = sum / perChannel / 255
            return max(0, square / perChannel / 65025 - mean * mean).squareRoot()
        }
    }
}

/// The parameters of `eda.pixels`.
struct PixelsParameters: ParameterSet {
    var part = "train"
    var ink: Double = 0.5

    static let fields: [Field<Self>] = [
        EDAParameters.part(\.part),
        Field("ink", \.ink, .number(.openClosed(0, 1)), doc: "Pixels at or above this value (in [0, 1]) count as bright 'ink' in the table."),
    ]
}

enum PixelsAction {
    static func mean(_ values: [Double]) -> Double { values.isEmpty ? .nan : values.reduce(0, +) / Double(values.count) }
    static func std(_ values: [Double]) -> Double {
        guard values.count > 1 else { return .nan }
        let m = mean(values)
        return (values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(values.count - 1)).squareRoot()
    }

    static func run(_ parameters: PixelsParameters, _ context: ActionContext) throws {
        let data = try EDAData.load(context)
        let part = parameters.part
        let indices = data.indices(part)
        guard !indices.isEmpty else { throw context.error("The part '\(part)' has no images.", parameter: "part") }
        let ink = parameters.ink
        let stats = PixelStatistics(data: data, indices: indices, ink: ink)
        let names = data.classNames
        let classes = data.classCount

        let overallMean = stats.channelMean.reduce(0, +) / Double(stats.channelMean.count)
        let overallStd = stats.channelStd.reduce(0, +) / Double(stats.channelStd.count)
        var intro = "Over \(EDAData.describe(part: part, count: indices.count)), pixel values (pixel / 255) have mean "
            + "\(Format.decimal(overallMean)) and standard deviation \(Format.decimal(overallStd)); "
            + "\(Format.percent(stats.backgroundShare[classes])) of all pixel values are exactly 0 (background)."
        if data.channels > 1 {
            intro += " Per channel: " + stats.channelMean.indices.map {
                "channel \($0): mean \(Format.decimal(stats.channelMean[$0])), std \(Format.decimal(stats.channelStd[$0]))"
            }.joined(separator: "; ") + "."
        }
        context.emit(markdown: intro)

        var table = Table(columns: ["class", "images", "brightness (mean)", "brightness (std)", "contrast (mean)",
                                    "background (= 0)", "ink (≥ \(Format.decimal(ink, 2)))"],
                          caption: "Per-image brightness (mean pixel) and contrast (std of pixels), \(part) images")
        for label in 0..<classes {
            table.append([names[label], Format.count(stats.brightness[label].count),
                          Format.decimal(mean(stats.brightness[label])), Format.decimal(std(stats.brightness[label])),
                          Format.decimal(mean(stats.contrast[label])), Format.percent(stats.backgroundShare[label]),
                          Format.percent(stats.inkShare[label])])
        }
        let allBrightness = stats.brightness.flatMap { $0 }, allContrast = stats.contrast.flatMap { $0 }
        table.append(["**all**", Format.count(indices.count), Format.decimal(mean(allBrightness)),
                      Format.decimal(std(allBrightness)), Format.decimal(mean(allContrast)),
                      Format.percent(stats.backgroundShare[classes]), Format.percent(stats.inkShare[classes])])
        context.emit(table)
        publishFacts(context, stats: stats, names: names, mean: overallMean, std: overallStd, images: indices.count,
                     contrast: mean(allContrast))

        // Mean and std images: "all" first, then each class; one shared grey range per row.
        let order = [classes] + Array(0..<classes)
        let captions = ["all"] + names
        let meanHigh = stats.meanImages.flatMap { $0 }.max() ?? 1
        let stdHigh = stats.stdImages.flatMap { $0 }.max() ?? 1
        var pictures: [GridImage] = []
        for (position, group) in order.enumerated() {
            pictures.append(EDAPictures.grey(stats.meanImages[group], width: data.width, height: data.height,
                                             range: 0...meanHigh, caption: captions[position]))
        }
        for (position, group) in order.enumerated() {
            pictures.append(EDAPictures.colored(stats.stdImages[group], width: data.width, height: data.height,
                                                map: .viridis, range: 0...stdHigh, caption: captions[position]))
        }
        let bars = [ColorBar(colorMap: .gray, range: 0...Double(meanHigh), label: "mean", rows: 0..<1),
                    ColorBar(colorMap: .viridis, range: 0...Double(stdHigh), label: "std", rows: 1..<2)]
        let grid = ImageGrid(images: pictures, columns: order.count, rowLabels: ["mean", "std"], pictureSide: 56,
                             colorBars: bars)
        try context.emitFigure(
            name: "mean-std-images",
            title: "Mean image (grey) and standard-deviation image (viridis) of pixel / 255 over all \(part) images and each class: bright where the class is bright on average (top) or varies most (bottom)",
            chart: grid)

        // Histogram: bands of values, then the distribution of non-zero values level by level.
        let total = Double(max(1, stats.histogram.reduce(0, +)))
        let bands: [(String, ClosedRange<Int>)] = [("0", 0...0), ("1–63", 1...63), ("64–127", 64...127),
                                                   ("128–191", 128...191), ("192–254", 192...254), ("255", 255...255)]
        let bandShares = bands.map { band in Double(band.1.reduce(0) { $0 + stats.histogram[$1] }) / total * 100 }
        let bandChart = BarChart(categories: bands.map(\.0), values: bandShares, title: "All pixel values",
                                 categoryLabel: "stored value (0…255)", valueLabel: "% of pixel values",
                                 showValues: true, valueDecimals: 1)
        let nonZero = Double(max(1, stats.histogram.dropFirst().reduce(0, +)))
        let levels = (1...255).map { Double($0) / 255 }
        let shares = (1...255).map { Double(stats.histogram[$0]) / nonZero * 100 }
        let lineChart = LineChart(series: [.init(name: "non-zero", x: levels, y: shares)],
                                  title: "Non-zero pixel values", xLabel: "pixel / 255",
                                  yLabel: "% of non-zero values", markers: false, legendPlacement: .hidden)
        try context.emitFigure(name: "pixel-histogram",
                               title: "Histogram of pixel values (\(part) images): the share of values in each band of stored values (left) and how the non-zero values are spread (right)",
                               chart: FigureGrid([bandChart, lineChart], columns: 2), size: Size(width: 980, height: 360))

        let brightnessPlot = ViolinPlot(groups: (0..<classes).map { DistributionGroup(name: names[$0], values: stats.brightness[$0]) },
                                        title: "Brightness: mean pixel value per image", yLabel: "mean of pixel / 255")
        let contrastPlot = ViolinPlot(groups: (0..<classes).map { DistributionGroup(name: names[$0], values: stats.contrast[$0]) },
                                      title: "Contrast: std of pixel values per image", yLabel: "std of pixel / 255")
        let width = max(700.0, min(1400, 80.0 * Double(classes) + 120))
        try context.emitFigure(name: "brightness-contrast",
                               title: "Per-image brightness (mean pixel, top) and contrast (std of the pixels, bottom) in each class, \(part) images; the bar spans the quartiles, the dot marks the median",
                               chart: FigureGrid([brightnessPlot, contrastPlot], columns: 1),
                               size: Size(width: width, height: 640))
    }
}

extension PixelsAction {
    /// The facts of `eda.pixels`: the overall statistics, the brightest, darkest and steadiest
    /// class, and each class's brightness and contrast.
    static func publishFacts(_ context: ActionContext, stats: PixelStatistics, names: [String], mean overall: Double,
                             std: Double, images: Int, contrast: Double) {
        let classes = names.count
        context.publish(fact: "mean", value: overall)
        context.publish(fact: "std", value: std)
        context.publish(fact: "images", value: Double(images), kind: .count)
        context.publish(fact: "zero-share", value: stats.backgroundShare[classes], kind: .fraction)
        context.publish(fact: "ink-share", value: stats.inkShare[classes], kind: .fraction)
        let values = Double(max(1, stats.histogram.reduce(0, +)))
        context.publish(fact: "saturated-share", value: Double(stats.histogram[255]) / values, kind: .fraction)
        if contrast.isFinite { context.publish(fact: "mean-contrast", value: contrast) }
        var brightness: [(label: Int, mean: Double, std: Double)] = []
        for label in 0..<classes where !stats.brightness[label].isEmpty {
            let classMean = mean(stats.brightness[label])
            context.publish(fact: "brightness.\(names[label])", value: classMean)
            context.publish(fact: "contrast.\(names[label])", value: mean(stats.contrast[label]))
            let spread = Self.std(stats.brightness[label])
            if spread.isFinite { context.publish(fact: "brightness-std.\(names[label])", value: spread) }
            brightness.append((label, classMean, spread))
        }
        // Ties go to the class listed first.
        let byMean = brightness.sorted { $0.mean != $1.mean ? $0.mean > $1.mean : $0.label < $1.label }
        if let brightest = byMean.first, let darkest = byMean.last {
            context.publish(fact: "brightest-class", text: names[brightest.label])
            context.publish(fact: "brightest-class-brightness", value: brightest.mean)
            context.publish(fact: "darkest-class", text: names[darkest.label])
            context.publish(fact: "darkest-class-brightness", value: darkest.mean)
        }
        if let steadiest = brightness.filter({ $0.std.isFinite })
            .min(by: { $0.std != $1.std ? $0.std < $1.std : $0.label < $1.label }) {
            context.publish(fact: "steadiest-class", text: names[steadiest.label])
            context.publish(fact: "steadiest-class-std", value: steadiest.std)
        }
    }
}
