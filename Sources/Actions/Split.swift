import Dataset
import Engine

extension Action {
    /// `split`: seeded train/validation/test split, optionally stratified.
    public static let split = Action(
        name: "split",
        version: 1,
        summary: "Splits a dataset into train, validation and test sets (80/10/10 by default).",
        discussion: """
            Sizes are exact (largest-remainder rounding). With 'stratify: true' every class is split \
            in the same fractions, so each part keeps the class balance. The split stores indices into \
            the dataset, not copies of its images.
            """,
        inputs: [Input("data", kind: .dataset, doc: "The dataset to split.")],
        produces: .split,
        parameters: SplitParameters.self,
        example: "train: 0.8\nvalidation: 0.1\ntest: 0.1\nseed: 42",
        facts: PublishedFacts.split,
        describe: { parameters, inputs in
            // The training cells below see the dataset's images, and a train part of about this size.
            guard var facts = inputs.first("data") else { return nil }
            facts.imageCount = facts.imageCount.map { Int((Double($0) * parameters.train).rounded()) }
            return facts
        },
        run: SplitAction.run)
}

/// The parameters of `split`.
struct SplitParameters: ParameterSet {
    var train = 0.8
    var validation = 0.1
    var test = 0.1
    var stratify = true
    var seed = 42

    static let fields: [Field<Self>] = [
        Field("train", \.train, .number(.openClosed(0, 1)), doc: "Fraction for training."),
        Field("validation", \.validation, .number(.openClosed(0, 1)), doc: "Fraction for validation (monitoring during training)."),
        Field("test", \.test, .number(.openClosed(0, 1)), doc: "Fraction for the final test."),
        Field("stratify", \.stratify, .boolean, doc: "Keep each class's share equal in every part."),
        .seed(\.seed, doc: "Which images go where."),
    ]

    func check() -> [NamedProblem] {
        let sum = train + validation + test
        guard abs(sum - 1) <= 1e-6 else {
            return [NamedProblem(parameters: ["train", "validation", "test"],
                                 "train + validation + test must be 1, but \(Format.decimal(train, 2)) + "
                                     + "\(Format.decimal(validation, 2)) + \(Format.decimal(test, 2)) = \(Format.decimal(sum, 2))")]
        }
        return []
    }
}

enum SplitAction {
    static func run(_ parameters: SplitParameters, _ context: ActionContext) throws {
        let dataset = try context.input("data", as: DatasetValue.self)
        let images = dataset.images
        let seed = parameters.seed
        let stratified = parameters.stratify
        let split = try DatasetSplit(
            labels: images.labels, classCount: images.classCount,
            fractions: .init(train: parameters.train, validation: parameters.validation, test: parameters.test),
            stratified: stratified, seed: UInt64(seed))
        context.recordSeed(seed, purpose: "split")

        let counts = split.classCounts(labels: images.labels, classCount: images.classCount)
        let parts = DatasetSplit.Part.allCases
        var table = Table(columns: ["class"] + parts.map(\.rawValue) + ["total"])
        for (label, name) in images.classNames.enumerated() {
            let row = parts.map { counts[$0]?[label] ?? 0 }
            table.append([name] + row.map(Format.count) + [Format.count(row.reduce(0, +))])
        }
        let sizes = parts.map { split[$0].count }
        table.append(["**total**"] + sizes.map { "**\(Format.count($0))**" } + ["**\(Format.count(images.count))**"])
        table.append(["share"] + sizes.map { Format.percent(Double($0) / Double(max(1, images.count))) } + ["100.0%"])
        context.emit(markdown: "Split \(Format.count(images.count)) images "
                     + (stratified ? "(stratified by class)" : "(not stratified)") + " with seed \(seed):")
        context.emit(table)
        for (part, size) in zip(parts, sizes) { context.publish(fact: part.rawValue, value: Double(size), kind: .count) }
        context.publish(fact: "images", value: Double(images.count), kind: .count)
        guard let datasetKey = context.inputKey("data") else { preconditionFailure("split has a dataset input") }
        context.setResult(SplitValue(datasetKey: datasetKey, split: split, stratified: stratified, seed: seed))
    }
}
