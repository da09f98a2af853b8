import Analysis
import Dataset
import Engine
import Figures
import Foundation

extension Action {
    /// `eda.heatmap`: how pixels move together.
    public static let edaHeatmap = Action(
        name: "eda.heatmap",
        version: 3,
        summary: "The pixel-pixel correlation matrix as a heatmap, and correlation against the distance between pixels.",
        discussion: """
            Pixel i of the heatmap is row i / width, column i mod width of the image (grey: the mean \
            over channels), so the matrix shows bands: neighbours in a row sit next to each other, \
            neighbours in a column one image width apart. Pearson correlation over the chosen images \
            (one BLAS product Xᵀ·X); a pixel that never changes has no correlation and is left blank. \
            The distance chart groups all pairs by their distance in pixels (rounded) and shows the mean \
            and the 10th and 90th percentiles of their correlation. 'per-class: true' adds the same for \
            each class alone, which removes the correlation that comes only from classes having \
            different shapes.
            """,
        inputs: [EDAParameters.data],
        parameters: HeatmapParameters.self,
        facts: [
            FactDeclaration("pixels", .count, doc: "How many pixels (grey, per image) are correlated."),
            FactDeclaration("images", .count, doc: "Over how many images."),
            FactDeclaration("pairs", .count, doc: "The pixel pairs with a correlation (both pixels not constant)."),
            FactDeclaration("mean", .number, doc: "The mean correlation over those pairs."),
            FactDeclaration("strong-share", .percentage, doc: "The share of pairs with |r| > 0.5."),
            FactDeclaration("most-negative", .number, doc: "The most negative correlation of any pair."),
            FactDeclaration("most-negative-pair", .text, doc: "Its two pixels, as '(row, column) and (row, column)'."),
            FactDeclaration("constant", .count, doc: "Pixels that never change (no correlation defined)."),
            FactDeclaration("farthest", .count, doc: "The largest distance between two pixels, rounded to whole pixels."),
            .family("r", suffix: "distance", .number, doc: "The mean correlation of the pairs at one distance in pixels, e.g. r.1."),
            .family("p10", suffix: "distance", .number, doc: "The 10th percentile of the correlation at one distance, e.g. p10.3."),
            .family("p90", suffix: "distance", .number, doc: "The 90th percentile of the correlation at one distance, e.g. p90.20."),
        ],
        run: HeatmapAction.run)
}

/// Correlation between pixel pairs grouped by the distance between the pixels.
struct CorrelationByDistance {
    /// Distances (rounded to whole pixels), ascending.
    var distances: [Int]
    var mean: [Double]
    var lower: [Double]
    var upper: [Double]
    var pairs: [Int]

    /// Groups the pairs `i < j` of a `height·width`-square correlation matrix by
    /// `round(√(Δrow² + Δcolumn²))`, ignoring NaN entries.
    init(correlation: [Double], height: Int, width: Int, lowerQuantile: Double = 0.1, upperQuantile: Double = 0.9) {
        let n = height * width
        let largest = Int((Double((height - 1) * (height - 1) + (width - 1) * (width - 1))).squareRoot().rounded())
        var groups = [[Double]](repeating: [], count: largest + 1)
        for i in 0..<n {
            let ri = i / width, ci = i % width
            for j in (i + 1)..<max(i + 1, n) {
                let r = correlation[i * n + j]
                guard r.isFinite else { continue }
                let dr = Double(j / width - ri), dc = Double(j % width - ci)
                groups[Int((dr * dr + dc * dc).squareRoot().rounded())].append(r)
            }
        }
        distances = []; mean = []; lower = []; upper = []; pairs = []
        for (distance, group) in groups.enumerated() where !group.isEmpty {
            let sorted = group.sorted()
            distances.append(distance)
            mean.append(sorted.reduce(0, +) / Double(sorted.count))
            lower.append(Descriptive.quantile(sorted: sorted, lowerQuantile))
            upper.append(Descriptive.quantile(sorted: sorted, upperQuantile))
            pairs.append(sorted.count)
        }
    }
}

