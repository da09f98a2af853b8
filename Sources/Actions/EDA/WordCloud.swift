import Analysis
import Dataset
import Engine
import Figures
import Foundation

extension Action {
    /// `eda.wordcloud`: the class names, sized by how many images each class has.
    public static let edaWordCloud = Action(
        name: "eda.wordcloud",
        version: 4,
        summary: "A word cloud of the class names, weighted by image count or by confusion with one class.",
        discussion: """
            Each class name's font size grows linearly with its image count in the chosen part \
            (equal counts, equal sizes). On a balanced set every name gets the same weight, and the cloud says exactly that \
            at a glance; on an imbalanced one the small classes shrink. With 'confused-with: Shirt' \
            and a trained model above, each other class is weighted instead by how often the model \
            confuses it with Shirt in the chosen part (Shirt taken for it, plus it taken for Shirt): \
            the biggest words are the classes a Shirt is hardest to tell from ('part: all' then uses the \
            validation part, since the model has seen the training part).
            """,
        inputs: [EDAParameters.data,
                 Input("model", kind: .model, optional: true,
                       doc: "The model whose confusions weigh the words (used only with 'confused-with').")],
        parameters: WordCloudParameters.self,
        facts: [
            FactDeclaration("words", .count, doc: "How many words the cloud shows (classes with a weight above 0)."),
            FactDeclaration("heaviest", .text, doc: "The word with the largest weight (the first of a tie)."),
            FactDeclaration("heaviest-weight", .number, doc: "Its weight: a class's share of the images, or with 'confused-with' its confusions."),
            FactDeclaration("lightest", .text, doc: "The shown word with the smallest weight (the last of a tie)."),
            FactDeclaration("lightest-weight", .number, doc: "Its weight."),
            FactDeclaration("confusions", .count, doc: "With 'confused-with': all confusions of the class with the others, both ways."),
        ],
        run: WordCloudAction.run)
}

/// The parameters of `eda.wordcloud`.
struct WordCloudParameters: ParameterSet {
    var part = "all"
    var confusedWith: String?
    var seed = 0

    static let fields: [Field<Self>] = [
        EDAParameters.part(\.part),
        Field("confused-with", \.confusedWith, .string, doc: "A class name: weigh the other classes by confusion with it."),
        .seed(\.seed, doc: "Placement of the words."),
    ]
}

enum WordCloudAction {
    static func run(_ parameters: WordCloudParameters, _ context: ActionContext) throws {
        if let target = parameters.confusedWith {
            return try runByConfusion(parameters, context, target: target)
        }
        let data = try EDAData.load(context)
        let part = parameters.part
        let seed = parameters.seed
        let counts = data.images.classCounts(of: data.indices(part))
        let total = Double(max(1, counts.reduce(0, +)))
        var table = Table(columns: ["class", "images", "weight"], caption: "Word weights (\(part) images)")
        for (label, name) in data.classNames.enumerated() {
            table.append([name, Format.count(counts[label]), Format.decimal(Double(counts[label]) / total)])
        }
        context.emit(table)
        let words = zip(data.classNames, counts).filter { $0.1 > 0 }.map { ($0.0, Double($0.1)) }
        guard !words.isEmpty else { throw context.error("The part '\(part)' has no images.", parameter: "part") }
        publishWords(context, words.map { ($0.0, $0.1 / total) })
        try context.emitFigure(name: "wordcloud", title: "Class names weighted by image count (\(part) images)",
                               chart: WordCloud(words: words, seed: UInt64(seed)), size: Size(width: 640, height: 360))
    }
}

extension WordCloudAction {
    /// Words weighted by how often the model confuses each class with `target`, both ways.
    static func runByConfusion(_ parameters: WordCloudParameters, _ context: ActionContext, target: String) throws {
        guard let model = try context.optionalInput("model", as: ModelValue.self) else {
            throw context.error("'confused-with' needs a trained model above this cell (a 'train.cnn' or 'train.mlp' cell)",
                                parameter: "confused-with")
        }
        let label = context.inputLabel("model") ?? "model"
        let (split, dataset) = try context.splitData()
        let names = dataset.images.classNames
        guard let targetIndex = names.firstIndex(of: target) else {
            throw context.error("'\(target)' is not a class of this dataset" + Suggestions.hint(for: target, in: names),
                                parameter: "confused-with")
        }
        let partName = parameters.part
        let part = DatasetSplit.Part(rawValue: partName) ?? .validation
        let set = try EvaluationImages(split: split, dataset: dataset, part: part)
        try set.checkFits(model, label: label, parameter: "model")
        let predictions = try Predictions(model: model.trained, images: set.images)
        let confusion = ConfusionMatrix(actual: set.labels, predicted: predictions.predicted, classCount: names.count)
        var table = Table(columns: ["class", "\(target) taken for it", "it taken for \(target)", "weight"],
                          caption: "Confusions with \(target) by \(label) (\(part.rawValue) images)")
        let rows = names.indices.filter { $0 != targetIndex }.map { index in
            (name: names[index], asIt: confusion[actual: targetIndex, predicted: index],
             asTarget: confusion[actual: index, predicted: targetIndex])
        }.sorted { $0.asIt + $0.asTarget > $1.asIt + $1.asTarget }
        for row in rows {
            table.append([row.name, Format.count(row.asIt), Format.count(row.asTarget), Format.count(row.asIt + row.asTarget)])
        }
        context.emit(table)
        let words = rows.filter { $0.asIt + $0.asTarget > 0 }.map { ($0.name, Double($0.asIt + $0.asTarget)) }
        context.publish(fact: "confusions", value: words.reduce(0) { $0 + $1.1 }, kind: .count)
        publishWords(context, words)
        guard !words.isEmpty else {
            context.emit(markdown: "\(MarkdownText.literal(label)) never confuses \(MarkdownText.literal(target)) with another class on these images.")
            return
        }
        try context.emitFigure(name: "wordcloud", title: "Classes weighted by confusion with \(target) (\(label))",
                               chart: WordCloud(words: words, seed: UInt64(parameters.seed)),
                               size: Size(width: 640, height: 360))
    }
}

extension WordCloudAction {
    /// The facts of the cloud's words: how many, and the heaviest and lightest with their weights.
    static func publishWords(_ context: ActionContext, _ words: [(String, Double)]) {
        context.publish(fact: "words", value: Double(words.count), kind: .count)
        guard let heaviest = words.enumerated().max(by: { $0.element.1 != $1.element.1 ? $0.element.1 < $1.element.1 : $0.offset > $1.offset }),
              let lightest = words.enumerated().min(by: { $0.element.1 != $1.element.1 ? $0.element.1 < $1.element.1 : $0.offset > $1.offset })
        else { return }
        context.publish(fact: "heaviest", text: heaviest.element.0)
        context.publish(fact: "heaviest-weight", value: heaviest.element.1)
        context.publish(fact: "lightest", text: lightest.element.0)
        context.publish(fact: "lightest-weight", value: lightest.element.1)
    }
}
