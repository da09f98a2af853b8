import Analysis
import Dataset
import Engine
import Figures
import Foundation

extension Action {
    /// `eda.embedding`: the images in two dimensions, coloured by class.
    public static let edaEmbedding = Action(
        name: "eda.embedding",
        version: 3,
        summary: "A 2-D PCA embedding of the images coloured by class, with the variance each component explains.",
        discussion: """
            Principal components of the pixel vectors (pixel / 255) of the chosen part, from the \
            covariance matrix (one BLAS product) by subspace iteration. The scatter shows 'points' \
            images drawn evenly from the classes on the first two components: classes whose clouds \
            overlap there are the ones a linear model finds hardest. The table gives the share of \
            the total variance explained by each of the first components and cumulatively.
            """,
        inputs: [EDAParameters.data],
        parameters: EmbeddingParameters.self,
        facts: [
            FactDeclaration("images", .count, doc: "How many images the components were computed from."),
            FactDeclaration("points", .count, doc: "How many images the scatter plot shows."),
            .family("variance", suffix: "component", .percentage, doc: "The share of the variance one component explains, e.g. variance.1."),
            .family("cumulative", suffix: "component", .percentage, doc: "The share the first components explain together, e.g. cumulative.10."),
        ],
        run: EmbeddingAction.run)
}

/// The parameters of `eda.embedding`.
struct EmbeddingParameters: ParameterSet {
    var part = "train"
    var points: Int = 3000
    var components: Int = 10
    var seed = 0

    static let fields: [Field<Self>] = [
        EDAParameters.part(\.part),
        Field("points", \.points, .integer(.closed(10, 20_000)), doc: "Images shown in the scatter plot."),
        Field("components", \.components, .integer(.closed(2, 100)), doc: "Components listed in the table."),
        .seed(\.seed, doc: "Which images are shown."),
    ]
}

enum EmbeddingAction {
    static func run(_ parameters: EmbeddingParameters, _ context: ActionContext) throws {
        let data = try EDAData.load(context)
        let part = parameters.part
        let indices = data.indices(part)
        guard indices.count >= 3 else { throw context.error("The part '\(part)' has fewer than 3 images.", parameter: "part") }
        let size = data.images.pixelsPerImage
        let components = min(parameters.components, size)
        let (mean, covariance) = PixelAlgebra.covariance(count: indices.count, dimension: size) { range in
            data.unitRows(indices[range])
        }
        let (values, vectors) = PixelAlgebra.principalComponents(of: covariance, dimension: size, count: components)
        let totalVariance = (0..<size).reduce(0.0) { $0 + covariance[$1 * size + $1] }
        var table = Table(columns: ["component", "variance", "share", "cumulative"],
                          caption: "Variance explained by the first \(components) principal components (\(part) images)")
        var cumulative = 0.0
        for (k, value) in values.enumerated() {
            cumulative += value / totalVariance
            table.append(["\(k + 1)", Format.decimal(value, 3), Format.percent(value / totalVariance),
                          Format.percent(cumulative)])
            if totalVariance > 0 {
                context.publish(fact: "variance.\(k + 1)", value: value / totalVariance, kind: .fraction)
                context.publish(fact: "cumulative.\(k + 1)", value: cumulative, kind: .fraction)
            }
        }
        context.publish(fact: "images", value: Double(indices.count), kind: .count)
        context.emit(table)

        let seed = parameters.seed
        context.recordSeed(seed, purpose: "eda.embedding")
        let perClass = max(1, parameters.points / data.classCount)
        let picks = SamplesAction.draw(labels: data.images.labels, classCount: data.classCount, from: indices,
                                       count: perClass, seed: UInt64(seed)).flatMap { $0 }
        let rows = data.unitRows(picks[...])
        let projected = PixelAlgebra.project(rows, count: picks.count, dimension: size, mean: mean.map { Float($0) },
                                             components: vectors, componentCount: components)
        let x = (0..<picks.count).map { Double(projected[$0 * components]) }
        let y = (0..<picks.count).map { Double(projected[$0 * components + 1]) }
        let labels = picks.map { Int(data.images.labels[Int($0)]) }
        context.publish(fact: "points", value: Double(picks.count), kind: .count)
        var scatter = ScatterPlot(x: x, y: y, labels: labels, classNames: data.classNames,
                                  xLabel: "PC 1 (\(Format.percent(values[0] / totalVariance)))",
                                  yLabel: "PC 2 (\(Format.percent(values[1] / totalVariance)))")
        scatter.markerSize = 4.5
        scatter.opacity = 0.8
        scatter.legendPlacement = .outside
        try context.emitFigure(name: "pca", title: "\(Format.count(picks.count)) \(part) images on the first two principal components, coloured by class (axis labels: share of the variance each explains)",
                               chart: scatter, size: Size(width: 760, height: 540))

        // The components themselves, as images of their pixel weights (first channel).
        let componentPictures = (0..<min(components, 8)).map { k -> GridImage in
            let vector = Array(vectors[(k * size)..<(k * size + data.plane)])
            // Each component scaled by its largest weight, so that one colour bar serves them all.
            let extent = max(vector.map { abs($0) }.max() ?? 1, .leastNormalMagnitude)
            return EDAPictures.colored(vector.map { $0 / extent }, width: data.width, height: data.height, map: .coolwarm,
                                       range: -1...1, caption: "PC \(k + 1)")
        }
        let weightBar = ColorBar(colorMap: .coolwarm, range: -1...1, label: "relative weight")
        try context.emitFigure(name: "components",
                               title: "The first principal components as images of their pixel weights, each divided by its largest |weight| (red: positive, blue: negative)",
                               chart: ImageGrid(images: componentPictures, columns: componentPictures.count, pictureSide: 84,
                                                colorBars: [weightBar]))
    }
}
