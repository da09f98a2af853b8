import Analysis
import Engine
import NeuralNet

/// The facts each built-in action declares (for `loom actions NAME` and `loom check`) and the
/// helpers that publish them, so that prose can show them as inline values
/// (`` `{loom} ev.accuracy:.1%` ``).
enum PublishedFacts {
    static let evaluate: [FactDeclaration] = [
        FactDeclaration("accuracy", .percentage, doc: "The share of images classified correctly."),
        FactDeclaration("macro-f1", .number, doc: "F1 averaged over the classes, unweighted."),
        FactDeclaration("weighted-f1", .number, doc: "F1 averaged over the classes, weighted by their support."),
        FactDeclaration("log-loss", .number, doc: "The mean cross-entropy of the true classes."),
        FactDeclaration("mistakes", .count, doc: "How many images were classified wrongly."),
        FactDeclaration("images", .count, doc: "How many images were evaluated."),
        .family("recall", suffix: "class", .percentage, doc: "The recall of one class, e.g. recall.Shirt."),
        .family("precision", suffix: "class", .percentage, doc: "The precision of one class, e.g. precision.Shirt."),
        .family("f1", suffix: "class", .number, doc: "The F1 score of one class, e.g. f1.Shirt."),
        FactDeclaration("accuracy-low", .percentage, doc: "The lower end of the accuracy's 95% interval (Wilson, or bootstrap)."),
        FactDeclaration("accuracy-high", .percentage, doc: "The upper end of the accuracy's 95% interval."),
        FactDeclaration("accuracy-margin", .percentage, doc: "Half the width of the accuracy's 95% interval: the ± of the accuracy."),
        FactDeclaration("ece", .number, doc: "The expected calibration error: the count-weighted mean gap between confidence and accuracy over the bins."),
        FactDeclaration("mce", .number, doc: "The maximum calibration error: the largest gap of a non-empty bin."),
        FactDeclaration("macro-auc", .number, doc: "The one-vs-rest ROC AUC averaged over the classes present, unweighted."),
        .family("recall-low", suffix: "class", .percentage, doc: "The lower end of one class's recall interval, e.g. recall-low.Shirt."),
        .family("recall-high", suffix: "class", .percentage, doc: "The upper end of one class's recall interval, e.g. recall-high.Shirt."),
        .family("auc", suffix: "class", .number, doc: "The one-vs-rest ROC AUC of one class, e.g. auc.Shirt."),
        .family("confusion", suffix: "true.predicted", .count,
                doc: "The images of one class classified as another, e.g. confusion.Shirt.T-shirt/top (Shirts called T-shirt/top)."),
        FactDeclaration("most-confused", .text, doc: "The true class of the largest confusion (the largest off-diagonal count)."),
        FactDeclaration("most-confused-as", .text, doc: "The class it is most often mistaken for."),
        FactDeclaration("most-confused-count", .count, doc: "How many images that confusion holds."),
        FactDeclaration("weakest-class", .text, doc: "The class with the lowest F1."),
        FactDeclaration("weakest-f1", .number, doc: "Its F1."),
        FactDeclaration("strongest-class", .text, doc: "The class with the highest F1."),
        FactDeclaration("strongest-f1", .number, doc: "Its F1."),
    ] + EvaluateSeeds.facts

    static let train: [FactDeclaration] = [
        FactDeclaration("parameters", .count, doc: "The number of trainable parameters."),
        FactDeclaration("epochs", .count, doc: "The epochs trained (fewer than asked when early stopping ends it)."),
        FactDeclaration("seconds", .duration, doc: "The training time."),
        FactDeclaration("seconds-per-epoch", .duration, doc: "The mean training time of an epoch."),
        FactDeclaration("images-per-second", .number, doc: "The mean training throughput over the epochs."),
        FactDeclaration("best-validation-accuracy", .percentage, doc: "The best validation accuracy of any epoch."),
        FactDeclaration("best-epoch", .count, doc: "The epoch with the best validation accuracy."),
        FactDeclaration("final-validation-accuracy", .percentage, doc: "The validation accuracy after the last epoch."),
        FactDeclaration("final-train-loss", .number, doc: "The training loss of the last epoch."),
        FactDeclaration("final-learning-rate", .number, doc: "The learning rate of the last epoch."),
    ] + seedFacts + monitoring + epochs

