import Engine
import Figures
import Foundation
import NeuralNet

/// Where a run's monitoring acted, read from the trained model: the epochs after which
/// reduce-on-plateau lowered the learning rate, the epoch after which early stopping ended the
/// run, and the epoch whose weights the model keeps. The epoch table, the curves, the cell's
/// text and its facts all say it from this one value.
struct MonitoringEvents {
    /// The epochs after which the learning rate was lowered.
    var reductions: [Int]
    /// The rate before and after each reduction, by epoch.
    var rates: [Int: (before: Float, after: Float)]
    /// The plateau settings, when that schedule ran.
    var plateau: Plateau?
    /// The early-stopping settings, when on.
    var earlyStopping: EarlyStopping?
    /// The epoch after which early stopping ended the run, `nil` when every planned epoch ran.
    var stoppedEpoch: Int?
    /// The epoch whose weights the model keeps when early stopping chose it.
    var keptEpoch: Int?
    /// The epochs planned.
    var plannedEpochs: Int?

    init(_ trained: TrainedModel) {
        let history = trained.history
        reductions = trained.learningRateReductions
        var rates: [Int: (before: Float, after: Float)] = [:]
        for epoch in reductions {
            guard let index = history.firstIndex(where: { $0.epoch == epoch }) else { continue }
            let after = history.indices.contains(index + 1) ? history[index + 1].learningRate : history[index].learningRate
            rates[epoch] = (history[index].learningRate, after)
        }
        self.rates = rates
        plateau = trained.configuration?.learningRate.plateau
        earlyStopping = trained.configuration?.earlyStopping
        stoppedEpoch = trained.stoppedEpoch
        keptEpoch = earlyStopping != nil ? trained.keptEpoch : nil
        plannedEpochs = trained.configuration?.epochs
    }

    /// Whether anything acted.
    var isEmpty: Bool { reductions.isEmpty && stoppedEpoch == nil && keptEpoch == nil }

    /// `halved`, `multiplied by 0.3`, `lowered to its minimum 1e-05`.
    func reductionWords(after epoch: Int) -> String {
        guard let plateau, let rate = rates[epoch] else { return "lowered" }
        if rate.after <= plateau.minimum && rate.before * plateau.factor < plateau.minimum {
            return "lowered to its minimum \(TrainingRun.learningRateText(rate.after))"
        }
        switch plateau.factor {
        case 0.5: return "halved"
        case 0.1: return "divided by 10"
        default: return "multiplied by \(Format.decimal(Double(plateau.factor), 2))"
        }
    }

    /// `epoch 7`, `epochs 7 and 11`, `epochs 3, 7 and 11`.
    static func epochList(_ epochs: [Int]) -> String {
        let words = epochs.map(String.init)
        switch words.count {
        case 0: return ""
        case 1: return "epoch \(words[0])"
        default: return "epochs " + words.dropLast().joined(separator: ", ") + " and " + words[words.count - 1]
        }
    }

    /// One sentence saying where the monitoring acted, `nil` when nothing watched the validation
    /// part: "The learning rate was halved after epochs 7 and 11 (0.001 → 0.00025); early stopping
    /// stopped after epoch 14 and kept epoch 12 (best validation macro-F1, 0.912)."
    func sentence(history: [EpochRecord]) -> String? {
        var parts: [String] = []
        if let plateau {
            if reductions.isEmpty {
                parts.append("the learning rate was never lowered: the \(plateau.metric.phrase) improved at least every "
                             + "\(plateau.patience) epoch\(plateau.patience == 1 ? "" : "s")")
            } else {
                // Group consecutive reductions that read alike ("halved after epochs 7 and 11").
                var groups: [(words: String, epochs: [Int])] = []
                for epoch in reductions {
                    let words = reductionWords(after: epoch)
                    if let last = groups.last, last.words == words {
                        groups[groups.count - 1].epochs.append(epoch)
                    } else {
                        groups.append((words, [epoch]))
                    }
                }
                var range = ""
                if let first = history.first?.learningRate, let last = history.last?.learningRate {
                    range = " (\(TrainingRun.learningRateText(first)) → \(TrainingRun.learningRateText(last)))"
                }
                parts.append("the learning rate was " + groups.map { "\($0.words) after \(Self.epochList($0.epochs))" }.joined(separator: ", then ")
                             + range + " when the \(plateau.metric.phrase) had not improved for \(plateau.patience) epoch\(plateau.patience == 1 ? "" : "s")")
            }
        }
        if let stopping = earlyStopping {
            var text = stoppedEpoch.map { "early stopping stopped after epoch \($0) of \(plannedEpochs.map(String.init) ?? "?"), "
                + "\(stopping.patience) epoch\(stopping.patience == 1 ? "" : "s") without a better \(stopping.metric.phrase)" }
                ?? "early stopping never stopped the run"
            if let kept = keptEpoch, let record = history.first(where: { $0.epoch == kept }) {
                let value = stopping.metric.value(in: record).map { ", \(Format.decimal(Double($0)))" } ?? ""
                text += "; the model keeps epoch \(kept) (best \(stopping.metric.phrase)\(value))"
            } else if !stopping.restoreBest {
                text += "; the model keeps the last epoch's weights ('restore-best: false')"
            }
            parts.append(text)
        }
        guard !parts.isEmpty else { return nil }
        let joined = parts.joined(separator: "; ")
        return joined.prefix(1).uppercased() + joined.dropFirst() + "."
    }