/// The parameters of `eda.heatmap`.
struct HeatmapParameters: ParameterSet {
    var part = "train"
    var perClass: Bool = false

    static let fields: [Field<Self>] = [
        EDAParameters.part(\.part),
        Field("per-class", \.perClass, .boolean, doc: "Also show one heatmap and one distance curve per class."),
    ]
}

enum HeatmapAction {
    /// The correlation matrix of the grey planes of the images at `indices`.
    static func correlation(data: EDAData, indices: [Int32]) -> [Double] {
        let plane = data.plane
        let (_, covariance) = PixelAlgebra.covariance(count: indices.count, dimension: plane) { range in
            var rows = [Float](repeating: 0, count: range.count * plane)
            for (row, position) in range.enumerated() {
                data.writeGreyPlane(ofImage: Int(indices[position]), into: &rows, at: row * plane)
            }
            return rows
        }
        return PixelAlgebra.correlation(fromCovariance: covariance, dimension: plane)
    }

    /// A matrix ready to draw: averaged over `factor × factor` blocks so it has at most `largest`
    /// rows (nearest-neighbour scaling of a larger one would alias into moiré), and rounded to
    /// steps of 0.05 (a colour bar cannot show finer steps, and the PNG stays small). NaN counts as 0.
    static func displayed(_ matrix: [Double], dimension: Int, largest: Int = 400) -> (values: [Double], dimension: Int, factor: Int) {
        let factor = max(1, (dimension + largest - 1) / largest)
        let size = (dimension + factor - 1) / factor
        var sums = [Double](repeating: 0, count: size * size)
        var counts = [Int](repeating: 0, count: size * size)
        for i in 0..<dimension {
            for j in 0..<dimension {
                let target = (i / factor) * size + j / factor
                let value = matrix[i * dimension + j]
                sums[target] += value.isFinite ? value : 0
                counts[target] += 1
            }
        }
        let values = zip(sums, counts).map { sum, count in ((sum / Double(max(1, count))) * 20).rounded() / 20 }
        return (values, size, factor)
    }

    /// The heatmap's title, honest about pooling: `784×784 pixel correlations` when every pair
    /// is drawn, `784×784 pixel correlations, 2×2 block means (392×392)` when blocks are averaged.
    static func matrixTitle(plane: Int, shown: (values: [Double], dimension: Int, factor: Int)) -> String {
        let full = "\(plane)×\(plane) pixel correlations"
        guard shown.factor > 1 else { return full }
        return full + ", \(shown.factor)×\(shown.factor) block means (\(shown.dimension)×\(shown.dimension))"
    }

