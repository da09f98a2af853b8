import Analysis
import Dataset
import Engine
import Figures
import Foundation
import TensorCore

extension Action {
    /// `eda.noise`: how grainy the images are, per class, and the noisiest ones.
    public static let edaNoise = Action(
        name: "eda.noise",
        version: 1,
        summary: "Pixel noise: the residual after a 3×3 median (or Gaussian) filter, per class, with the noisiest images.",
        discussion: """
            Each image (grey, pixel / 255) is smoothed with a 3×3 filter, edge pixels repeated outside \
            the image: 'filter: median' removes speckles and one-pixel grain but keeps edges, \
            'filter: gaussian' ([1 2 1]ᵀ[1 2 1] / 16) also softens edges. The residual, image minus \
            filtered image, is what the filter took out; an image's noise is the RMS of its residual \
            over all pixels. The table gives, per class, the mean, median, 95th percentile and largest \
            noise of its images, the box plot their distribution, and the figure of the noisiest images \
            shows each with its residual map. Fine texture (knits, prints, lettering) counts as noise \
            here too: the measure says how much one-pixel detail an image has, not whether it is wrong.
            """,
        inputs: [EDAParameters.data],
        parameters: NoiseParameters.self,
        facts: [
            FactDeclaration("noisiest-class", .text, doc: "The class whose images have the largest mean noise."),
            FactDeclaration("noisiest-class-mean", .number, doc: "That class's mean RMS residual (pixel / 255)."),
            FactDeclaration("quietest-class", .text, doc: "The class whose images have the smallest mean noise."),
            FactDeclaration("quietest-class-mean", .number, doc: "That class's mean RMS residual (pixel / 255)."),
            FactDeclaration("mean", .number, doc: "The mean RMS residual over all images looked at."),
            FactDeclaration("p95", .number, doc: "The 95th percentile of the RMS residual over all images."),
            FactDeclaration("largest", .number, doc: "The RMS residual of the noisiest image."),
            FactDeclaration("images", .count, doc: "How many images were measured."),
        ],
        run: NoiseAction.run)
}

/// The parameters of `eda.noise`.
struct NoiseParameters: ParameterSet {
    var part = "train"
    var filter = "median"
    var show: Int = 8

    static let fields: [Field<Self>] = [
        EDAParameters.part(\.part),
        Field("filter", \.filter, .choice(ImageNoise.Filter.allCases.map(\.rawValue)),
              doc: "The 3×3 smoothing filter whose residual is the noise: 'median' keeps edges, 'gaussian' softens them."),
        Field("show", \.show, .integer(.closed(1, 32)), doc: "How many of the noisiest images to show with their residual maps."),
    ]
}

/// Per-image noise of a set of images and its summary per class.
struct NoiseSummary {
    /// The images measured, in the order of ``noise``.
    var indices: [Int32]
    /// The RMS residual of each image.
    var noise: [Double]
    /// The class of each image.
    var labels: [Int]

    /// Measures every image at `indices` (grey planes of `data`) with `filter`, in parallel.
    init(data: EDAData, indices: [Int32], filter: ImageNoise.Filter) {
        self.indices = indices
        labels = indices.map { Int(data.images.labels[Int($0)]) }
        var noise = [Double](repeating: 0, count: indices.count)
        noise.withUnsafeMutableBufferPointer { out in
            let buffer = _NoiseBuffer(out)
            parallelFor(count: indices.count, minimumPerThread: 256) { _, range in
                for position in range {
                    let plane = data.greyPlane(ofImage: Int(indices[position]))
                    buffer.write(position, ImageNoise.rms(ImageNoise.residual(plane, height: data.height, width: data.width,
                                                                             filter: filter)))
                }
            }
        }
        self.noise = noise
    }

    /// The noise of the images of class `label`, sorted.
    func sorted(ofClass label: Int) -> [Double] {
        zip(noise, labels).filter { $0.1 == label }.map(\.0).sorted()
    }

    /// The positions (into ``indices``) of the `count` noisiest images, noisiest first; ties by index.
    func noisiest(_ count: Int) -> [Int] {
        Array(noise.indices.sorted { noise[$0] != noise[$1] ? noise[$0] > noise[$1] : indices[$0] < indices[$1] }.prefix(count))
    }
}

/// Lets the chunks of ``parallelFor`` write disjoint positions of one buffer.
private struct _NoiseBuffer: @unchecked Sendable {
    let pointer: UnsafeMutableBufferPointer<Double>
    init(_ pointer: UnsafeMutableBufferPointer<Double>) { self.pointer = pointer }
    func write(_ index: Int, _ value: Double) { pointer[index] = value }
}

