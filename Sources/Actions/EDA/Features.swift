import Analysis
import Dataset
import Engine
import Figures
import Foundation
import TensorCore

extension Action {
    /// `eda.features`: classic hand-made features, and how well each alone separates the classes.
    public static let edaFeatures = Action(
        name: "eda.features",
        version: 3,
        summary: "Sobel edges, local binary patterns and HOG: shown for samples and per class, and scored by nearest-centroid accuracy.",
        discussion: """
            Sobel: the edge magnitude √(gx² + gy²) of 3×3 Sobel gradients. LBP: rotation-invariant \
            uniform local binary patterns (8 neighbours, radius 1; codes 0–8 count the brighter \
            neighbours of a uniform pattern, 9 is any other), summarised as code histograms over a \
            'grid' × 'grid' tiling. HOG: 9-bin unsigned orientation histograms of 'cell' × 'cell' \
            pixel cells in L2-normalised 2×2-cell blocks (Dalal and Triggs). Each feature set alone, \
            standardised, feeds a nearest-centroid classifier fitted on the training part and scored \
            on 'on': a floor on what the feature carries about the class, next to raw pixels.
            """,
        inputs: [EDAParameters.data],
        parameters: FeaturesParameters.self,
        facts: FeaturesAction.facts,
        run: FeaturesAction.run)
}

/// The parameters of `eda.features`.
struct FeaturesParameters: ParameterSet {
    var on: String = "validation"
    var samples: Int = 6
    var cell: Int = 4
    var grid: Int = 4
    var seed = 0

    static let fields: [Field<Self>] = [
        Field("on", \.on, .choice(["validation", "test"]), doc: "The part the nearest-centroid accuracy is measured on (fitted on train)."),
        Field("samples", \.samples, .integer(.closed(1, 20)), doc: "Sample images shown with their features."),
        Field("cell", \.cell, .integer(.closed(2, 16)), doc: "HOG cell side in pixels."),
        Field("grid", \.grid, .integer(.closed(1, 8)), doc: "LBP histograms over a grid × grid tiling."),
        .seed(\.seed, doc: "Which sample images are shown."),
    ]
}

enum FeaturesAction {
    /// The feature sets, in table order.
    static let featureSets = ["raw pixels", "Sobel magnitude", "LBP histograms", "HOG"]