    static func run(_ parameters: HeatmapParameters, _ context: ActionContext) throws {
        let data = try EDAData.load(context)
        let part = parameters.part
        let indices = data.indices(part)
        guard indices.count >= 2 else { throw context.error("The part '\(part)' has fewer than 2 images.", parameter: "part") }
        let height = data.height, width = data.width, plane = data.plane
        let perClass = parameters.perClass
        context.progress.update(ProgressUpdate(completed: 0, total: perClass ? data.classCount + 1 : 1, unit: "matrix",
                                               message: "correlation of \(plane) pixels"))
        let matrix = correlation(data: data, indices: indices)
        let constant = (0..<plane).filter { !matrix[$0 * plane + $0].isFinite }.count
        let byDistance = CorrelationByDistance(correlation: matrix, height: height, width: width)
        var offDiagonal = 0, strong = 0
        var sum = 0.0
        for i in 0..<plane {
            for j in (i + 1)..<max(i + 1, plane) where matrix[i * plane + j].isFinite {
                offDiagonal += 1
                sum += matrix[i * plane + j]
                if abs(matrix[i * plane + j]) > 0.5 { strong += 1 }
            }
        }
        let negative = matrix.filter { $0.isFinite && $0 < 0 }
        publishFacts(context, matrix: matrix, height: height, width: width, images: indices.count, pairs: offDiagonal,
                     mean: sum / Double(max(1, offDiagonal)), strong: Double(strong) / Double(max(1, offDiagonal)),
                     constant: constant, byDistance: byDistance)
        context.emit(markdown: "Correlations of \(Format.count(plane)) pixels over \(Format.count(indices.count)) \(part) images: "
                     + "mean \(Format.decimal(sum / Double(max(1, offDiagonal)))) over \(Format.count(offDiagonal)) pairs, "
                     + "\(Format.percent(Double(strong) / Double(max(1, offDiagonal)))) of pairs have |r| > 0.5, the most negative is "
                     + "\(Format.decimal(negative.min() ?? 0)). "
                     + (constant > 0 ? "\(constant) pixels are constant (no correlation defined; blank in the heatmap)."
                                     : "No pixel is constant."))

        var table = Table(columns: ["distance (px)", "pairs", "mean r", "10th percentile", "90th percentile"],
                          caption: "Correlation against distance between pixels")
        let listed: Set<Int> = [1, 2, 3, 4, 6, 8, 10, 14, 20, 28, 40, 56, 80, 112]
        for (position, distance) in byDistance.distances.enumerated()
        where listed.contains(distance) || position == byDistance.distances.count - 1 {
            table.append(["\(distance)", Format.count(byDistance.pairs[position]), Format.decimal(byDistance.mean[position]),
                          Format.decimal(byDistance.lower[position]), Format.decimal(byDistance.upper[position])])
        }
        context.emit(table)

        let shown = displayed(matrix, dimension: plane)
        let axis = shown.factor == 1 ? "pixel (row-major index)" : "pixel (row-major index ÷ \(shown.factor))"
        let heatmap = Heatmap(values: shown.values, rows: shown.dimension, columns: shown.dimension, colorMap: .coolwarm,
                              range: -1...1, title: Self.matrixTitle(plane: plane, shown: shown), xLabel: axis, yLabel: axis,
                              colorBarLabel: "Pearson r")
        try context.emitFigure(name: "correlation", title: "Pixel-pixel correlation matrix (\(part) images)"
                                   + (shown.factor > 1 ? ", each cell the mean of a \(shown.factor)×\(shown.factor) block of pixel pairs" : ""),
                               chart: heatmap, size: Size(width: 640, height: 580))

        // The correlation of a few reference pixels with every other pixel, as maps.
        let references = [(height / 2, width / 2), (height / 4, width / 4), (height / 2, width / 8), (height * 3 / 4, width / 2)]
        let maps = references.map { row, column in
            let pixel = row * width + column
            return EDAPictures.colored((0..<plane).map { Float(matrix[pixel * plane + $0].isFinite ? matrix[pixel * plane + $0] : 0) },
                                       width: width, height: height, map: .coolwarm, range: -1...1,
                                       caption: "pixel (\(row), \(column))")
        }
        try context.emitFigure(name: "reference-maps",
                               title: "Correlation of four reference pixels (row, column) with every other pixel",
                               chart: ImageGrid(images: maps, columns: maps.count, pictureSide: 112,
                                                colorBars: [ColorBar(colorMap: .coolwarm, range: -1...1, label: "Pearson r")]))

        var series: [LineChart.Series] = [
            .init(name: "mean", x: byDistance.distances.map(Double.init), y: byDistance.mean),
            .init(name: "10th percentile", x: byDistance.distances.map(Double.init), y: byDistance.lower, style: .dotted,
                  color: Theme.colorblindPalette[0]),
            .init(name: "90th percentile", x: byDistance.distances.map(Double.init), y: byDistance.upper, style: .dashed,
                  color: Theme.colorblindPalette[0]),
        ]
        var classMatrices: [Heatmap] = []
        if perClass {
            series = [.init(name: "all classes", x: byDistance.distances.map(Double.init), y: byDistance.mean, color: .black)]
            for (label, name) in data.classNames.enumerated() {
                context.progress.update(ProgressUpdate(completed: label + 1, total: data.classCount + 1, unit: "matrix",
                                                       message: "class '\(name)'"))
                let members = indices.filter { Int(data.images.labels[Int($0)]) == label }
                guard members.count >= 2 else { continue }
                let classMatrix = correlation(data: data, indices: members)
                let curve = CorrelationByDistance(correlation: classMatrix, height: height, width: width)
                series.append(.init(name: name, x: curve.distances.map(Double.init), y: curve.mean,
                                    color: Theme.colorblindPalette[label % Theme.colorblindPalette.count]))
                let small = displayed(classMatrix, dimension: plane, largest: 200)
                classMatrices.append(Heatmap(values: small.values, rows: small.dimension, columns: small.dimension,
                                             colorMap: .coolwarm, range: -1...1, title: name))
            }
        }
        let distanceChart = LineChart(series: series, title: "Correlation against distance", xLabel: "distance between pixels (px)",
                                      yLabel: "Pearson r", markers: false, legendPlacement: perClass ? .outside : .best)
        try context.emitFigure(name: "correlation-distance", title: perClass
                                   ? "Mean correlation against distance, all images and each class (\(part) images)"
                                   : "Correlation against distance: mean and 10th/90th percentiles (\(part) images)",
                               chart: distanceChart, size: Size(width: perClass ? 820 : 680, height: 400))
        if !classMatrices.isEmpty {
            let columns = min(5, classMatrices.count)
            let rows = (classMatrices.count + columns - 1) / columns
            let factor = (plane + 199) / 200
            try context.emitFigure(name: "correlation-per-class",
                                   title: "Pixel correlation matrix within each class"
                                       + (factor > 1 ? " (each cell the mean of a \(factor)×\(factor) block of pixel pairs)" : ""),
                                   chart: FigureGrid(classMatrices, columns: columns),
                                   size: Size(width: Double(columns) * 260, height: Double(rows) * 230))
        }
    }
}