enum NoiseAction {
    static func run(_ parameters: NoiseParameters, _ context: ActionContext) throws {
        let data = try EDAData.load(context)
        let part = parameters.part
        let indices = data.indices(part)
        guard !indices.isEmpty else { throw context.error("The part '\(part)' has no images.", parameter: "part") }
        guard let filter = ImageNoise.Filter(rawValue: parameters.filter) else {
            throw context.error("Unknown filter '\(parameters.filter)'.", parameter: "filter")
        }
        context.progress.update(ProgressUpdate(completed: 0, total: 1, unit: "pass",
                                               message: "\(filter.rawValue) residual of \(Format.count(indices.count)) images"))
        let summary = NoiseSummary(data: data, indices: indices, filter: filter)
        let names = data.classNames
        let classes = data.classCount

        var table = Table(columns: ["class", "images", "mean", "median", "95th percentile", "largest"],
                          caption: "RMS residual after a 3×3 \(filter.rawValue) filter (pixel / 255), \(part) images")
        var means: [(label: Int, mean: Double)] = []
        for label in 0..<classes {
            let values = summary.sorted(ofClass: label)
            guard !values.isEmpty else {
                table.append([names[label], "0", "–", "–", "–", "–"])
                continue
            }
            let mean = values.reduce(0, +) / Double(values.count)
            means.append((label, mean))
            table.append([names[label], Format.count(values.count), Format.decimal(mean, 4),
                          Format.decimal(Descriptive.quantile(sorted: values, 0.5), 4),
                          Format.decimal(Descriptive.quantile(sorted: values, 0.95), 4), Format.decimal(values.last ?? 0, 4)])
        }
        let all = summary.noise.sorted()
        let overall = all.reduce(0, +) / Double(all.count)
        let p95 = Descriptive.quantile(sorted: all, 0.95)
        table.append(["**all**", Format.count(all.count), Format.decimal(overall, 4),
                      Format.decimal(Descriptive.quantile(sorted: all, 0.5), 4), Format.decimal(p95, 4),
                      Format.decimal(all.last ?? 0, 4)])

        let ranked = means.sorted { $0.mean != $1.mean ? $0.mean > $1.mean : $0.label < $1.label }
        var intro = "The noise of an image is the RMS of what a 3×3 \(filter.rawValue) filter removes from it (pixel / 255). "
            + "Over \(EDAData.describe(part: part, count: indices.count)) it averages \(Format.decimal(overall, 4)) "
            + "(95th percentile \(Format.decimal(p95, 4)))"
        if let noisiest = ranked.first, let quietest = ranked.last {
            intro += "; \(names[noisiest.label]) is the noisiest class (mean \(Format.decimal(noisiest.mean, 4))), "
                + "\(names[quietest.label]) the quietest (\(Format.decimal(quietest.mean, 4)))"
            context.publish(fact: "noisiest-class", text: names[noisiest.label])
            context.publish(fact: "noisiest-class-mean", value: noisiest.mean)
            context.publish(fact: "quietest-class", text: names[quietest.label])
            context.publish(fact: "quietest-class-mean", value: quietest.mean)
        }
        context.emit(markdown: intro + ".")
        context.emit(table)
        context.publish(fact: "mean", value: overall)
        context.publish(fact: "p95", value: p95)
        context.publish(fact: "largest", value: all.last ?? 0)
        context.publish(fact: "images", value: Double(all.count), kind: .count)

        let groups = (0..<classes).map { DistributionGroup(name: names[$0], values: summary.sorted(ofClass: $0)) }
        let boxes = BoxPlot(groups: groups, title: "Noise per image, by class",
                            yLabel: "RMS residual (pixel / 255)")
        try context.emitFigure(name: "noise-by-class",
                               title: "Distribution of per-image noise (RMS residual after a 3×3 \(filter.rawValue) filter) in each class, \(part) images",
                               chart: boxes, size: Size(width: max(700, 80.0 * Double(classes) + 120), height: 420))

        try emitNoisiest(summary: summary, data: data, filter: filter, count: parameters.show, context: context)
    }

    /// The noisiest images above their residual maps, one colour bar for all maps.
    static func emitNoisiest(summary: NoiseSummary, data: EDAData, filter: ImageNoise.Filter, count: Int,
                             context: ActionContext) throws {
        let picks = summary.noisiest(count)
        let residuals = picks.map { position in
            ImageNoise.residual(data.greyPlane(ofImage: Int(summary.indices[position])), height: data.height, width: data.width,
                                filter: filter)
        }
        let extent = Double(max(residuals.flatMap { $0 }.map { abs($0) }.max() ?? 1, 1e-3))
        var pictures: [GridImage] = []
        for position in picks {
            let index = Int(summary.indices[position])
            pictures.append(data.picture(ofImage: index, caption: "\(data.classNames[summary.labels[position]]) #\(index)"))
        }
        for (row, position) in picks.enumerated() {
            pictures.append(EDAPictures.colored(residuals[row], width: data.width, height: data.height, map: .coolwarm,
                                                range: Float(-extent)...Float(extent),
                                                caption: "RMS \(Format.decimal(summary.noise[position], 3))"))
        }
        let bar = ColorBar(colorMap: .coolwarm, range: -extent...extent, label: "residual", rows: 1..<2)
        try context.emitFigure(
            name: "noisiest",
            title: "The \(picks.count) noisiest images (top, with class and image number) and their residual maps in pixel / 255 (bottom): red where the image is brighter than its 3×3 \(filter.rawValue), blue where darker",
            chart: ImageGrid(images: pictures, columns: picks.count, rowLabels: ["image", "residual"], pictureSide: 84,
                             colorBars: [bar]))
    }
}
