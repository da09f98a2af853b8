import Engine
import NeuralNet

extension PublishedFacts {
    /// The facts of every epoch of a training, and the spread of its epoch times (`train.cnn`,
    /// `train.mlp`), so that prose can quote the curve ("from `{loom} cnn.validation-accuracy.1:.1%`
    /// after the first epoch") instead of copying numbers that go stale. With several seeds they
    /// are the best seed's, whose model is the result.
    static let epochs: [FactDeclaration] = [
        .family("validation-accuracy", suffix: "epoch", .percentage, doc: "The validation accuracy after one epoch, e.g. validation-accuracy.1."),
        .family("validation-loss", suffix: "epoch", .number, doc: "The validation loss after one epoch, e.g. validation-loss.1."),
        .family("validation-macro-f1", suffix: "epoch", .number, doc: "The validation macro-F1 after one epoch, e.g. validation-macro-f1.1."),
        .family("train-accuracy", suffix: "epoch", .percentage, doc: "The training accuracy of one epoch (with dropout and augmentation), e.g. train-accuracy.1."),
        .family("train-loss", suffix: "epoch", .number, doc: "The training loss of one epoch, e.g. train-loss.1."),
        .family("learning-rate", suffix: "epoch", .number, doc: "The learning rate of one epoch, e.g. learning-rate.1."),
        FactDeclaration("final-train-accuracy", .percentage, doc: "The training accuracy of the last epoch."),
        FactDeclaration("final-validation-loss", .number, doc: "The validation loss after the last epoch."),
        FactDeclaration("fastest-epoch-seconds", .duration, doc: "The shortest epoch's training time."),
        FactDeclaration("slowest-epoch-seconds", .duration, doc: "The longest epoch's training time."),
        FactDeclaration("lowest-images-per-second", .number, doc: "The training throughput of the slowest epoch."),
        FactDeclaration("highest-images-per-second", .number, doc: "The training throughput of the fastest epoch."),
    ]

    /// The facts of ``epochs`` for one history, in publishing order.
    static func epochFacts(_ history: [EpochRecord]) -> [NumericFact] {
        var facts: [NumericFact] = []
        func add(_ name: String, _ value: Double, _ kind: FactKind = .number) {
            facts.append(NumericFact(name: name, value: value, kind: kind))
        }
        for record in history {
            if let accuracy = record.validationAccuracy { add("validation-accuracy.\(record.epoch)", Double(accuracy), .fraction) }
            if let loss = record.validationLoss { add("validation-loss.\(record.epoch)", Double(loss)) }
            if let f1 = record.validationMacroF1 { add("validation-macro-f1.\(record.epoch)", Double(f1)) }
            add("train-accuracy.\(record.epoch)", Double(record.trainAccuracy), .fraction)
            add("train-loss.\(record.epoch)", Double(record.trainLoss))
            add("learning-rate.\(record.epoch)", Double(record.learningRate))
        }
        if let last = history.last {
            add("final-train-accuracy", Double(last.trainAccuracy), .fraction)
            if let loss = last.validationLoss { add("final-validation-loss", Double(loss)) }
        }
        let seconds = history.map(\.seconds)
        let throughput = history.map(\.imagesPerSecond)
        if let fastest = seconds.min(), let slowest = seconds.max(),
           let lowest = throughput.min(), let highest = throughput.max() {
            add("fastest-epoch-seconds", fastest, .seconds)
            add("slowest-epoch-seconds", slowest, .seconds)
            add("lowest-images-per-second", lowest)
            add("highest-images-per-second", highest)
        }
        return facts
    }

    /// Publishes ``epochs`` for the model's kept run (the best seed's, with several).
    static func publishEpochs(_ context: ActionContext, trained: TrainedModel) {
        for fact in epochFacts(trained.history) { context.publish(fact: fact.name, value: fact.value, kind: fact.kind) }
    }
}