extension HeatmapAction {
    /// The facts of `eda.heatmap`: the summary of the matrix, its most negative pair, and the
    /// correlation at every distance.
    static func publishFacts(_ context: ActionContext, matrix: [Double], height: Int, width: Int, images: Int, pairs: Int,
                             mean: Double, strong: Double, constant: Int, byDistance: CorrelationByDistance) {
        let plane = height * width
        context.publish(fact: "pixels", value: Double(plane), kind: .count)
        context.publish(fact: "images", value: Double(images), kind: .count)
        context.publish(fact: "pairs", value: Double(pairs), kind: .count)
        context.publish(fact: "constant", value: Double(constant), kind: .count)
        if pairs > 0 {
            context.publish(fact: "mean", value: mean)
            context.publish(fact: "strong-share", value: strong, kind: .fraction)
        }
        var lowest: (i: Int, j: Int, r: Double)?
        for i in 0..<plane {
            for j in (i + 1)..<max(i + 1, plane) {
                let r = matrix[i * plane + j]
                if r.isFinite, r < (lowest?.r ?? .infinity) { lowest = (i, j, r) }
            }
        }
        if let lowest {
            context.publish(fact: "most-negative", value: lowest.r)
            context.publish(fact: "most-negative-pair",
                            text: "(\(lowest.i / width), \(lowest.i % width)) and (\(lowest.j / width), \(lowest.j % width))")
        }
        if let farthest = byDistance.distances.last { context.publish(fact: "farthest", value: Double(farthest), kind: .count) }
        for (position, distance) in byDistance.distances.enumerated() {
            context.publish(fact: "r.\(distance)", value: byDistance.mean[position])
            context.publish(fact: "p10.\(distance)", value: byDistance.lower[position])
            context.publish(fact: "p90.\(distance)", value: byDistance.upper[position])
        }
    }
}
