import Dataset
import Engine

extension Action {
    /// `split`: seeded train/validation/test split, optionally stratified.
    public static let split = Action(
        name: "split",
        version: 1,
        summary: "Splits a dataset into train, validation and test sets (80/10/10 by default, or the official train/test files).",
        discussion: """
            Sizes are exact (largest-remainder rounding). With 'stratify: true' every class is split \
            in the same fractions, so each part keeps the class balance. The split stores indices into \
            the dataset, not copies of its images. 'protocol: random' (the default) splits all images \
            by 'train', 'validation' and 'test'; 'protocol: official' is the protocol of the literature: \
            the test part is the official test file (Fashion-MNIST's 10,000), and the official training \
            file (60,000) trains, less a 'validation' share carved from it (stratified with 'stratify'). \
            It needs a 'load' of the IDX files with 'parts: all'; 'train' and 'test' are then left out (other values than their defaults are an error).
            """,
        inputs: [Input("data", kind: .dataset, doc: "The dataset to split.")],
        produces: .split,
        parameters: SplitParameters.self,
        example: "train: 0.8\nvalidation: 0.1\ntest: 0.1\nseed: 42",
        facts: PublishedFacts.split,
        check: { parameters, inputs in SplitAction.dataProblems(parameters, data: inputs.first("data")) },
        describe: { parameters, inputs in
            // The training cells below see the dataset's images, and a train part of about this size.
            guard var facts = inputs.first("data") else { return nil }
            if parameters.protocolChoice == .official {
                facts.imageCount = facts.officialTrainCount.map { Int((Double($0) * (1 - parameters.validation)).rounded()) }
            } else {
                facts.imageCount = facts.imageCount.map { Int((Double($0) * parameters.train).rounded()) }
            }
            facts.officialTrainCount = nil
            return facts
        },
        run: SplitAction.run)
}

/// How `split` divides the images: at random by fractions, or by the official files.
enum SplitProtocol: String, CaseIterable, Sendable, ParameterValue {
    /// All images, split by 'train', 'validation' and 'test'.
    case random
    /// The official test file tests; the official training file trains, less a validation share.
    case official
}

/// The parameters of `split`.
struct SplitParameters: ParameterSet {
    var train = 0.8
    var validation = 0.1
    var test = 0.1
    var stratify = true
    var seed = 42
    /// `nil`: random, so that cells written before the parameter keep their cache keys.
    var splitProtocol: SplitProtocol?

    static let fields: [Field<Self>] = [
        Field("train", \.train, .number(.openClosed(0, 1)), doc: "Fraction for training (random protocol only)."),
        Field("validation", \.validation, .number(.openClosed(0, 1)),
              doc: "Fraction for validation (monitoring during training); with 'protocol: official', the share of the official training images."),
        Field("test", \.test, .number(.openClosed(0, 1)), doc: "Fraction for the final test (random protocol only)."),
        Field("stratify", \.stratify, .boolean, doc: "Keep each class's share equal in every part."),
        .seed(\.seed, doc: "Which images go where."),
        Field("protocol", \.splitProtocol, .choice(SplitProtocol.allCases.map(\.rawValue)),
              doc: "'random' (default): all images by the fractions; 'official': train on the official training file less 'validation', test on the official test file."),
    ]

    /// The protocol, `random` when not written.
    var protocolChoice: SplitProtocol { splitProtocol ?? .random }

    func check() -> [NamedProblem] {
        if protocolChoice == .official {
            var problems: [NamedProblem] = []
            // The official files fix both parts: a fraction other than the default is a mistake.
            let defaults = SplitParameters()
            for (name, value, standard) in [("train", train, defaults.train), ("test", test, defaults.test)] where value != standard {
                problems.append(NamedProblem(parameter: name, "with 'protocol: official' the \(name) part is "
                    + (name == "train" ? "the official training file less the 'validation' share" : "the official test file")
                    + "; remove '\(name)'"))
            }
            if validation >= 1 {
                problems.append(NamedProblem(parameter: "validation", "with 'protocol: official', 'validation' is the share of the official "
                    + "training images that validates, so it must be below 1 (0.1 carves 6,000 of Fashion-MNIST's 60,000)"))
            }
            return problems
        }
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
    /// What `loom check` can say from the dataset's facts: the official protocol on data that has
    /// no official test part.
    static func dataProblems(_ parameters: SplitParameters, data: ResultFacts?) -> [NamedProblem] {
        guard parameters.protocolChoice == .official, let data, data.imageCount != nil, data.officialTrainCount == nil else { return [] }
        return [NamedProblem(parameter: "protocol", noOfficialPartsMessage)]
    }

    static let noOfficialPartsMessage = "'protocol: official' needs the official training and test files, but this dataset does not keep "
        + "them apart (a folder of PNG images has no official test part, nor does 'load' with 'parts: train' or 'parts: test'); "
        + "load the four IDX files with 'parts: all', or use 'protocol: random'"

    static func run(_ parameters: SplitParameters, _ context: ActionContext) throws {
        let dataset = try context.input("data", as: DatasetValue.self)
        let images = dataset.images
        let seed = parameters.seed
        let stratified = parameters.stratify
        let official = parameters.protocolChoice == .official
        let split: DatasetSplit
        if official {
            guard let testStart = dataset.originalTestStart else {
                throw context.error(noOfficialPartsMessage, parameter: "protocol")
            }
            do {
                split = try DatasetSplit(officialTestStart: testStart, labels: images.labels, classCount: images.classCount,
                                         validation: parameters.validation, stratified: stratified, seed: UInt64(seed))
            } catch {
                throw context.error("\(error)", parameter: "protocol")
            }
        } else {
            split = try DatasetSplit(
                labels: images.labels, classCount: images.classCount,
                fractions: .init(train: parameters.train, validation: parameters.validation, test: parameters.test),
                stratified: stratified, seed: UInt64(seed))
        }
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
        if official, let testStart = dataset.originalTestStart {
            context.emit(markdown: "Official protocol: the \(Format.count(images.count - testStart)) images of the official test file test; "
                         + "the \(Format.count(testStart)) of the official training file train, less a validation share of "
                         + "\(Format.percent(parameters.validation)) carved from them "
                         + (stratified ? "(stratified by class)" : "(not stratified)") + " with seed \(seed):")
        } else {
            context.emit(markdown: "Random protocol: split \(Format.count(images.count)) images "
                         + (stratified ? "(stratified by class)" : "(not stratified)") + " with seed \(seed):")
        }
        context.emit(table)
        for (part, size) in zip(parts, sizes) { context.publish(fact: part.rawValue, value: Double(size), kind: .count) }
        context.publish(fact: "images", value: Double(images.count), kind: .count)
        context.publish(fact: "protocol", text: parameters.protocolChoice.rawValue)
        guard let datasetKey = context.inputKey("data") else { preconditionFailure("split has a dataset input") }
        context.setResult(SplitValue(datasetKey: datasetKey, split: split, stratified: stratified, seed: seed))
    }
}
