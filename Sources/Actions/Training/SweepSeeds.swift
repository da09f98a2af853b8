import Engine
import Figures
import Foundation

extension SweepAction {
    /// The charts of a sweep over several seeds: each variant's validation accuracy as a dot (the
    /// mean) with a whisker of ± one sd and its seeds as faint dots, on an axis zoomed to the
    /// values (so variants 0.2 points apart are told apart), best first; and the mean accuracy
    /// against the mean training time of a seed.
    static func emitSeedCharts(_ context: ActionContext, rows ranked: [Row], seeds: Int) throws {
        let activations = ranked.reduce(into: [String]()) { names, row in
            if !names.contains(row.variant.activation.rawValue) { names.append(row.variant.activation.rawValue) }
        }
        // One row per variant, coloured by activation (one series each, empty elsewhere).
        let series = activations.map { activation in
            IntervalChart.Series(name: activation, intervals: ranked.map { row in
                guard row.variant.activation.rawValue == activation, let summary = row.accuracy else { return nil }
                return IntervalChart.Interval(center: summary.mean, lower: summary.mean - summary.sd,
                                              upper: summary.mean + summary.sd, samples: row.accuracies.compactMap { $0 })
            })
        }
        let chart = IntervalChart(categories: ranked.map(\.variant.name), series: series, categoryLabel: "variant",
                                  valueLabel: "validation accuracy (mean ± sd over \(seeds) seeds)",
                                  legendPlacement: activations.count > 1 ? .outside : .hidden)
        let height = min(1400, max(240, 110 + 30 * Double(ranked.count)))
        try context.emit(Figure(chart, title: "Validation accuracy by variant", size: Size(width: 640, height: height)),
                         name: "accuracy-by-variant", title: "Validation accuracy by variant: mean (dot) ± sd (whisker) over \(seeds) seeds, each seed a faint dot")

        let points = activations.map { activation in
            let mine = ranked.filter { $0.variant.activation.rawValue == activation && $0.validationAccuracy != nil }
            return ScatterPlot.Series(name: activation, x: mine.map(\.seconds), y: mine.compactMap(\.validationAccuracy))
        }
        let scatter = ScatterPlot(series: points, xLabel: "training seconds (mean of a seed)",
                                  yLabel: "validation accuracy (mean over seeds)", markerSize: 9, opacity: 0.9)
        try context.emit(Figure(scatter, title: "Accuracy against training time", size: Size(width: 560, height: 380)),
                         name: "accuracy-vs-time", title: "Mean validation accuracy against mean training time, one colour per activation")
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
