import Dataset
import Engine
import Figures
import Foundation
import TensorCore

extension Action {
    /// `eda.samples`: a grid of random images of every class.
    public static let edaSamples = Action(
        name: "eda.samples",
        version: 2,
        summary: "Shows a grid of randomly drawn images, one row per class.",
        discussion: """
            Each row holds 'per-class' images of one class, drawn at random (seeded) from the chosen \
            part and shown as stored, each pixel a crisp square.
            """,
        inputs: [EDAParameters.data],
        parameters: SamplesParameters.self,
        example: "part: train\nper-class: 8",
        facts: [
            FactDeclaration("images", .count, doc: "How many images are shown."),
            FactDeclaration("classes", .count, doc: "How many classes (rows) are shown."),
            FactDeclaration("short-classes", .count, doc: "Classes with fewer than 'per-class' images in the part (their rows end blank)."),
        ],
        run: SamplesAction.run)
}

/// The parameters of `eda.samples`.
struct SamplesParameters: ParameterSet {
    var part = "train"
    var perClass: Int = 8
    var seed = 0

    static let fields: [Field<Self>] = [
        EDAParameters.part(\.part),
        Field("per-class", \.perClass, .integer(.closed(1, 40)), doc: "Images per class (one row each)."),
        .seed(\.seed, doc: "Which images are drawn."),
    ]
}

enum SamplesAction {
    /// Up to `count` image indices of each class among `indices`, drawn without replacement with
    /// a seeded generator; each class's picks are in drawing order.
    static func draw(labels: [Int32], classCount: Int, from indices: [Int32], count: Int, seed: UInt64) -> [[Int32]] {
        var members = [[Int32]](repeating: [], count: classCount)
        for index in indices { members[Int(labels[Int(index)])].append(index) }
        var generator = SeededGenerator(seed: seed)
        return members.map { group in
            var group = group
            // Partial Fisher–Yates: the first `count` places get a uniform sample.
            for position in 0..<min(count, group.count) {
                let other = position + Int(generator.next() % UInt64(group.count - position))
                group.swapAt(position, other)
            }
            return Array(group.prefix(count))
        }
    }

    /// The side, in points, at which an image of `side` pixels is shown in a grid: a whole
    /// multiple of its size near `target` points, or `side` itself when it is larger.
    static func shownSide(_ side: Int, target: Double = 56) -> Double {
        let pixels = Double(side)
        return pixels >= target ? min(pixels, 128) : pixels * max(1, (target / pixels).rounded(.down))
    }

    static func run(_ parameters: SamplesParameters, _ context: ActionContext) throws {
        let data = try EDAData.load(context)
        let part = parameters.part
        let perClass = parameters.perClass
        let seed = parameters.seed
        context.recordSeed(seed, purpose: "eda.samples")
        let picks = draw(labels: data.images.labels, classCount: data.classCount, from: data.indices(part),
                         count: perClass, seed: UInt64(seed))
        var pictures: [GridImage] = []
        for group in picks {
            for column in 0..<perClass {
                if column < group.count {
                    pictures.append(data.picture(ofImage: Int(group[column])))
                } else {
                    pictures.append(GridImage(pixels: [UInt8](repeating: 255, count: data.plane), width: data.width,
                                              height: data.height))
                }
            }
        }
        let short = picks.enumerated().filter { $0.element.count < perClass }
        context.publish(fact: "images", value: Double(picks.reduce(0) { $0 + $1.count }), kind: .count)
        context.publish(fact: "classes", value: Double(picks.count), kind: .count)
        context.publish(fact: "short-classes", value: Double(short.count), kind: .count)
        if !short.isEmpty {
            context.emit(markdown: "Some classes have fewer than \(perClass) \(part) images: "
                         + short.map { "'\(MarkdownText.literal(data.classNames[$0.offset]))' (\($0.element.count))" }.joined(separator: ", ")
                         + "; their rows end in blank cells.")
        }
        let grid = ImageGrid(images: pictures, columns: perClass, rowLabels: data.classNames, pictureSide: 56)
        try context.emitFigure(
            name: "samples", title: "\(perClass) random \(part) images of each class (seed \(seed))", chart: grid)
    }
}
