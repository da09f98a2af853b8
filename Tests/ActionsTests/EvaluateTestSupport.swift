import Dataset
import Engine
import Foundation
import NeuralNet
import Notebook
import TensorCore
import Testing
import _LoomTestSupport
@testable import Actions

/// The parameters of `test.model`.
struct TestModelParameters: ParameterSet {
    var kind = "perfect"
    var classes = 4
    var epochs = 2
    var hidden = 16
    var seconds = 1.5
    static let fields: [Field<Self>] = [
        Field("kind", \.kind, .choice(["perfect", "swap", "trained"]), doc: "Which model."),
        Field("classes", \.classes, .integer(.atLeast(2)), doc: "Classes the synthetic set draws."),
        Field("epochs", \.epochs, .integer(.atLeast(1)), doc: "Epochs for 'trained'."),
        Field("hidden", \.hidden, .integer(.atLeast(1)), doc: "Hidden units for 'trained'."),
        Field("seconds", \.seconds, .number(.atLeast(0)), doc: "Reported training time."),
    ]
}

/// `test.model`: a model made for the tests from the split above it.
///
/// On the synthetic set (class `k` is a bright bar at row `(k·(side−2))/(K−1) + 1`, from column 1
/// to `side − 2`), 'perfect' is a linear model whose class-`k` weights pick out row `k`'s bar, so
/// it classifies every image right; 'swap' adds class 0's bar to class 1's weights, so it calls
/// every class-0 image class 1 and is right about the rest; 'trained' trains a small MLP with
/// Trainer, with validation after every epoch.
let testModelAction = Action(
    name: "test.model", version: 1, summary: "A hand-made or quickly trained model for tests.",
    inputs: [Input("data", kind: .split, doc: "The split.")],
    produces: .model,
    parameters: TestModelParameters.self,
    run: { options, context in
        let (split, dataset) = try context.splitData()
        let images = dataset.images
        let side = images.width, outputs = images.classCount
        let drawn = options.classes
        var trained: TrainedModel
        switch options.kind {
        case "trained":
            let model = try Sequential(inputShape: [1, side, side],
                                       layers: [.flatten, .dense(units: options.hidden), .relu,
                                                .dense(units: outputs)], seed: 3)
            var trainer = try Trainer(model: model, configuration: TrainingConfiguration(
                epochs: options.epochs, batchSize: 16, optimizer: .adam(),
                learningRate: .constant(0.01), seed: 4, pixelScaling: dataset.scaling(training: split.split.train)))
            let all = try ImageSet(pixels: images.pixels, labels: images.labels, imageShape: [1, side, side])
            trained = try trainer.fit(training: all.subset(split.split.train.map { Int($0) }),
                                      validation: all.subset(split.split.validation.map { Int($0) }))
        default:
            var weights = [Float](repeating: 0, count: outputs * side * side)
            func addBar(ofClass k: Int, toOutput output: Int) {
                let row = (k * (side - 2)) / max(1, drawn - 1) + 1
                for x in 1..<(side - 1) { weights[output * side * side + row * side + x] += 2 }
            }
            for k in 0..<drawn { addBar(ofClass: k, toOutput: k) }
            if options.kind == "swap" { addBar(ofClass: 0, toOutput: 1) }
            let parameters = Tensor(shape: [weights.count + outputs], scalars: weights + [Float](repeating: 0, count: outputs))
            let model = try Sequential(inputShape: [1, side, side], layers: [.flatten, .dense(units: outputs)],
                                       parameters: parameters, buffers: Tensor(shape: [0], scalars: []))
            trained = TrainedModel(model: model, pixelScaling: dataset.scaling(training: split.split.train))
        }
        trained.classNames = images.classNames
        context.setResult(ModelValue(trained: trained, family: "test.model", trainingSeconds: options.seconds,
                                     splitKey: context.inputKey("data")))
    })

let evaluationRegistry = ActionRegistry(BuiltInActions.all + [testModelAction])

/// Runs notebooks over a synthetic data set in a scratch folder, in-process.
final class EvaluationHarness {
    let data: SyntheticFashionFolder
    let directory: String

    init(classCount: Int = 4, side: Int = 12, trainPerClass: Int = 24, testPerClass: Int = 6) throws {
        data = try SyntheticFashionFolder(classCount: classCount, side: side, trainPerClass: trainPerClass,
                                          testPerClass: testPerClass)
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("loom-evaluate-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    deinit {
        data.remove()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// `load` and `split` cells for the synthetic set, then `cells`.
    func notebook(_ cells: String) -> String {
        """
        ```loom load
        dataset: \(data.directory)
        ```

        ```loom split
        seed: 1
        ```

        \(cells)
        """
    }

    /// ``notebook(_:)`` with a cell training the `perfect` test model before `cells`.
    func perfectModelNotebook(_ cells: String) -> String {
        notebook("""
            ```loom test.model as perfect
            kind: perfect
            ```

            \(cells)
            """)
    }

    /// Checks and runs a notebook kept at `directory/nb.md`.
    func run(_ text: String) throws -> RunReport {
        let checked = check(text)
        #expect(checked.errors.isEmpty, "\(checked.errors)")
        let runner = NotebookRunner(registry: evaluationRegistry, cache: try Cache(path: directory + "/cache.sqlite"))
        return try runner.run(checked, options: RunOptions(outputPath: nil))
    }

    func check(_ text: String) -> CheckedNotebook {
        Checker.check(NotebookDocument.parse(path: directory + "/nb.md", text: text), registry: evaluationRegistry)
    }

    /// Writes a file beside the notebook.
    func write(_ data: Data, to name: String) throws {
        let path = directory + "/" + name
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try data.write(to: URL(fileURLWithPath: path))
    }
}


/// Reads a Markdown table's body back into cells.
func parseMarkdownTable(_ text: String) -> [[String]] {
    text.split(separator: "\n").dropFirst(2).map { line in
        line.split(separator: "|", omittingEmptySubsequences: false).dropFirst().dropLast()
            .map { $0.trimmingCharacters(in: .whitespaces) }
    }
}