    static let load: [FactDeclaration] = [
        FactDeclaration("images", .count, doc: "How many images were loaded."),
        FactDeclaration("classes", .count, doc: "How many classes they belong to."),
        FactDeclaration("height", .count, doc: "The image height in pixels."),
        FactDeclaration("width", .count, doc: "The image width in pixels."),
    ]

    /// The facts of `load`.
    static func publishLoad(_ context: ActionContext, images: Int, classes: Int, height: Int, width: Int) {
        context.publish(fact: "images", value: Double(images), kind: .count)
        context.publish(fact: "classes", value: Double(classes), kind: .count)
        context.publish(fact: "height", value: Double(height), kind: .count)
        context.publish(fact: "width", value: Double(width), kind: .count)
    }

    static let split: [FactDeclaration] = [
        FactDeclaration("train", .count, doc: "The images in the train part."),
        FactDeclaration("validation", .count, doc: "The images in the validation part."),
        FactDeclaration("test", .count, doc: "The images in the test part."),
        FactDeclaration("images", .count, doc: "All images split."),
        FactDeclaration("protocol", .text, doc: "How the images were split: 'random' or 'official'."),
    ]

    static let compare: [FactDeclaration] = [
        FactDeclaration("best-model", .text, doc: "The model with the highest accuracy."),
        FactDeclaration("best-accuracy", .percentage, doc: "Its accuracy."),
        FactDeclaration("fastest-model", .text, doc: "The model with the fastest inference."),
        FactDeclaration("speed-ratio", .number, doc: "How many times faster the fastest model infers than the best one."),
        .family("accuracy", suffix: "model", .percentage, doc: "The accuracy of one model, e.g. accuracy.cnn (accuracy.cnn@run3 for run 3's cnn)."),
        FactDeclaration("runner-up", .text, doc: "The model with the second highest accuracy."),
        FactDeclaration("runner-up-p-value", .number, doc: "McNemar's two-sided p-value of the best model against the runner-up."),
        FactDeclaration("runner-up-significant", .text, doc: "'yes' when the best model differs from the runner-up at the 0.05 level, else 'no'."),
        FactDeclaration("significant-differences", .count, doc: "How many models differ from the best one at the 0.05 level (McNemar)."),
        .family("p-value", suffix: "model", .number, doc: "McNemar's two-sided p-value of one model against the best, e.g. p-value.mlp."),
        .family("discordant", suffix: "model", .count, doc: "The test images exactly one of the model and the best got right, e.g. discordant.mlp."),
        .family("macro-f1", suffix: "model", .number, doc: "The macro F1 of one model, e.g. macro-f1.mlp."),
        .family("log-loss", suffix: "model", .number, doc: "The log-loss of one model, e.g. log-loss.cnn."),
        .family("mistakes", suffix: "model", .count, doc: "The images one model classified wrongly, e.g. mistakes.mlp."),
        .family("images-per-second", suffix: "model", .number, doc: "The inference speed of one model measured by this cell, e.g. images-per-second.cnn."),
        .family("training-seconds", suffix: "model", .duration, doc: "The training time of one model, e.g. training-seconds.mlp."),
        .family("parameters", suffix: "model", .count, doc: "The trainable parameters of one model, e.g. parameters.cnn."),
        .family("epochs", suffix: "model", .count, doc: "The epochs one model trained, e.g. epochs.cnn."),
        .family("f1", suffix: "model.class", .number, doc: "The F1 score of one class for one model, e.g. f1.cnn.Shirt."),
        .family("better-classes", suffix: "model", .count,
                doc: "The classes on which one model's F1 beats the best model's, e.g. better-classes.mlp (0 for the best itself)."),
    ]

