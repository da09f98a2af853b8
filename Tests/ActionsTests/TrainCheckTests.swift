import Actions
import Engine
import Testing

/// `loom check` finds every mistake in a training cell that needs no data, at its exact position.
@Suite struct TrainCheckTests {
    /// A cell body (after its fence line, which is line 11) and the errors expected, as
    /// `line:column: message`.
    static let cases: [(action: String, body: String, errors: [String])] = [
        ("train.cnn", "layers:\n  - conv: {filters: 4}\n  - dence: 10",
         ["14:5: unknown layer 'dence'; did you mean 'dense'?"]),
        ("train.cnn", "layers:\n  - conv: {filter: 4, kernel: 3}\n  - flatten\n  - dense: 10",
         ["13:11: 'conv' is missing its field 'filters' (the number of filters)",
         "13:12: unknown field 'filter' of 'conv'; did you mean 'filters'?"]),
        ("train.cnn", "layers:\n  - conv: {filters: 0}\n  - flatten\n  - dense: 10",
         ["13:21: 'filters' must be an integer in [1, 65536], not 0"]),
        ("train.cnn", "layers:\n  - conv: {filters: 4, padding: full}\n  - flatten\n  - dense: 10",
         ["13:33: 'padding' must be one of 'same', 'valid', not 'full'"]),
        ("train.cnn", "layers:\n  - flatten\n  - dropout: 1.5\n  - dense: 10",
         ["14:14: 'rate' must be a number in [0, 1), not 1.5"]),
        ("train.cnn", "layers:\n  - flatten\n  - dense\n  - dense: 10",
         ["14:5: the layer 'dense' needs its 'units', as in '- dense: 128'"]),
        ("train.cnn", "layers:\n  - flatten\n  - relu: 3\n  - dense: 10",
         ["14:11: the layer 'relu' takes no settings; write it as '- relu'"]),
        ("train.cnn", "layers:\n  - flatten\n  - {dense: 10, relu: ~}",
         ["14:5: a layer is one name, alone or with its settings (such as '- dense: 128'), but this item has 2 keys; write each layer as its own '- ' item"]),
        ("train.cnn", "layers:\n  - flatten\n  - 10",
         ["14:5: a layer must be a name such as 'relu' or a name with settings such as 'dense: 128', not a number"]),
        ("train.cnn", "layers: []", ["12:9: 'layers' needs at least one layer"]),
        ("train.cnn", "epochs: 2", ["12:1: missing required parameter 'layers' (the layers in order: '- conv: {filters: 32, kernel: 3}', '- relu', '- maxpool: 2', '- flatten', '- dense: 10', …)"]),
        ("train.mlp", "layers:\n  - conv: {filters: 8}\n  - dense: 10",
         ["13:5: the layer 'conv' works on images, but train.mlp flattens its input first; use train.cnn for 'conv'"]),
        ("train.mlp", "layers:\n  - flatten\n  - dense: 10",
         ["13:5: train.mlp flattens the images itself, so it takes no 'flatten' layer; remove it"]),
        ("train.mlp", "layers:\n  - dense: 10\nhidden: [32]", ["14:1: give either 'layers' or 'hidden', not both"]),
        ("train.mlp", "epochs: 1", ["11:9: train.mlp needs 'layers' (a list of layers) or 'hidden' (widths such as [256, 128])"]),
        ("train.mlp", "layers:\n  - dense: 10\nactivation: tanh", ["14:1: 'activation' goes with 'hidden'; with 'layers', write it as a layer"]),
        ("train.mlp", "hidden: [32]\nactivation: rleu", ["13:13: 'activation' must be one of 'relu', 'leaky-relu', 'elu', 'gelu', 'sigmoid', 'tanh', not 'rleu'; did you mean 'relu'?"]),
        ("train.mlp", "hidden: [32]\noptimizer: adma", ["13:12: unknown optimizer 'adma'; did you mean 'adam'?"]),
        ("train.mlp", "hidden: [32]\noptimizer: {adam: {learning-rat: 0.01}}",
         ["13:20: unknown field 'learning-rat' of 'adam'; did you mean 'learning-rate'?"]),
        ("train.mlp", "hidden: [32]\noptimizer: {sgd: {learning-rate: -1}}",
         ["13:34: 'learning-rate' must be a number in (0, 1000], not -1"]),
        ("train.mlp", "hidden: [32]\noptimizer: {sgd: {nesterov: true}}",
         ["13:1: 'nesterov' needs a 'momentum' above 0 in the optimizer 'sgd'"]),
        ("train.mlp", "hidden: [32]\nschedule: {stepp: {every: 2}}", ["13:12: unknown schedule 'stepp'; did you mean 'step'?"]),
        ("train.mlp", "hidden: [32]\nschedule: step", ["13:11: the schedule 'step' needs its 'every' (the epochs between decays)"]),
        ("train.mlp", "hidden: [32]\nloss: {cross-entropy: {label-smoothing: 1}}",
         ["13:41: 'label-smoothing' must be a number in [0, 1), not 1"]),
        ("train.mlp", "hidden: [32]\nloss: hinge", ["13:7: unknown loss 'hinge'"]),
        ("train.mlp", "hidden: [32]\naugment: {flip: 2}", ["13:17: 'flip' must be a number in [0, 1], not 2"]),
        ("train.mlp", "hidden: [32]\naugment: {flips: 0.5}", ["13:11: unknown field 'flips' of 'augment'; did you mean 'flip'?"]),
        ("train.mlp", "hidden: [32]\naugment: {crop: [0.9, 0.5]}",
         ["13:11: The augmentation parameter 'crop' must be an interval [lower, upper] of area fractions with 0 < lower <= upper <= 1; got [0.9, 0.5]."]),
        ("train.mlp", "hidden: [32]\nearly-stopping: {patience: 0}", ["13:28: 'patience' must be an integer ≥ 1, not 0"]),
        ("sweep", "width: [64, 64]", ["12:1: 'width' lists 64 twice"]),
        ("sweep", "activation: [relu, swish]", ["12:20: 'activation' must be one of 'relu', 'leaky-relu', 'elu', 'gelu', 'sigmoid', 'tanh', not 'swish'"]),
    ]

