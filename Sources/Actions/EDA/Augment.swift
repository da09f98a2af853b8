import Dataset
import Engine
import Figures
import Foundation
import TensorCore

extension Action {
    /// `eda.augment`: what training's augmentations do to real images.
    public static let edaAugment = Action(
        name: "eda.augment",
        version: 3,
        summary: "Shows originals next to augmented variants, made by the same augmentation code training uses.",
        discussion: """
            The parameters 'flip', 'shift', 'rotate', 'crop', 'erase' and 'noise' are those of a \
            training cell's 'augment:' mapping, with the same meaning and checks (Dataset's \
            Augmentation): copy the mapping's lines here to see what the network will be shown. \
            Left out, an augmentation is off. The first figure shows sample images with variants \
            drawn from all augmentations together (each caption lists the draw); the second applies \
            each augmentation alone to one image. Pixels are pixel / 255; noise is not clipped, so \
            the pictures clamp to [0, 1].
            """,
        inputs: [EDAParameters.data],
        parameters: AugmentParameters.self,
        example: "flip: 0.5\nshift: 2\nrotate: 10\nsamples: 3\nvariants: 4",
        facts: [
            FactDeclaration("augmentations", .count, doc: "How many augmentations are switched on."),
            FactDeclaration("variants", .count, doc: "How many augmented variants of the sample images were drawn (first figure)."),
            FactDeclaration("unchanged", .count, doc: "Of those, how many left their image exactly as it was."),
            FactDeclaration("mean-change", .number, doc: "The mean RMS pixel difference (pixel / 255) between a variant and its original."),
            FactDeclaration("largest-change", .number, doc: "The largest RMS pixel difference of a variant from its original."),
        ],
        run: AugmentAction.run)
}

/// The parameters of `eda.augment`: the fields of a training cell's `augment:` at the top level,
/// read and checked by the same code, and what to show.
struct AugmentParameters: ParameterSet {
    var augment = AugmentSettings()
    var part = "train"
    var samples = 5
    var variants = 7
    var seed = 0

    static let fields: [Field<Self>] = AugmentSettings.fields.map { $0.lifted(through: \.augment) } + [
        EDAParameters.part(\.part),
        Field("samples", \.samples, .integer(.closed(1, 20)), doc: "Original images shown (one row each)."),
        Field("variants", \.variants, .integer(.closed(1, 20)), doc: "Augmented variants per image."),
        .seed(\.seed, doc: "Which images, and which draws."),
    ]

    func check() -> [NamedProblem] {
        var problems: [NamedProblem] = []
        if let crop = augment.crop, crop.count != 2 {
            problems.append(NamedProblem(parameter: "crop", "'crop' needs two numbers, [lower, upper], but has \(crop.count)."))
        }
        if let area = augment.erase?.area, area.count != 2 {
            problems.append(NamedProblem(parameter: "erase", "'erase.area' needs two numbers, [lower, upper], but has \(area.count)."))
        }
        return problems
    }
}

enum AugmentAction {
    /// `flip →2 ↓-1 7° ×1.10 erase`: what one draw does.
    static func describe(_ draw: Augmentation.Draw) -> String {
        var parts: [String] = []
        if draw.flip { parts.append("flip") }
        if draw.shiftX != 0 || draw.shiftY != 0 { parts.append("→\(draw.shiftX) ↓\(draw.shiftY)") }
        // Whole degrees; a rotation that rounds to 0° is not shown (it read "-0°").
        let degrees = Int(draw.degrees.rounded())
        if degrees != 0 { parts.append("\(degrees)°") }
        if let crop = draw.crop, crop.scale != 1 { parts.append(String(format: "×%.2f", 1 / crop.scale)) }
        if draw.erase != nil { parts.append("erase") }
        if parts.isEmpty { return draw.noise > 0 ? "noise only" : "unchanged" }
        return parts.joined(separator: " ")
    }

    /// The single augmentations that are switched on, each with a short label.
    static func singles(of augmentation: Augmentation) throws(DatasetError) -> [(label: String, augmentation: Augmentation)] {
        var result: [(String, Augmentation)] = []
        if augmentation.flip > 0 { result.append(("flip p=\(Format.decimal(augmentation.flip, 2))", try Augmentation(flip: augmentation.flip))) }
        if augmentation.shift > 0 { result.append(("shift ±\(augmentation.shift)", try Augmentation(shift: augmentation.shift))) }
        if augmentation.rotate > 0 {
            result.append(("rotate ±\(Format.decimal(augmentation.rotate, 0))°", try Augmentation(rotate: augmentation.rotate)))
        }
        if let crop = augmentation.crop {
            result.append(("crop \(Format.decimal(crop.lower, 2))–\(Format.decimal(crop.upper, 2))", try Augmentation(crop: crop)))
        }
        if let erase = augmentation.erase, erase.probability > 0 {
            result.append(("erase p=\(Format.decimal(erase.probability, 2))", try Augmentation(erase: erase)))
        }
        if augmentation.noise > 0 { result.append(("noise σ=\(Format.decimal(augmentation.noise, 2))", try Augmentation(noise: augmentation.noise))) }
        return result
    }