    static let sweep: [FactDeclaration] = [
        FactDeclaration("best-variant", .text, doc: "The variant with the best validation accuracy."),
        FactDeclaration("best-validation-accuracy", .percentage, doc: "Its validation accuracy."),
        FactDeclaration("variants", .count, doc: "How many variants were compared."),
        FactDeclaration("worst-variant", .text, doc: "The variant with the lowest validation accuracy."),
        FactDeclaration("worst-validation-accuracy", .percentage, doc: "Its validation accuracy."),
        FactDeclaration("spread", .percentage, doc: "The best validation accuracy minus the worst, in points (shown as a percentage)."),
        .family("accuracy", suffix: "variant", .percentage,
                doc: "The validation accuracy of one variant, named as the table names it, e.g. accuracy.relu 256×2."),
        .family("loss", suffix: "variant", .number, doc: "The validation loss of one variant, e.g. loss.gelu 64×2."),
        .family("seconds", suffix: "variant", .duration, doc: "The training time of one variant (the mean of its seeds), e.g. seconds.tanh 512×2."),
        .family("parameters", suffix: "variant", .count, doc: "The trainable parameters of one variant, e.g. parameters.relu 512×2."),
        .family("best-activation", suffix: "width×depth", .text,
                doc: "The activation with the best validation accuracy at one width and depth, e.g. best-activation.64×2."),
        .family("worst-activation", suffix: "width×depth", .text,
                doc: "The activation with the lowest validation accuracy at one width and depth, e.g. worst-activation.512×2."),
    ] + sweepSeedFacts

    /// The facts of a trained model (`train.cnn`, `train.mlp`): one seed's, or over several
    /// seeds their means, standard deviations and each seed's values (``publishSeeds(_:model:)``).
    static func publishTraining(_ context: ActionContext, model: ModelValue) {
        // Where early stopping and the schedule acted: the best seed's, when there are several.
        defer {
            publishMonitoring(context, trained: model.trained)
            publishEpochs(context, trained: model.trained)
        }
        guard model.runs.count == 1 else { return publishSeeds(context, model: model) }
        for fact in trainingFacts(model.runs[0], parameters: model.trained.model.parameterCount) {
            context.publish(fact: fact.name, value: fact.value, kind: fact.kind)
        }
    }

    /// A fact's name, value and kind, before it is published.
    struct NumericFact: Equatable {
        var name: String
        var value: Double
        var kind: FactKind
    }

    /// The facts of one seed's training, headline facts first (`loom runs` gives each cell's first
    /// facts a column first).
    static func trainingFacts(_ run: ModelValue.SeedRun, parameters: Int) -> [NumericFact] {
        let history = run.trained.history
        var facts: [NumericFact] = []
        func add(_ name: String, _ value: Double, _ kind: FactKind = .number) { facts.append(NumericFact(name: name, value: value, kind: kind)) }
        add("epochs", Double(history.count), .count)
        add("seconds", run.trainingSeconds, .seconds)
        let best = history.filter { $0.validationAccuracy != nil }
            .max { ($0.validationAccuracy ?? 0) < ($1.validationAccuracy ?? 0) }
        if let accuracy = best?.validationAccuracy { add("best-validation-accuracy", Double(accuracy), .fraction) }
        add("parameters", Double(parameters), .count)
        if !history.isEmpty {
            add("seconds-per-epoch", history.map(\.seconds).reduce(0, +) / Double(history.count), .seconds)
            add("images-per-second", history.map(\.imagesPerSecond).reduce(0, +) / Double(history.count))
        }
        if let best { add("best-epoch", Double(best.epoch), .count) }
        if let last = history.last {
            if let accuracy = last.validationAccuracy { add("final-validation-accuracy", Double(accuracy), .fraction) }
            add("final-train-loss", Double(last.trainLoss))
            add("final-learning-rate", Double(last.learningRate))
        }
        return facts
    }