    /// The note of one epoch in the epoch table: `lr ×0.5 → 0.0005`, `kept (best macro-F1)`, `stopped`.
    func note(epoch: Int) -> String {
        var notes: [String] = []
        if reductions.contains(epoch), let rate = rates[epoch] {
            let words = reductionWords(after: epoch)
            // "lowered to its minimum 0.002" names the new rate already.
            notes.append(words.hasPrefix("lowered to") ? "lr \(words)" : "lr \(words) → \(TrainingRun.learningRateText(rate.after))")
        }
        if epoch == keptEpoch, let stopping = earlyStopping { notes.append("kept (best \(stopping.metric.shortName))") }
        if epoch == stoppedEpoch { notes.append("stopped") }
        return notes.joined(separator: "; ")
    }

    /// The vertical markers of the curves: rate lowered, stopped, kept. They are greys told apart by
    /// their dashes, the same in every panel, so they never look like one of the data's lines.
    var markers: [MarkedLineChart.Marker] {
        var markers = reductions.map {
            MarkedLineChart.Marker(x: Double($0), label: "lr lowered after", style: .dotted, color: Color(grey: 0.45))
        }
        if let stoppedEpoch {
            markers.append(.init(x: Double(stoppedEpoch), label: "stopped after", style: .dashed, color: Color(grey: 0.45)))
        }
        if let keptEpoch { markers.append(.init(x: Double(keptEpoch), label: "kept epoch", style: .solid, color: Color(grey: 0.25))) }
        return markers
    }
}

extension PublishedFacts {
    /// The facts of a run's monitoring (`train.cnn`, `train.mlp`).
    static let monitoring: [FactDeclaration] = [
        FactDeclaration("kept-epoch", .count, doc: "The epoch whose weights the model keeps (early stopping's best, otherwise the last)."),
        FactDeclaration("stopped-epoch", .count, doc: "The epoch after which early stopping ended the run (only when it did)."),
        FactDeclaration("learning-rate-reductions", .count, doc: "How often reduce-on-plateau lowered the learning rate (plateau schedule only)."),
        FactDeclaration("kept-validation-accuracy", .percentage, doc: "The validation accuracy of the kept epoch."),
        FactDeclaration("kept-validation-macro-f1", .number, doc: "The validation macro-F1 of the kept epoch."),
    ]

    /// Publishes ``monitoring`` for a trained model.
    static func publishMonitoring(_ context: ActionContext, trained: TrainedModel) {
        let events = MonitoringEvents(trained)
        if let kept = trained.keptRecord {
            context.publish(fact: "kept-epoch", value: Double(kept.epoch), kind: .count)
            if let accuracy = kept.validationAccuracy {
                context.publish(fact: "kept-validation-accuracy", value: Double(accuracy), kind: .fraction)
            }
            if let f1 = kept.validationMacroF1 { context.publish(fact: "kept-validation-macro-f1", value: Double(f1)) }
        }
        if let stopped = events.stoppedEpoch { context.publish(fact: "stopped-epoch", value: Double(stopped), kind: .count) }
        if events.plateau != nil {
            context.publish(fact: "learning-rate-reductions", value: Double(events.reductions.count), kind: .count)
        }
    }
}
