import Analysis
import Dataset
import Engine
import Figures
import Foundation
import NeuralNet

/// The `on` parameter shared by `evaluate`, `predict` and `compare`: which part of the split.
enum EvaluationPart: String, CaseIterable, Sendable {
    case test, validation, train

    var part: DatasetSplit.Part {
        switch self {
        case .test: .test
        case .validation: .validation
        case .train: .train
        }
    }

    static let doc = "Which part of the split to use: 'test' (the held-out images), 'validation' or 'train'."
}

/// The parameters of `compare`.
struct CompareParameters: ParameterSet {
    var on = EvaluationPart.test
    var runs: [RunReference] = []
    static let fields: [Field<Self>] = [
        Field("on", \.on, doc: EvaluationPart.doc),
        Field("runs", \.runs, summary: RunReference.summary,
              doc: "Earlier runs of this notebook whose models join the comparison: 'last' (or -1) the newest "
                  + "recorded run, -N the N-th newest, or run ids as 'loom runs' lists them.",
              parse: RunReference.parse, encode: { .list($0.map(\.value)) }),
    ]
}

/// One part of a split as a model sees it: the images (sharing the dataset's bytes), their
/// labels and where they sit in the dataset.
struct EvaluationImages {
    /// Which part of the split.
    let part: DatasetSplit.Part
    /// The dataset the split indexes.
    let dataset: DatasetValue
    /// The dataset index of each image, in the part's order.
    let datasetIndices: [Int32]
    /// The images in NeuralNet's form.
    let images: ImageSet

    /// The true class of every image.
    var labels: [Int] { datasetIndices.map { Int(dataset.images.labels[Int($0)]) } }

    /// The number of images.
    var count: Int { datasetIndices.count }

    /// The class names, in label order.
    var classNames: [String] { dataset.images.classNames }

    /// The shape of one image, `[channels, height, width]`.
    var imageShape: [Int] { [dataset.images.channels, dataset.images.height, dataset.images.width] }

    /// The images of part `part` of a split.
    ///
    /// - Throws: An ``ActionError`` at the `on` parameter when the part is empty.
    init(split: SplitValue, dataset: DatasetValue, part: DatasetSplit.Part) throws {
        let indices = split.split[part]
        guard !indices.isEmpty else {
            throw ActionError("the \(part.rawValue) part of the split is empty; choose another part", parameter: "on")
        }
        self.part = part
        self.dataset = dataset
        datasetIndices = indices
        let all = dataset.images
        do {
            images = try ImageSet(pixels: all.pixels, labels: all.labels, imageShape: [all.channels, all.height, all.width])
                .subset(indices.map { Int($0) })
        } catch {
            throw ActionError("\(error)")
        }
    }

    /// Throws unless `model` takes these images and scores exactly their classes.
    ///
    /// - Parameters:
    ///   - model: The model.
    ///   - label: The model's result name, for messages.
    ///   - parameter: The parameter that names the model, where the error is shown.
    func checkFits(_ model: ModelValue, label: String, parameter: String) throws {
        let expected = model.trained.model.inputShape
        guard expected == imageShape else {
            throw ActionError("the model '\(label)' takes \(shapeText(expected)) images but the split's images are "
                              + "\(shapeText(imageShape)); use the data it was trained on", parameter: parameter)
        }
        let classes = model.trained.classCount
        guard classes == classNames.count else {
            throw ActionError("the model '\(label)' scores \(classes) classes but the dataset has \(classNames.count); "
                              + "use the data it was trained on", parameter: parameter)
        }
    }

    /// The pixels of image `index` (a position in this part) as a picture for a grid.
    func picture(_ index: Int) -> PNGImage {
        Pictures.image(of: dataset.images, index: Int(datasetIndices[index]))
    }
}

