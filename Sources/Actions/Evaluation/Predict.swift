import Analysis
import FileAccess
import Dataset
import Engine
import Figures
import Foundation
import NeuralNet
import Notebook
import TensorCore

extension Action {
    /// `predict`: the predicted classes and top probabilities of a few images of a split, or of
    /// the user's own PNG files brought to the model's convention.
    public static let predict = Action(
        name: "predict",
        version: 3,
        summary: "Predicts the class of a few test images or of your own PNG files, with the top probabilities.",
        discussion: """
            'images: 8' draws 8 images of the split's test part (another part with 'on') with 'seed'; \
            'images: [3, 17, 42]' takes those positions in the part (0-based). Each is shown with a \
            bar chart of its most probable classes, framed green when the prediction is right and red \
            when it is wrong. 'files: [photos/shoe.png]' reads your own PNG files (paths relative to \
            the notebook's folder; any size, colour or grey, light or dark background) and brings each \
            to the model's convention before predicting: grey, background dark (a light background is \
            inverted), cropped to the object, padded to the input's shape and centred, then resized to \
            the model's input size by area averaging. A grid shows each file before and after. Without \
            'images' and 'files', 8 test images are drawn.
            """,
        inputs: [
            Input("model", kind: .model, doc: "The trained model."),
            Input("data", kind: .split, optional: true, doc: "The split whose images are predicted (for 'images')."),
        ],
        parameters: PredictParameters.self,
        example: "images: 4\ntop: 3",
        facts: PublishedFacts.predict,
        identity: { parameters, files in
            // The files' contents are part of the cache key, so editing a photo re-runs the cell.
            try PredictAction.filePaths(parameters, directory: files.notebookDirectory).enumerated().map { item, path in
                do {
                    return try files.identity(ofFile: path.resolved)
                } catch {
                    throw PredictAction.missingFile(path, item: item, parameters: parameters)
                }
            }.joined(separator: ",")
        },
        check: { parameters, inputs in
            // Each file must be there at check time, as the run reads it.
            for (item, path) in PredictAction.filePaths(parameters, directory: inputs.notebookDirectory).enumerated() {
                var isDirectory: ObjCBool = false
                if !FileManager.default.fileExists(atPath: path.resolved, isDirectory: &isDirectory) || isDirectory.boolValue {
                    let error = PredictAction.missingFile(path, item: item, parameters: parameters)
                    return [NamedProblem(parameter: "files", at: error.position, error.message)]
                }
            }
            return []
        },
        run: PredictAction.run)
}

/// What `images` asks for: a number of images drawn with the seed, or positions in the part.
enum ImageSelection: Sendable, Equatable {
    case count(Int)
    /// 0-based positions, with where each is written.
    case positions([Int], at: [SourcePosition])

    static func parse(_ node: ParameterNodeReader, problems: inout [ParameterProblem]) -> ImageSelection? {
        let type = ParameterType.either([.integer(.closed(1, 100_000)), .list(.integer(.atLeast(0)))])
        guard let value = ParameterValidator.validate(node, as: type, name: "images", problems: &problems) else { return nil }
        if let count = value.intValue { return .count(count) }
        let positions = value.listValue?.compactMap(\.intValue) ?? []
        return .positions(positions, at: node.items?.map(\.position) ?? [])
    }

    var value: Value {
        switch self {
        case .count(let count): .int(count)
        case .positions(let positions, _): .list(positions.map(Value.int))
        }
    }
}

/// The parameters of `predict`.
struct PredictParameters: ParameterSet {
    var images: ImageSelection?
    var on = EvaluationPart.test
    var seed = 0
    var files: LocatedList<String>?
    var top = 3
    var testTime = TestTimeAugmentation.none
    var precision = InferencePrecision.float32

    static let fields: [Field<Self>] = [
        Field("images", \.images, summary: "integer in [1, 100000] or list of integer ≥ 0",
              doc: "How many images to draw, or their 0-based positions in the part ([3, 17, 42]); 8 without 'files'.",
              parse: ImageSelection.parse(_:problems:), encode: { $0?.value }),
        Field("on", \.on, doc: EvaluationPart.doc),
        .seed(\.seed, doc: "Which images 'images: N' draws."),
        Field("files", \.files, .list(.string, acceptsSingle: true), doc: "Your own PNG files, relative to the notebook's folder."),
        Field("top", \.top, .integer(.closed(1, 1000)), doc: "How many of the most probable classes to show."),
        Field("test-time", \.testTime, doc: TestTimeAugmentation.doc),
        Field("precision", \.precision, doc: InferencePrecision.doc),
    ]

    func check() -> [NamedProblem] {
        if case .positions(let list, _) = images, list.isEmpty {
            return [NamedProblem(parameter: "images", "'images' lists no positions; give a count such as 8 or positions such as [3, 17]")]
        }
        return []
    }
}

enum PredictAction {
    /// A path as written in the cell and as resolved against the notebook's folder.
    struct FilePath {
        var written: String
        var resolved: String
    }

