import Engine
import Figures
import Foundation

extension SweepAction {
    /// The charts of a sweep over several seeds: each variant's validation accuracy as a dot (the
    /// mean) with a whisker of ± one sd and its seeds as faint dots, on an axis zoomed to the
    /// values (so variants 0.2 points apart are told apart), best first; and the mean accuracy
    /// against the mean training time of a seed.
    static func emitSeedCharts(_ context: ActionContext, rows ranked: [Row], seeds: Int) throws {
        let wording = ChartWording(
            valueLabel: "validation accuracy (mean ± sd over \(seeds) seeds)",
            caption: "Validation accuracy by variant: mean (dot) ± sd (whisker) over \(seeds) seeds, each seed a faint dot",
            secondsLabel: "training seconds (mean of a seed)", accuracyLabel: "validation accuracy (mean over seeds)",
            scatterCaption: "Mean validation accuracy against mean training time, one colour per activation")
        try emitAccuracyCharts(context, ranked: ranked, scatterRows: ranked, wording: wording) { row in
            guard let summary = row.accuracy else { return nil }
            return IntervalChart.Interval(center: summary.mean, lower: summary.mean - summary.sd,
                                          upper: summary.mean + summary.sd, samples: row.accuracies.compactMap { $0 })
        }
    }
}

extension PublishedFacts {
    /// The facts a sweep adds over several seeds.
    static let sweepSeedFacts: [FactDeclaration] = [
        FactDeclaration("best-validation-accuracy-sd", .percentage,
                        doc: "With 'seeds' or 'repeat': the standard deviation over the seeds of the best variant's validation accuracy (the other is then their mean)."),
        FactDeclaration("seeds", .count, doc: "With 'seeds' or 'repeat': how many seeds each variant was trained with."),
    ]
}

extension SweepAction {
    /// Each variant's facts (accuracy, loss, seconds and parameters, named as the table names
    /// the variant), the worst variant and the spread, and per width × depth the best and worst
    /// activation. `ranked` is sorted best first.
    static func publishVariants(_ context: ActionContext, ranked: [Row]) {
        for row in ranked {
            let name = row.variant.name
            if let accuracy = row.validationAccuracy { context.publish(fact: "accuracy.\(name)", value: accuracy, kind: .fraction) }
            if let loss = row.loss?.mean { context.publish(fact: "loss.\(name)", value: loss) }
            context.publish(fact: "seconds.\(name)", value: row.seconds, kind: .seconds)
            context.publish(fact: "parameters.\(name)", value: Double(row.model.trained.model.parameterCount), kind: .count)
        }
        let measured = ranked.filter { $0.validationAccuracy != nil }
        if let best = measured.first?.validationAccuracy, let worst = measured.last, let lowest = worst.validationAccuracy {
            context.publish(fact: "worst-variant", text: worst.variant.name)
            context.publish(fact: "worst-validation-accuracy", value: lowest, kind: .fraction)
            context.publish(fact: "spread", value: best - lowest, kind: .fraction)
        }
        // Best first within each group too, since `measured` is ranked; the first of a tie wins.
        var groups: [String] = []
        for row in measured where !groups.contains("\(row.variant.width)×\(row.variant.depth)") {
            groups.append("\(row.variant.width)×\(row.variant.depth)")
        }
        for group in groups {
            let mine = measured.filter { "\($0.variant.width)×\($0.variant.depth)" == group }
            guard mine.count > 1, let first = mine.first, let last = mine.last else { continue }
            context.publish(fact: "best-activation.\(group)", text: first.variant.activation.rawValue)
            context.publish(fact: "worst-activation.\(group)", text: last.variant.activation.rawValue)
        }
    }
}
