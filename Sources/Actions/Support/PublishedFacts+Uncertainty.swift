import Analysis
import Engine

extension PublishedFacts {
    /// The facts of `evaluate` beyond the classification report: the accuracy's interval,
    /// calibration, ROC AUC, and each class's recall interval and AUC.
    static func publishUncertainty(_ context: ActionContext, evaluation: ClassifierEvaluation, classNames: [String]) {
        context.publish(fact: "accuracy-low", value: evaluation.accuracy.low, kind: .fraction)
        context.publish(fact: "accuracy-high", value: evaluation.accuracy.high, kind: .fraction)
        context.publish(fact: "accuracy-margin", value: evaluation.accuracy.halfWidth, kind: .fraction)
        context.publish(fact: "ece", value: evaluation.calibration.expectedError)
        context.publish(fact: "mce", value: evaluation.calibration.maximumError)
        if let macro = evaluation.macroAUC { context.publish(fact: "macro-auc", value: macro) }
        for (index, name) in classNames.enumerated() where evaluation.recall[index].trials > 0 {
            context.publish(fact: "recall-low.\(name)", value: evaluation.recall[index].low, kind: .fraction)
            context.publish(fact: "recall-high.\(name)", value: evaluation.recall[index].high, kind: .fraction)
            if let auc = evaluation.auc[index] { context.publish(fact: "auc.\(name)", value: auc) }
        }
    }

    /// The facts of `compare`'s McNemar tests: each model against the best, and the runner-up.
    static func publishSignificance(_ context: ActionContext, tests: [CompareAction.PairedTest]) {
        for test in tests {
            context.publish(fact: "p-value.\(test.other.factName)", value: test.result.pValue)
            context.publish(fact: "discordant.\(test.other.factName)", value: Double(test.result.discordant), kind: .count)
        }
        context.publish(fact: "significant-differences", value: Double(tests.filter { $0.result.isSignificant() }.count),
                        kind: .count)
        // The tests come in order of accuracy, so the first is the runner-up's.
        guard let runnerUp = tests.first else { return }
        context.publish(fact: "runner-up", text: runnerUp.other.label)
        context.publish(fact: "runner-up-p-value", value: runnerUp.result.pValue)
        context.publish(fact: "runner-up-significant", text: runnerUp.result.isSignificant() ? "yes" : "no")
    }
}