    /// The facts of a classification report (`evaluate`).
    static func publishEvaluation(_ context: ActionContext, report: ClassificationReport, logLoss: Double,
                                  mistakes: Int, images: Int, classNames: [String]) {
        // The headline facts first: `loom runs` gives each cell's first facts a column first.
        context.publish(fact: "accuracy", value: report.accuracy, kind: .fraction)
        context.publish(fact: "macro-f1", value: report.macro.f1)
        context.publish(fact: "log-loss", value: logLoss)
        context.publish(fact: "mistakes", value: Double(mistakes), kind: .count)
        context.publish(fact: "weighted-f1", value: report.weighted.f1)
        context.publish(fact: "images", value: Double(images), kind: .count)
        for (name, scores) in zip(classNames, report.perClass) {
            context.publish(fact: "recall.\(name)", value: scores.recall, kind: .fraction)
            context.publish(fact: "precision.\(name)", value: scores.precision, kind: .fraction)
            context.publish(fact: "f1.\(name)", value: scores.f1)
        }
        // The first class of a tie, in class order.
        let present = report.perClass.indices.filter { report.perClass[$0].support > 0 && $0 < classNames.count }
        if let weakest = present.min(by: { (report.perClass[$0].f1, $0) < (report.perClass[$1].f1, $1) }),
           let strongest = present.min(by: { (-report.perClass[$0].f1, $0) < (-report.perClass[$1].f1, $1) }) {
            context.publish(fact: "weakest-class", text: classNames[weakest])
            context.publish(fact: "weakest-f1", value: report.perClass[weakest].f1)
            context.publish(fact: "strongest-class", text: classNames[strongest])
            context.publish(fact: "strongest-f1", value: report.perClass[strongest].f1)
        }
    }

    /// The confusion facts of `evaluate`: every off-diagonal count and the largest one.
    static func publishConfusions(_ context: ActionContext, confusion: ConfusionMatrix, classNames: [String]) {
        let classes = min(confusion.classCount, classNames.count)
        for actual in 0..<classes {
            for predicted in 0..<classes where predicted != actual {
                context.publish(fact: "confusion.\(classNames[actual]).\(classNames[predicted])",
                                value: Double(confusion[actual: actual, predicted: predicted]), kind: .count)
            }
        }
        if let pair = confusion.mostConfused, pair.actual < classes, pair.predicted < classes {
            context.publish(fact: "most-confused", text: classNames[pair.actual])
            context.publish(fact: "most-confused-as", text: classNames[pair.predicted])
            context.publish(fact: "most-confused-count", value: Double(pair.count), kind: .count)
        }
    }
}

extension PublishedFacts {
    /// The facts of `compare`: the best and the fastest model, and each model's accuracy, F1
    /// (overall and per class of `classNames`), log-loss, mistakes, speed, training time and size.
    static func publishComparison(_ context: ActionContext, rows: [CompareAction.Row], classNames: [String]) {
        for row in rows {
            let name = row.factName
            context.publish(fact: "accuracy.\(name)", value: row.report.accuracy, kind: .fraction)
            context.publish(fact: "macro-f1.\(name)", value: row.report.macro.f1)
            context.publish(fact: "log-loss.\(name)", value: row.logLoss)
            context.publish(fact: "mistakes.\(name)", value: Double(row.scores.correct.filter { !$0 }.count), kind: .count)
            context.publish(fact: "images-per-second.\(name)", value: row.imagesPerSecond)
            context.publish(fact: "training-seconds.\(name)", value: row.model.trainingSeconds, kind: .seconds)
            context.publish(fact: "parameters.\(name)", value: Double(row.model.trained.model.parameterCount), kind: .count)
            context.publish(fact: "epochs.\(name)", value: Double(row.model.trained.history.count), kind: .count)
            for (className, scores) in zip(classNames, row.report.perClass) {
                context.publish(fact: "f1.\(name).\(className)", value: scores.f1)
            }
        }
        guard let best = rows.max(by: { $0.report.accuracy < $1.report.accuracy }),
              let fastest = rows.max(by: { $0.imagesPerSecond < $1.imagesPerSecond }) else { return }
        context.publish(fact: "best-model", text: best.label)
        context.publish(fact: "best-accuracy", value: best.report.accuracy, kind: .fraction)
        context.publish(fact: "fastest-model", text: fastest.label)
        context.publish(fact: "speed-ratio", value: fastest.imagesPerSecond / max(best.imagesPerSecond, 1e-9))
        for row in rows {
            let better = zip(row.report.perClass, best.report.perClass).filter { $0.f1 > $1.f1 }.count
            context.publish(fact: "better-classes.\(row.factName)", value: Double(better), kind: .count)
        }
    }
}