/// Test-time augmentation: what else a model is shown of each image at evaluation, its
/// predictions averaged with those of the image itself. The `test-time` parameter of `evaluate`
/// and `predict`.
enum TestTimeAugmentation: String, CaseIterable, Sendable {
    /// The images alone.
    case none
    /// Each image and its left-right mirror (for models trained with flips, as clothes look alike
    /// mirrored): twice the inference time.
    case flip

    static let doc = "Test-time augmentation: 'none' (the images alone) or 'flip' (each image and its left-right "
        + "mirror, the two predicted probabilities averaged; twice the inference time)."

    /// `, with test-time flips (…)`: the clause that says so in a cell's text, empty for none.
    var clause: String {
        switch self {
        case .none: ""
        case .flip: ", with test-time flips (each image's probabilities averaged with its mirror's)"
        }
    }
}

extension InferencePrecision {
    static let doc = "The precision of the dense layers' matrix products: 'fp32' (the default) or 'bf16' (inputs and "
        + "weights rounded to bfloat16, sums in Float32: faster where the processor has AVX512_BF16 or AMX; "
        + "convolutions stay Float32; the cell says how many predictions differ from Float32's)."

    /// ` in bfloat16 inference`: the clause that says so in a cell's text, empty for Float32.
    var clause: String {
        switch self {
        case .float32: ""
        case .bfloat16: ", bfloat16 inference"
        }
    }
}

/// What a model says about a set of images.
struct Predictions {
    /// The number of classes: columns of ``logits`` and ``probabilities``.
    let classCount: Int
    /// `N × classCount` scores, row by row.
    let logits: [Float]
    /// The softmax of every row of ``logits``.
    let probabilities: [Float]
    /// The most probable class of every image.
    let predicted: [Int]
    /// Wall-clock seconds of the forward passes.
    let seconds: Double

    /// Runs `model` on `images` (batches of 1000, as ``TrainedModel`` does).
    ///
    /// With ``TestTimeAugmentation/flip`` the model also sees every image mirrored left to right,
    /// and each image's probabilities are the mean of the two passes' softmax; ``logits`` are then
    /// their logarithms (so the softmax of a row gives those probabilities back, and the log-loss
    /// is that of the averaged prediction).
    ///
    /// With ``InferencePrecision/bfloat16`` the dense layers multiply in bfloat16.
    ///
    /// - Throws: An ``ActionError`` if the images do not fit the model, or at `precision` if the
    ///   processor cannot run it.
    init(model: TrainedModel, images: ImageSet, testTime: TestTimeAugmentation = .none,
         precision: InferencePrecision = .float32) throws {
        let started = DispatchTime.now().uptimeNanoseconds
        classCount = model.classCount
        do throws(NeuralNetError) {
            let plain = try model.logits(for: images, precision: precision).scalars
            switch testTime {
            case .none:
                logits = plain
                probabilities = ClassifierMaths.softmax(logits: plain, classCount: classCount)
            case .flip:
                let mirrored = try model.logits(for: images.horizontallyFlipped(), precision: precision).scalars
                let first = ClassifierMaths.softmax(logits: plain, classCount: classCount)
                let second = ClassifierMaths.softmax(logits: mirrored, classCount: classCount)
                probabilities = zip(first, second).map { ($0 + $1) / 2 }
                logits = probabilities.map { log(max($0, .leastNormalMagnitude)) }
            }
        } catch {
            if case .precisionUnavailable = error { throw ActionError("\(error)", parameter: "precision") }
            throw ActionError("\(error)")
        }
        seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        let logits = self.logits
        predicted = (0..<images.count).map { row in
            ClassifierMaths.top(1, of: logits[(row * model.classCount)..<((row + 1) * model.classCount)])[0].label
        }
    }

    /// The probabilities of row `index`.
    func row(_ index: Int) -> ArraySlice<Float> {
        probabilities[(index * classCount)..<((index + 1) * classCount)]
    }

    /// The probability of each row's predicted class.
    var confidence: [Float] { predicted.enumerated().map { probabilities[$0.offset * classCount + $0.element] } }
}