    /// A picture of one augmented variant of image `index`, and the description of its draw.
    static func variant(data: EDAData, image index: Int, augmentation: Augmentation,
                        generator: inout SeededGenerator) -> (picture: [Float], caption: String, change: Double) {
        let size = data.images.pixelsPerImage
        let source = data.unitRows([Int32(index)][...])
        var output = [Float](repeating: 0, count: size)
        let draw = augmentation.draw(height: data.height, width: data.width, using: &generator)
        source.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in
                draw.apply(from: input, to: out, channels: data.channels, height: data.height, width: data.width)
            }
        }
        // Grey for display: the mean over channels.
        var grey = [Float](repeating: 0, count: data.plane)
        for channel in 0..<data.channels {
            for pixel in 0..<data.plane { grey[pixel] += output[channel * data.plane + pixel] / Float(data.channels) }
        }
        // The RMS difference from the original over every channel's pixels.
        let squared = zip(source, output).reduce(0.0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) }
        return (grey, describe(draw), (squared / Double(max(1, size))).squareRoot())
    }

    static func run(_ parameters: AugmentParameters, _ context: ActionContext) throws {
        let data = try EDAData.load(context)
        let augmentation: Augmentation
        do {
            augmentation = try parameters.augment.augmentation()
        } catch {
            throw context.error("\(error)", parameter: AugmentSettings.field(of: error))
        }
        guard !augmentation.isIdentity else {
            throw context.error("Every augmentation is off: set at least one of 'flip', 'shift', 'rotate', 'crop', 'erase' or 'noise'.")
        }
        var settings = Table(columns: ["augmentation", "setting", "what one draw does"], alignments: [.left, .left, .left],
                             caption: "The augmentation shown (the same values in a training cell's 'augment:' give the same distribution)")
        settings.append(["flip", Format.decimal(augmentation.flip, 2), "mirrors left to right with this probability"])
        settings.append(["shift", "\(augmentation.shift)", "moves by whole pixels, uniform in ±shift on each axis"])
        settings.append(["rotate", Format.decimal(augmentation.rotate, 1), "turns by a uniform angle in ±rotate degrees"])
        settings.append(["crop", augmentation.crop.map { "[\(Format.decimal($0.lower, 2)), \(Format.decimal($0.upper, 2))]" } ?? "off",
                         "keeps a window of this area fraction and scales it back up"])
        settings.append(["erase", augmentation.erase.map {
            "p \(Format.decimal($0.probability, 2)), area [\(Format.decimal($0.area.lower, 2)), \(Format.decimal($0.area.upper, 2))]"
        } ?? "off", "sets a random rectangle to the background"])
        settings.append(["noise", Format.decimal(augmentation.noise, 3), "adds Gaussian noise of this standard deviation"])
        context.emit(settings)

        let part = parameters.part
        let count = parameters.samples, variants = parameters.variants
        let seed = parameters.seed
        context.recordSeed(seed, purpose: "eda.augment")
        let drawn = SamplesAction.draw(labels: data.images.labels, classCount: data.classCount, from: data.indices(part),
                                       count: count, seed: UInt64(seed))
        var picks: [Int] = []
        var round = 0
        while picks.count < count && round < count {
            for group in drawn where round < group.count && picks.count < count { picks.append(Int(group[round])) }
            round += 1
        }
        guard let first = picks.first else { throw context.error("The part '\(part)' has no images.", parameter: "part") }

        var generator = SeededGenerator(seed: UInt64(seed) &+ 1)
        var pictures: [GridImage] = []
        var changes: [Double] = []
        for image in picks {
            pictures.append(data.picture(ofImage: image, caption: "original"))
            for _ in 0..<variants {
                let (pixels, caption, change) = variant(data: data, image: image, augmentation: augmentation, generator: &generator)
                changes.append(change)
                pictures.append(EDAPictures.grey(pixels, width: data.width, height: data.height, range: 0...1, caption: caption))
            }
        }
        let rowLabels = picks.map { data.classNames[Int(data.images.labels[$0])] }
        try context.emitFigure(
            name: "variants", title: "Originals (left) and \(variants) augmented variants each; captions list each draw",
            chart: ImageGrid(images: pictures, columns: variants + 1, rowLabels: rowLabels, pictureSide: 84))

        let single = try singles(of: augmentation)
        context.publish(fact: "augmentations", value: Double(single.count), kind: .count)
        context.publish(fact: "variants", value: Double(changes.count), kind: .count)
        context.publish(fact: "unchanged", value: Double(changes.filter { $0 == 0 }.count), kind: .count)
        if !changes.isEmpty {
            context.publish(fact: "mean-change", value: changes.reduce(0, +) / Double(changes.count))
            context.publish(fact: "largest-change", value: changes.max() ?? 0)
        }
        var singlePictures: [GridImage] = []
        for (_, alone) in single {
            singlePictures.append(data.picture(ofImage: first, caption: "original"))
            for _ in 0..<variants {
                let (pixels, caption, _) = variant(data: data, image: first, augmentation: alone, generator: &generator)
                singlePictures.append(EDAPictures.grey(pixels, width: data.width, height: data.height, range: 0...1,
                                                       caption: caption))
            }
        }
        let singleLabels = single.map(\.label)
        try context.emitFigure(
            name: "one-at-a-time", title: "Each augmentation alone, applied to one image",
            chart: ImageGrid(images: singlePictures, columns: variants + 1, rowLabels: singleLabels, pictureSide: 84))
    }
}