    @Test(arguments: cases.indices)
    func reportsTheMistakeAtItsPosition(_ index: Int) throws {
        let bench = try TrainingBench()
        let (action, body, expected) = Self.cases[index]
        let errors = bench.errors(bench.notebook("```loom \(action)\n\(body)\n```\n"))
        #expect(errors == expected)
    }

    @Test func acceptsEverySpellingOfTheDesignNotebook() throws {
        let bench = try TrainingBench()
        let cell = """
            ```loom train.cnn as cnn
            layers:
              - conv: {filters: 32, kernel: 3, padding: same}
              - relu
              - maxpool: 2
              - conv: {filters: 64, kernel: 3, padding: same, stride: 1}
              - leaky-relu: 0.1
              - batchnorm
              - avgpool: {size: 2, stride: 1}
              - elu
              - gelu
              - global-avgpool
              - dense: 128
              - sigmoid
              - tanh
              - leaky-relu
              - dropout: 0.3
              - dense: 10
            loss: {cross-entropy: {label-smoothing: 0.1}}
            optimizer: {adamw: {learning-rate: 0.002, weight-decay: 0.05}}
            schedule: {one-cycle: {max-learning-rate: 0.01}}
            metric: accuracy
            epochs: 5
            batch-size: 128
            clip-norm: 1.0
            early-stopping: {patience: 3}
            augment: {flip: 0.5, shift: 2, rotate: 10, crop: [0.8, 1], erase: {probability: 0.5}, noise: 0.05}
            seed: 0
            ```
            """
        #expect(bench.errors(bench.notebook(cell)) == [])
    }

    /// `loom actions` shows each default as YAML that a cell may hold, meaning the same as leaving it out.
    @Test(arguments: [Action.trainMLP, Action.sweep])
    func defaultsInTheHelpAreValidAndMeanTheDefault(_ action: Action) throws {
        let bench = try TrainingBench()
        let needed = action.name == "train.mlp" ? "hidden: [8]\n" : ""
        let defaults = action.parameters.compactMap { parameter in parameter.defaultValue.map { "\(parameter.name): \($0)" } }
        #expect(defaults.contains("optimizer: {adam: {learning-rate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-08, weight-decay: 0}}"))
        #expect(defaults.contains("schedule: constant"))
        let written = bench.notebook("```loom \(action.name)\n\(needed)\(defaults.joined(separator: "\n"))\n```\n")
        let omitted = bench.notebook("```loom \(action.name)\n\(needed)epochs: 5\n```\n")
        #expect(bench.errors(written) == [])
        #expect(bench.key(written, cell: 2) != nil)
        #expect(bench.key(written, cell: 2) == bench.key(omitted, cell: 2))
    }

    /// Two spellings of one model have the same cache key; a changed setting changes it.
    @Test func spellingsOfOneLayerShareTheCacheKey() throws {
        let bench = try TrainingBench()
        func key(_ layers: String, optimizer: String = "adam") -> String? {
            bench.key(bench.notebook("```loom train.cnn\nlayers:\n\(layers)\noptimizer: \(optimizer)\n```\n"), cell: 2)
        }
        let short = key("  - maxpool: 2\n  - flatten\n  - dense: 10")
        #expect(short != nil)
        #expect(short == key("  - maxpool: {size: 2}\n  - flatten: ~\n  - dense: {units: 10}"))
        #expect(short == key("  - maxpool: 2\n  - flatten\n  - dense: 10", optimizer: "{adam: {learning-rate: 0.001}}"))
        #expect(short != key("  - maxpool: 3\n  - flatten\n  - dense: 10"))
        #expect(short != key("  - maxpool: 2\n  - flatten\n  - dense: 10", optimizer: "sgd"))
    }
}

