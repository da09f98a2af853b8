import Dataset
import Engine
import Figures

extension Action {
    /// `eda.classes`: how many images each class has in each part of the split.
    public static let edaClasses = Action(
        name: "eda.classes",
        version: 2,
        summary: "Counts images per class in each part of the split, with a bar chart and the imbalance ratio.",
        discussion: """
            The table has one row per class and one column per part (train, validation, test) plus \
            the total and each class's share. The imbalance ratio of a part is its largest class count \
            over its smallest: 1 means perfectly balanced; above about 1.5 accuracy alone starts to \
            hide how the small classes fare.
            """,
        inputs: [EDAParameters.data],
        parameters: ClassesParameters.self,
        run: ClassesAction.run)
}

/// The parameters of `eda.classes`.
struct ClassesParameters: ParameterSet {

    static let fields: [Field<Self>] = [
    ]
}

enum ClassesAction {
    /// Largest over smallest count; infinite when a class is missing, 1 for no counts.
    static func imbalanceRatio(_ counts: [Int]) -> Double {
        guard let largest = counts.max(), let smallest = counts.min() else { return 1 }
        if smallest == 0 { return largest == 0 ? 1 : .infinity }
        return Double(largest) / Double(smallest)
    }

    static func ratioText(_ ratio: Double) -> String {
        ratio.isFinite ? Format.decimal(ratio, 3) : "∞ (a class is missing)"
    }

    static func run(_ parameters: ClassesParameters, _ context: ActionContext) throws {
        let data = try EDAData.load(context)
        let images = data.images
        let parts = DatasetSplit.Part.allCases
        let counts = data.split.classCounts(labels: images.labels, classCount: images.classCount)
        let totals = images.classCounts()

        var table = Table(columns: ["class"] + parts.map(\.rawValue) + ["total", "share"])
        for (label, name) in images.classNames.enumerated() {
            let row = parts.map { counts[$0]?[label] ?? 0 }
            table.append([name] + row.map(Format.count) + [Format.count(totals[label]),
                                                           Format.percent(Double(totals[label]) / Double(max(1, images.count)))])
        }
        table.append(["**total**"] + parts.map { "**\(Format.count(data.split[$0].count))**" }
                     + ["**\(Format.count(images.count))**", "100.0%"])
        table.append(["imbalance (max/min)"] + parts.map { ratioText(imbalanceRatio(counts[$0] ?? [])) }
                     + [ratioText(imbalanceRatio(totals)), ""])
        context.emit(table)

        let overall = imbalanceRatio(totals)
        let smallest = totals.indices.min { totals[$0] < totals[$1] } ?? 0
        let largest = totals.indices.max { totals[$0] < totals[$1] } ?? 0
        if overall == 1 {
            context.emit(markdown: "All \(images.classCount) classes have exactly \(Format.count(totals.first ?? 0)) images: "
                         + "the imbalance ratio is 1.000, so plain accuracy is a fair summary.")
        } else {
            context.emit(markdown: "Imbalance ratio \(ratioText(overall)): the largest class, '\(MarkdownText.literal(images.classNames[largest]))', has "
                         + "\(Format.count(totals[largest])) images and the smallest, '\(MarkdownText.literal(images.classNames[smallest]))', "
                         + "\(Format.count(totals[smallest])).")
        }

        let chart = BarChart(
            categories: images.classNames,
            series: parts.map { part in
                BarChart.Series(name: part.rawValue, values: (counts[part] ?? []).map(Double.init))
            },
            title: "Images per class and part", categoryLabel: "class", valueLabel: "images",
            legendPlacement: .best)
        let width = max(640.0, min(1400, 60.0 * Double(images.classCount) + 120))
        try context.emitFigure(name: "class-counts", title: "Images per class in each part of the split",
                               chart: chart, size: Size(width: width, height: 380))
    }
}
