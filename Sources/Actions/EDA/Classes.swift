import Dataset
import Engine
import Figures

extension Action {
    /// `eda.classes`: how many images each class has in each part of the split.
    public static let edaClasses = Action(
        name: "eda.classes",
        version: 4,
        summary: "Counts images per class in each part of the split, with a bar chart and the imbalance ratio.",
        discussion: """
            The table has one row per class and one column per part (train, validation, test) plus \
            the total and each class's share. The imbalance ratio of a part is its largest class count \
            over its smallest: 1 means perfectly balanced; above about 1.5 accuracy alone starts to \
            hide how the small classes fare.
            """,
        inputs: [EDAParameters.data],
        parameters: ClassesParameters.self,
        facts: [
            FactDeclaration("images", .count, doc: "How many images there are in all parts."),
            FactDeclaration("classes", .count, doc: "How many classes there are."),
            FactDeclaration("imbalance", .number, doc: "The largest class count over the smallest, over all parts (not published when a class is missing)."),
            FactDeclaration("largest-class", .text, doc: "The class with the most images."),
            FactDeclaration("largest-class-images", .count, doc: "Its number of images."),
            FactDeclaration("largest-share", .percentage, doc: "Its share of all images: the accuracy of always answering it."),
            FactDeclaration("smallest-class", .text, doc: "The class with the fewest images."),
            FactDeclaration("smallest-class-images", .count, doc: "Its number of images."),
            FactDeclaration("smallest-share", .percentage, doc: "Its share of all images."),
            .family("count", suffix: "class", .count, doc: "The images of one class over all parts, e.g. count.Shirt."),
            .family("largest", suffix: "part", .count, doc: "The images of the largest class in one part, e.g. largest.train."),
            .family("smallest", suffix: "part", .count, doc: "The images of the smallest class in one part, e.g. smallest.test."),
            FactDeclaration("class-sizes", .text, doc: "The images per class in words: '7,000' when all classes are that size, else '6,000 (Shirt) to 7,000 (Bag)'."),
            .family("part-sizes", suffix: "part", .text, doc: "The images per class of one part: '5,600' when all are that size, else '5,590 to 5,610', e.g. part-sizes.train."),
            .family("part-imbalance", suffix: "part", .number, doc: "The imbalance ratio of one part, e.g. part-imbalance.validation."),
        ],
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

        publishFacts(context, names: images.classNames, totals: totals, counts: counts)

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

extension ClassesAction {
    /// The facts of `eda.classes`: totals, the largest and smallest class, and each part's range.
    static func publishFacts(_ context: ActionContext, names: [String], totals: [Int],
                             counts: [DatasetSplit.Part: [Int]]) {
        let all = totals.reduce(0, +)
        context.publish(fact: "images", value: Double(all), kind: .count)
        context.publish(fact: "classes", value: Double(names.count), kind: .count)
        let overall = imbalanceRatio(totals)
        if overall.isFinite { context.publish(fact: "imbalance", value: overall) }
        // Ties go to the first class, as the table lists them.
        if let largest = totals.indices.max(by: { totals[$0] < totals[$1] || (totals[$0] == totals[$1] && $0 > $1) }),
           let smallest = totals.indices.min(by: { totals[$0] < totals[$1] || (totals[$0] == totals[$1] && $0 < $1) }) {
            context.publish(fact: "largest-class", text: names[largest])
            context.publish(fact: "largest-class-images", value: Double(totals[largest]), kind: .count)
            context.publish(fact: "largest-share", value: Double(totals[largest]) / Double(max(1, all)), kind: .fraction)
            context.publish(fact: "smallest-class", text: names[smallest])
            context.publish(fact: "smallest-class-images", value: Double(totals[smallest]), kind: .count)
            context.publish(fact: "smallest-share", value: Double(totals[smallest]) / Double(max(1, all)), kind: .fraction)
            context.publish(fact: "class-sizes", text: totals[smallest] == totals[largest]
                                ? Format.count(totals[largest])
                                : "\(Format.count(totals[smallest])) (\(names[smallest])) to \(Format.count(totals[largest])) (\(names[largest]))")
        }
        for (name, total) in zip(names, totals) { context.publish(fact: "count.\(name)", value: Double(total), kind: .count) }
        for part in DatasetSplit.Part.allCases {
            let partCounts = counts[part] ?? []
            guard let largest = partCounts.max(), let smallest = partCounts.min() else { continue }
            context.publish(fact: "largest.\(part.rawValue)", value: Double(largest), kind: .count)
            context.publish(fact: "smallest.\(part.rawValue)", value: Double(smallest), kind: .count)
            context.publish(fact: "part-sizes.\(part.rawValue)", text: smallest == largest
                                ? Format.count(largest) : "\(Format.count(smallest)) to \(Format.count(largest))")
            let ratio = imbalanceRatio(partCounts)
            if ratio.isFinite { context.publish(fact: "part-imbalance.\(part.rawValue)", value: ratio) }
        }
    }
}