    /// The `files` of a cell, resolved against `directory` (absolute paths stay as they are).
    static func filePaths(_ parameters: PredictParameters, directory: String) -> [FilePath] {
        (parameters.files?.values ?? []).map { written in
            let url = written.hasPrefix("/") ? URL(fileURLWithPath: written)
                : URL(fileURLWithPath: directory).appendingPathComponent(written)
            return FilePath(written: written, resolved: url.standardizedFileURL.path)
        }
    }

    /// An error located at item `item` of a list parameter (or at the parameter when it was
    /// written as a single value).
    static func error(_ message: String, item: Int, of name: String, positions: [SourcePosition]) -> ActionError {
        ActionError(message, parameter: name, position: positions.indices.contains(item) ? positions[item] : positions.first)
    }

    /// The error for a file that does not exist or cannot be read.
    static func missingFile(_ path: FilePath, item: Int, parameters: PredictParameters) -> ActionError {
        let folder = (path.resolved as NSString).deletingLastPathComponent
        return error("the image file '\(path.written)' does not exist or cannot be read (looked in '\(folder)'); "
                     + "paths are relative to the notebook's folder", item: item, of: "files", positions: parameters.files?.positions ?? [])
    }

    static func run(_ parameters: PredictParameters, _ context: ActionContext) throws {
        let model = try context.input("model", as: ModelValue.self)
        let label = context.inputLabel("model") ?? "model"
        let inputShape = model.trained.model.inputShape
        guard inputShape.count == 3 else {
            throw context.error("the model '\(label)' takes inputs of shape \(shapeText(inputShape)), not images", parameter: "model")
        }
        let files = filePaths(parameters, directory: URL(fileURLWithPath: context.notebookPath).deletingLastPathComponent().path)
        var requested = parameters.images
        if requested == nil && files.isEmpty { requested = .count(8) }
        let top = min(parameters.top, model.trained.classCount)

        var names = model.trained.classNames
        if let requested {
            guard context.inputKey("data") != nil else {
                throw context.error("'images' needs a split above this cell to take images from; add a 'split' cell "
                                    + "or predict only 'files'", parameter: "images")
            }
            let (split, dataset) = try context.splitData()
            let set = try EvaluationImages(split: split, dataset: dataset, part: parameters.on.part)
            try set.checkFits(model, label: label, parameter: "model")
            names = set.classNames
            let positions = try choosePositions(requested, count: set.count, seed: parameters.seed, part: parameters.on, context: context)
            try predictImages(set: set, positions: positions, model: model, label: label, top: top,
                              testTime: parameters.testTime, precision: parameters.precision, context: context)
        }
        if names.count != model.trained.classCount { names = (0..<model.trained.classCount).map(String.init) }
        if !files.isEmpty {
            try predictFiles(files, parameters: parameters, model: model, label: label, names: names, top: top, context: context)
        }
    }

    /// The positions in the part that `images` asks for: `N` drawn with the seed (sorted), or the
    /// listed positions, each checked against the part's size.
    static func choosePositions(_ requested: ImageSelection, count: Int, seed: Int, part: EvaluationPart,
                                context: ActionContext) throws -> [Int] {
        switch requested {
        case .count(let wanted):
            var order = Array(0..<count)
            var generator = SeededGenerator(seed: UInt64(seed))
            generator.shuffle(&order)
            context.recordSeed(seed, purpose: "predict images")
            return order.prefix(wanted).sorted()
        case .positions(let positions, let written):
            return try positions.enumerated().map { item, position in
                guard (0..<count).contains(position) else {
                    throw error("image \(position) is outside the \(part.rawValue) part, which has \(Format.count(count)) images "
                                + "(positions 0 to \(count - 1))", item: item, of: "images", positions: written)
                }
                return position
            }
        }
    }

    /// `Sneaker 0.931 · Sandal 0.052 · Ankle boot 0.010`
    static func topText(_ row: ArraySlice<Float>, top: Int, names: [String]) -> String {
        ClassifierMaths.top(top, of: row).map { "\(names[$0.label]) \(Format.decimal(Double($0.probability)))" }
            .joined(separator: " · ")
    }