    /// All four feature vectors of the images at `indices`, one matrix per set (rows = images).
    static func featureMatrices(data: EDAData, indices: [Int32], cell: Int, grid: Int) -> [(dimension: Int, values: [Float])] {
        let height = data.height, width = data.width, plane = data.plane
        let hogDimension = ImageFeatures.hogDescriptor([Float](repeating: 0, count: plane), height: height, width: width,
                                                       cell: cell).count
        let dimensions = [plane, plane, grid * grid * ImageFeatures.patternCount, hogDimension]
        // Each chunk of images writes its own rows of these buffers.
        let shared = dimensions.map { dimension -> UnsafeMutableBufferPointer<Float> in
            let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: max(1, indices.count * dimension))
            buffer.initialize(repeating: 0)
            return buffer
        }
        defer { for buffer in shared { buffer.deallocate() } }
        parallelFor(count: indices.count, minimumPerThread: 256) { _, range in
            for row in range {
                let image = data.greyPlane(ofImage: Int(indices[row]))
                let sobel = ImageFeatures.sobelMagnitude(image, height: height, width: width)
                let codes = ImageFeatures.localBinaryPatterns(image, height: height, width: width)
                let lbp = ImageFeatures.patternHistograms(codes, height: height, width: width, grid: grid)
                let hog = ImageFeatures.hogDescriptor(image, height: height, width: width, cell: cell)
                for (set, vector) in [image, sobel, lbp, hog].enumerated() {
                    let dimension = dimensions[set]
                    for k in 0..<dimension { shared[set][row * dimension + k] = vector[k] }
                }
            }
        }
        return zip(dimensions, shared).map { dimension, buffer in (dimension, Array(buffer.prefix(indices.count * dimension))) }
    }

    static func run(_ parameters: FeaturesParameters, _ context: ActionContext) throws {
        let data = try EDAData.load(context)
        let on = parameters.on
        let cell = parameters.cell, grid = parameters.grid
        let height = data.height, width = data.width
        guard cell <= min(height, width) else {
            throw context.error("'cell' is \(cell) pixels but the images are only \(height)×\(width).", parameter: "cell")
        }
        let train = data.indices("train"), test = data.indices(on)
        guard !train.isEmpty, !test.isEmpty else { throw context.error("The train and '\(on)' parts need images.", parameter: "on") }
        let classes = data.classCount, names = data.classNames

        context.progress.update(ProgressUpdate(completed: 0, total: 2, unit: "part", message: "features of train"))
        let trainFeatures = featureMatrices(data: data, indices: train, cell: cell, grid: grid)
        context.progress.update(ProgressUpdate(completed: 1, total: 2, unit: "part", message: "features of \(on)"))
        let testFeatures = featureMatrices(data: data, indices: test, cell: cell, grid: grid)
        let trainLabels = train.map { Int(data.images.labels[Int($0)]) }
        let testLabels = test.map { Int(data.images.labels[Int($0)]) }

        var accuracy = Table(columns: ["feature set", "dimensions", "nearest-centroid accuracy"],
                             caption: "How well each feature set alone separates the classes (fitted on train, scored on \(on))")
        var perClass = [[Double]]()
        for set in 0..<Self.featureSets.count {
            let predictions = ImageFeatures.nearestCentroid(train: trainFeatures[set].values, trainLabels: trainLabels,
                                                            test: testFeatures[set].values,
                                                            dimension: trainFeatures[set].dimension, classCount: classes)
            let correct = zip(predictions, testLabels).filter { $0 == $1 }.count
            accuracy.append([Self.featureSets[set], Format.count(trainFeatures[set].dimension),
                             Format.percent(Double(correct) / Double(testLabels.count))])
            var hits = [Int](repeating: 0, count: classes), totals = hits
            for (predicted, truth) in zip(predictions, testLabels) {
                totals[truth] += 1
                if predicted == truth { hits[truth] += 1 }
            }
            perClass.append((0..<classes).map { totals[$0] > 0 ? Double(hits[$0]) / Double(totals[$0]) : .nan })
        }
        context.emit(accuracy)
        publishAccuracy(context, perClass: perClass, names: names, testLabels: testLabels)
        var byClass = Table(columns: ["class"] + Self.featureSets, caption: "Nearest-centroid recall per class (\(on))")
        for label in 0..<classes {
            byClass.append([names[label]] + perClass.map { $0[label].isFinite ? Format.percent($0[label]) : "–" })
        }
        context.emit(byClass)

        // Samples: one image per class in turn, drawn with the seed.
        let seed = parameters.seed
        context.recordSeed(seed, purpose: "eda.features")
        let drawn = SamplesAction.draw(labels: data.images.labels, classCount: classes, from: train,
                                       count: parameters.samples, seed: UInt64(seed))
        var picks: [Int] = []
        var round = 0
        while picks.count < parameters.samples && round < parameters.samples {
            for group in drawn where round < group.count && picks.count < parameters.samples {
                picks.append(Int(group[round]))
            }
            round += 1
        }
        let scale = max(1, Int(SamplesAction.shownSide(max(height, width), target: 84)) / max(height, width))
        var rows: [[GridImage]] = [[], [], [], []]
        // One edge-magnitude range for every sample, so that its colour bar reads for all of them.
        let sobelPlanes = picks.map { ImageFeatures.sobelMagnitude(data.greyPlane(ofImage: $0), height: height, width: width) }
        let samplePeak = max(sobelPlanes.flatMap { $0 }.max() ?? 1, 1e-6)
        for (position, image) in picks.enumerated() {
            let plane = data.greyPlane(ofImage: image)
            let label = names[Int(data.images.labels[image])]
            rows[0].append(data.picture(ofImage: image, caption: label))
            rows[1].append(EDAPictures.grey(sobelPlanes[position], width: width, height: height, range: 0...samplePeak,
                                            caption: label))
            let codes = ImageFeatures.localBinaryPatterns(plane, height: height, width: width)
            rows[2].append(EDAPictures.colored(codes.map { Float($0) }, width: width, height: height, map: .viridis,
                                               range: 0...9, caption: label))
            let (cells, cellRows, cellColumns) = ImageFeatures.orientationHistograms(plane, height: height, width: width, cell: cell)
            let picture = ImageFeatures.hogPicture(cells, rows: cellRows, columns: cellColumns, cell: cell, scale: scale)
            rows[3].append(EDAPictures.grey(picture.pixels, width: picture.width, height: picture.height, range: 0...1,
                                            caption: label))
        }
        let rowLabels = ["image", "Sobel", "LBP code", "HOG"]
        try context.emitFigure(
            name: "feature-samples",
            title: "Sample training images and their features: Sobel edge magnitude, LBP code of each pixel (0–8 brighter neighbours of a uniform pattern, 9 other) and HOG cells",
            chart: ImageGrid(images: rows.flatMap { $0 }, columns: picks.count, rowLabels: rowLabels, pictureSide: 84,
                             colorBars: [ColorBar(colorMap: .gray, range: 0...Double(samplePeak), label: "edge magnitude", rows: 1..<2),
                                         ColorBar(colorMap: .viridis, range: 0...9, label: "LBP code", rows: 2..<3)]))

        // Per-class averages: the mean Sobel image and the mean HOG cells of each class.
        let plane = data.plane
        var sobelSums = [[Float]](repeating: [Float](repeating: 0, count: plane), count: classes)
        let cellRows = max(1, height / cell), cellColumns = max(1, width / cell)
        var hogSums = [[Float]](repeating: [Float](repeating: 0, count: cellRows * cellColumns * ImageFeatures.orientationBins),
                                count: classes)
        var patternSums = [[Double]](repeating: [Double](repeating: 0, count: ImageFeatures.patternCount), count: classes)
        var counts = [Int](repeating: 0, count: classes)
        for (row, index) in train.enumerated() {
            let label = trainLabels[row]
            counts[label] += 1
            let sobel = trainFeatures[1].values[(row * plane)..<((row + 1) * plane)]
            for (k, value) in sobel.enumerated() { sobelSums[label][k] += value }
            let image = data.greyPlane(ofImage: Int(index))
            let (cells, _, _) = ImageFeatures.orientationHistograms(image, height: height, width: width, cell: cell)
            for k in cells.indices { hogSums[label][k] += cells[k] }
            let lbpDimension = trainFeatures[2].dimension
            let lbp = trainFeatures[2].values[(row * lbpDimension)..<((row + 1) * lbpDimension)]
            for (k, value) in lbp.enumerated() { patternSums[label][k % ImageFeatures.patternCount] += Double(value) }
        }
        let sobelMeans = (0..<classes).map { label in sobelSums[label].map { $0 / Float(max(1, counts[label])) } }
        let hogMeans = (0..<classes).map { label in hogSums[label].map { $0 / Float(max(1, counts[label])) } }
        let sobelPeak = sobelMeans.flatMap { $0 }.max() ?? 1
        let hogPeak = hogMeans.flatMap { $0 }.max() ?? 1
        var averages: [GridImage] = []
        for label in 0..<classes {
            averages.append(EDAPictures.grey(sobelMeans[label], width: width, height: height, range: 0...sobelPeak,
                                             caption: names[label]))
        }
        for label in 0..<classes {
            let picture = ImageFeatures.hogPicture(hogMeans[label], rows: cellRows, columns: cellColumns, cell: cell, scale: scale,
                                                   peak: hogPeak)
            averages.append(EDAPictures.grey(picture.pixels, width: picture.width, height: picture.height, range: 0...1,
                                             caption: names[label]))
        }
        let averageLabels = ["mean Sobel", "mean HOG"]
        try context.emitFigure(
            name: "feature-class-means", title: "Per-class averages over the training part: Sobel edge magnitude and HOG cells",
            chart: ImageGrid(images: averages, columns: classes, rowLabels: averageLabels, pictureSide: 84,
                             colorBars: [ColorBar(colorMap: .gray, range: 0...Double(sobelPeak), label: "mean edge magnitude",
                                                  rows: 0..<1)]))

        let shares = (0..<classes).flatMap { label -> [Double] in
            let total = max(1e-12, patternSums[label].reduce(0, +))
            return patternSums[label].map { $0 / total }
        }
        publishCodes(context, patternSums: patternSums, names: names)
        let codeNames = (0..<ImageFeatures.patternCount).map { $0 == 9 ? "other" : "\($0)" }
        let heatmap = Heatmap(values: shares, rows: classes, columns: ImageFeatures.patternCount, rowLabels: names,
                              columnLabels: codeNames, colorMap: .viridis, annotate: true, valueDecimals: 2,
                              title: "Share of LBP codes per class", xLabel: "LBP code (brighter neighbours of a uniform pattern)",
                              colorBarLabel: "share of pixels")
        try context.emitFigure(name: "lbp-codes", title: "Share of each LBP code per class (training part)", chart: heatmap,
                               size: Size(width: 720, height: max(300, 36.0 * Double(classes) + 120)))
    }
}
