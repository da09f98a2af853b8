import Dataset
import Engine
import Figures

extension Action {
    /// `eda.wordcloud`: the class names, sized by how many images each class has.
    public static let edaWordCloud = Action(
        name: "eda.wordcloud",
        version: 1,
        summary: "A word cloud of the class names, each weighted by its number of images.",
        discussion: """
            Each class name is drawn with an area proportional to its image count in the chosen \
            part. On a balanced set every name gets the same weight, and the cloud says exactly that \
            at a glance; on an imbalanced one the small classes shrink. Weighting by confusion with a \
            chosen class needs a trained model and is not offered yet.
            """,
        inputs: [EDAParameters.data],
        parameters: [
            EDAParameters.part(default: "all"),
            Parameter("seed", .integer(.atLeast(0)), default: .int(0), doc: "Placement of the words."),
        ],
        run: WordCloudAction.run)
}

enum WordCloudAction {
    static func run(_ context: ActionContext) throws {
        let data = try EDAData.load(context)
        let part = context.parameters.string("part")
        let seed = context.parameters.int("seed")
        let counts = data.images.classCounts(of: data.indices(part))
        let total = Double(max(1, counts.reduce(0, +)))
        var table = Table(columns: ["class", "images", "weight"], caption: "Word weights (\(part) images)")
        for (label, name) in data.classNames.enumerated() {
            table.append([name, Format.count(counts[label]), Format.decimal(Double(counts[label]) / total)])
        }
        context.emit(table)
        let words = zip(data.classNames, counts).filter { $0.1 > 0 }.map { ($0.0, Double($0.1)) }
        guard !words.isEmpty else { throw context.error("The part '\(part)' has no images.", parameter: "part") }
        try context.emitFigure(name: "wordcloud", title: "Class names weighted by image count (\(part) images)",
                               chart: WordCloud(words: words, seed: UInt64(seed)), size: Size(width: 640, height: 360))
    }
}