    static func predictImages(set: EvaluationImages, positions: [Int], model: ModelValue, label: String, top: Int,
                              testTime: TestTimeAugmentation, precision: InferencePrecision = .float32,
                              context: ActionContext) throws {
        let predictions = try Predictions(model: model.trained, images: set.images.subset(positions), testTime: testTime,
                                          precision: precision)
        let names = set.classNames
        let actual = positions.map { set.labels[$0] }
        let correct = zip(actual, predictions.predicted).filter { $0 == $1 }.count
        context.emit(markdown: "**\(label)** on \(positions.count) images of the \(set.part.rawValue) part"
                     + "\(precision.clause): \(correct) of \(positions.count) right.")
        if let note = context.splitMismatchNote(for: model, label: label) { context.emit(markdown: note) }

        var panels: [any Chart] = []
        var table = Table(columns: ["image", "true", "predicted", "right", "top \(top)"],
                          alignments: [.right, .left, .left, .center, .left])
        for (row, position) in positions.enumerated() {
            let isRight = actual[row] == predictions.predicted[row]
            let color = isRight ? Color.correct : Color.wrong
            panels.append(ImageGrid(images: [GridImage(image: set.picture(position), caption: "true: \(names[actual[row]])",
                                                       frame: color)], columns: 1))
            panels.append(probabilityChart(predictions.row(row), top: top, names: names, color: color))
            table.append([String(position), names[actual[row]], names[predictions.predicted[row]], isRight ? "✓" : "✗",
                          topText(predictions.row(row), top: top, names: names)])
        }
        let pairsPerRow = min(3, positions.count)
        let rows = (positions.count + pairsPerRow - 1) / pairsPerRow
        let figure = Figure(FigureGrid(panels, columns: 2 * pairsPerRow),
                            size: Size(width: Double(pairsPerRow) * 330, height: Double(rows) * (120 + 14 * Double(min(top, 6)))))
        try context.emit(figure, name: "predictions",
                         title: "Predictions of \(label) with the top \(top) probabilities (green: right, red: wrong)")
        context.emit(table)
        PublishedFacts.publishPredictions(context, rows: positions.indices.map { predictions.row($0) }, actual: actual,
                                          names: names)
    }

    /// A horizontal bar chart of the `top` most probable classes of one prediction.
    static func probabilityChart(_ row: ArraySlice<Float>, top: Int, names: [String], color: Color?) -> BarChart {
        let best = ClassifierMaths.top(top, of: row)
        return BarChart(categories: best.map { names[$0.label] },
                        series: [.init(name: "probability", values: best.map { Double($0.probability) }, color: color)],
                        orientation: .horizontal, showValues: true, valueDecimals: 2, valueRange: 0...1,
                        legendPlacement: .hidden)
    }

    static func predictFiles(_ files: [FilePath], parameters: PredictParameters, model: ModelValue, label: String,
                             names: [String], top: Int, context: ActionContext) throws {
        let shape = model.trained.model.inputShape
        var originals: [PNGImage] = []
        var prepared: [PreparedImage] = []
        for (item, path) in files.enumerated() {
            guard FileManager.default.fileExists(atPath: path.resolved) else {
                throw missingFile(path, item: item, parameters: parameters)
            }
            let data: Data
            do {
                data = try RegularFile.read(atPath: path.resolved, limit: ImageFolder.maximumImageFileSize)
            } catch {
                throw self.error("cannot read the image: \(error)", item: item, of: "files", positions: parameters.files?.positions ?? [])
            }
            let image: PNGImage
            do {
                image = try PNGImage.decode(data)
            } catch {
                throw self.error("the file '\(path.written)' is not a PNG image loom can read: \(error)",
                                 item: item, of: "files", positions: parameters.files?.positions ?? [])
            }
            originals.append(image)
            prepared.append(ImagePreparation.prepare(image, channels: shape[0], height: shape[1], width: shape[2]))
        }
        let images: ImageSet
        do {
            images = try ImageSet(pixels: Array(prepared.map(\.input).joined()),
                                  labels: [Int32](repeating: 0, count: prepared.count), imageShape: shape)
        } catch {
            throw context.error("\(error)", parameter: "files")
        }
        let predictions = try Predictions(model: model.trained, images: images, testTime: parameters.testTime,
                                          precision: parameters.precision)

        var pictures: [GridImage] = []
        var table = Table(columns: ["file", "size", "background", "predicted", "top \(top)"],
                          alignments: [.left, .right, .left, .left, .left])
        for (index, path) in files.enumerated() {
            let original = originals[index], input = prepared[index]
            let predicted = names[predictions.predicted[index]]
            let probability = probabilityText(predictions.confidence[index])
            // Grey frames show where each picture ends on the white page.
            pictures.append(GridImage(image: ImagePreparation.thumbnail(original, side: 112),
                                      caption: "original \(original.width)×\(original.height)", frame: Color(grey: 0.7)))
            pictures.append(GridImage(image: input.picture, caption: "input: \(predicted) \(probability)",
                                      frame: Color(grey: 0.7)))
            table.append([path.written, "\(original.width)×\(original.height)",
                          input.inverted ? "light (inverted)" : "dark",
                          predicted, topText(predictions.row(index), top: top, names: names)])
        }
        let rowLabels = files.map { ($0.written as NSString).lastPathComponent }
        let grid = ImageGrid(images: pictures, columns: 2, rowLabels: rowLabels)
        context.emit(markdown: "**\(label)** on \(files.count) \(files.count == 1 ? "file" : "files"), each made grey with a dark "
                     + "background, cropped to its content, centred and resized to \(shape[2])×\(shape[1]):")
        try context.emit(Figure(grid), name: "files", title: "Your images before and after preparation, with predictions")
        context.emit(table)
        PublishedFacts.publishPredictions(context, rows: files.indices.map { predictions.row($0) }, actual: nil, names: names)
    }
}