/// What would fail at once when run is a `loom check` error, found from the data's headers
/// before anything runs (synthetic 12×12 images of 10 classes, 128 training images): shape and
/// class-count errors at the written layer's line, bounds, and models too large for memory.
@Suite struct CheckBeforeRunTests {
    @Test(arguments: [
        ("```loom train.mlp\nhidden: [1000000, 1000000]\n```",
         "nb.md:12:1: train.mlp: the model needs about 16,007 GB to train (1,000,156,000,010 parameters with their gradients "
            + "and optimizer state, and the activations of a batch of 128), but this machine has "),
        ("```loom train.mlp\nhidden: [100000000]\n```",
         "nb.md:12:10: train.mlp: 'hidden' must be an integer in [1, 1048576], not 100000000"),
        ("```loom train.mlp\nhidden: [16]\nbatch-size: 9223372036854775807\n```",
         "nb.md:13:13: train.mlp: 'batch-size' must be an integer in [1, 1048576], not 9223372036854775807"),
        ("```loom train.mlp\nhidden: [16]\noptimizer: {sgd: {learning-rate: 1e308}}\n```",
         "nb.md:13:34: train.mlp: 'learning-rate' must be a number in (0, 1000], not 1e308"),
        ("```loom train.cnn\nlayers:\n  - maxpool: 2\n  - maxpool: 2\n  - maxpool: 2\n  - maxpool: 2\n  - flatten\n  - dense: 10\n```",
         "nb.md:16:5: train.cnn: layer 4 'maxpool' has a 2×2 window but its input is only 1×1; use a smaller window, 'same' padding, or fewer pooling layers"),
        ("```loom train.cnn\nlayers:\n  - conv: {filters: 4}\n  - maxpool: 2\n  - dense: 10\nepochs: 1\n```",
         "nb.md:15:5: train.cnn: layer 3 'dense' needs a flat input but gets 4×6×6; add 'flatten' before it"),
        ("```loom train.cnn\nlayers:\n  - flatten\n  - conv: {filters: 4}\n  - dense: 10\nepochs: 1\n```",
         "nb.md:14:5: train.cnn: layer 2 'conv' needs a channels×height×width input but gets 144; remove the 'flatten' before it"),
        ("```loom train.cnn\nlayers:\n  - maxpool: 16\n  - flatten\n  - dense: 10\nepochs: 1\n```",
         "nb.md:13:5: train.cnn: layer 1 'maxpool' has a 16×16 window but its input is only 12×12; use a smaller window, 'same' padding, or fewer pooling layers"),
        ("```loom train.cnn\nlayers:\n  - flatten\n  - dense: 7\nepochs: 1\n```",
         "nb.md:14:5: train.cnn: the last layer 'dense' has 7 units but the data has 10 classes ('T-shirt/top', 'Trouser', 'Pullover', …); make it 'dense: 10'"),
        ("```loom train.cnn\nlayers:\n  - conv: {filters: 10}\n  - relu\nepochs: 1\n```",
         "nb.md:14:5: train.cnn: the model's output is 10×12×12, not one score for each of the data's 10 classes ('T-shirt/top', 'Trouser', 'Pullover', …); end it with 'flatten' and 'dense: 10'"),
        ("```loom sweep\nmodel: cnn\ndepth: 4\nwidth: 4\n```",
         "nb.md:14:1: sweep: variant 'relu 4×4': layer 12 'maxpool' has a 2×2 window but its input is only 1×1; use a smaller window, 'same' padding, or fewer pooling layers"),
    ])
    func reportedByCheck(cell: String, expected: String) throws {
        let bench = try TrainingBench()
        let errors = bench.check(bench.notebook(cell)).errors.map(\.description)
        #expect(errors.count == 1 && errors[0].hasPrefix(expected), "\(errors)")
    }

    @Test func aBatchLargerThanTheTrainingPartIsClampedWithANote() throws {
        let bench = try TrainingBench(trainPerClass: 4, testPerClass: 1)
        let text = bench.notebook("```loom train.mlp\nhidden: [8]\nepochs: 1\nbatch-size: 100000\n```")
        #expect(bench.check(text).errors.isEmpty)
        let report = try bench.run(text)
        #expect(report.cells[2].status == .ran, "\(report.cells[2].failure ?? "")")
        #expect(report.cells[2].markdown.contains { $0.hasPrefix("The batch size 100,000 is larger than the 40 training images") },
                "\(report.cells[2].markdown)")
    }
}