/// Turns dataset images into pictures for figures.
enum Pictures {
    /// Image `index` of `images` as a grey (one channel) or RGB (three channels) raster; other
    /// channel counts show their first channel.
    static func image(of images: LabeledImages, index: Int) -> PNGImage {
        let planar = Array(images.pixels(ofImage: index))
        let plane = images.height * images.width
        if images.channels == 3 {
            var interleaved = [UInt8](repeating: 0, count: plane * 3)
            for pixel in 0..<plane {
                for channel in 0..<3 { interleaved[pixel * 3 + channel] = planar[channel * plane + pixel] }
            }
            return PNGImage(width: images.width, height: images.height, channels: 3, pixels: interleaved)
        }
        return PNGImage(width: images.width, height: images.height, channels: 1, pixels: Array(planar.prefix(plane)))
    }
}

/// A probability as a whole percentage for captions (`97%`), never rounded up to `100%` unless
/// it is 1: `>99%`.
func probabilityText(_ probability: Float) -> String {
    probability < 1 && probability >= 0.995 ? ">99%" : Format.percent(Double(probability), 0)
}

/// `1×28×28`
func shapeText(_ shape: [Int]) -> String {
    shape.map(String.init).joined(separator: "×")
}

extension ActionContext {
    /// Renders a figure at the run's ``figureScale`` and adds it to the cell's output.
    func emit(_ figure: Figure, name: String, title: String) throws {
        var scaled = figure
        scaled.scale = figureScale
        do {
            emitFigure(name: name, title: title, png: try scaled.renderPNG(), scale: figureScale)
        } catch {
            throw ActionError("the figure '\(name)' could not be drawn: \(error)")
        }
    }

    /// A note when `model` was trained on a different split than the one it is evaluated on,
    /// whose test images may then include its training images.
    func splitMismatchNote(for model: ModelValue, label: String) -> String? {
        guard let trainedOn = model.splitKey, let used = inputKey("data"), trainedOn != used else { return nil }
        return "Note: '\(label)' was trained on another split than this one, so these images may include "
            + "images it was trained on."
    }
}

/// How far reduced-precision predictions are from Float32's on the same images: the sentence
/// `evaluate` shows under `precision: bf16`.
struct PrecisionComparison {
    /// Images whose predicted class differs between the two precisions.
    let differing: Int
    /// The images compared.
    let count: Int
    /// Accuracy in the reduced precision and in Float32.
    let accuracy: (reduced: Double, reference: Double)
    /// The largest difference between the two precisions' probabilities of one class.
    let largestProbabilityDifference: Float
    let precision: InferencePrecision

    init(reduced: Predictions, reference: Predictions, actual: [Int], precision: InferencePrecision) {
        count = actual.count
        differing = zip(reduced.predicted, reference.predicted).filter { $0 != $1 }.count
        func accuracy(_ predicted: [Int]) -> Double {
            actual.isEmpty ? 0 : Double(zip(predicted, actual).filter { $0 == $1 }.count) / Double(actual.count)
        }
        self.accuracy = (accuracy(reduced.predicted), accuracy(reference.predicted))
        largestProbabilityDifference = zip(reduced.probabilities, reference.probabilities).map { abs($0 - $1) }.max() ?? 0
        self.precision = precision
    }

    /// `In bfloat16, 3 of 10,000 predictions differ from Float32's (accuracy 91.23% against 91.25%; …).`
    var sentence: String {
        "In \(precision), \(Format.count(differing)) of \(Format.count(count)) predictions differ from Float32's "
            + "(accuracy \(Format.percent(accuracy.reduced)) against \(Format.percent(accuracy.reference)) in Float32; "
            + "probabilities differ by at most \(Format.decimal(Double(largestProbabilityDifference)))). "
            + "Only the dense layers' products are rounded; training was Float32."
    }
}
