import Dataset
import Engine
import Foundation

extension Action {
    /// `load`: reads an image set from IDX files and says how its pixels are scaled.
    public static let load = Action(
        name: "load",
        version: 2,
        summary: "Reads Fashion-MNIST, another IDX data set, or a folder of PNG images per class, and scales its pixels.",
        discussion: """
            'dataset: fashion-mnist' reads the four IDX .gz files that Debian's dataset-fashion-mnist \
            package installs in \(FashionMNIST.defaultDirectory); any other value is a folder holding \
            files of the same names. 'parts: all' joins the 60,000 training and 10,000 test images into \
            one set of 70,000 for your own split. A folder with the four IDX files under Fashion-MNIST's \
            names (MNIST, Kuzushiji-MNIST…) loads the same way, with 'classes' naming its classes. A \
            folder with one sub-folder of PNG images per class (torchvision's ImageFolder layout) is \
            read with the sub-folder names as classes, every image brought to 'size' and 'color'. The \
            images stay bytes in the cache; 'scale' says how later cells turn them into network inputs.
            """,
        produces: .dataset,
        parameters: LoadParameters.self,
        example: "dataset: fashion-mnist\nsample: 2000\nseed: 0",
        facts: PublishedFacts.load,
        identity: { parameters, files in
            let directory = parameters.directory(notebookDirectory: files.notebookDirectory)
            try LoadAction.checkFolder(parameters.dataset, resolved: directory, notebookDirectory: files.notebookDirectory)
            if ImageFolder.looksLikeImageFolder(directory) {
                return try ImageFolder.files(in: directory).map { try files.identity(ofFile: $0) }.joined(separator: ",")
            }
            let missing = FashionMNIST.missingFiles(in: directory)
            guard missing.isEmpty else {
                throw ActionError("\(DatasetError.fashionMNISTMissing(directory: directory, missing: missing))",
                                  parameter: LoadParameters.name(of: \.dataset))
            }
            return try FashionMNIST.fileNames.map { name in
                try files.identity(ofFile: (directory as NSString).appendingPathComponent(name))
            }.joined(separator: ",")
        },
        check: { parameters, inputs in LoadAction.dataProblems(parameters, notebookDirectory: inputs.notebookDirectory) },
        describe: { parameters, inputs in LoadAction.facts(parameters, notebookDirectory: inputs.notebookDirectory) },
        run: LoadAction.run)
}

/// How `load` names the classes of IDX data: Fashion-MNIST's names, the digits, or a list.
enum ClassNaming: ParameterValue, Equatable {
    case fashionMNIST
    case digits
    case names([String])

    var names: [String] {
        switch self {
        case .fashionMNIST: FashionMNIST.classNames
        case .digits: (0..<10).map(String.init)
        case .names(let names): names
        }
    }

    init?(parameterValue value: Value) {
        switch value {
        case .string("fashion-mnist"): self = .fashionMNIST
        case .string("digits"): self = .digits
        default:
            guard let names = [String](parameterValue: value) else { return nil }
            self = .names(names)
        }
    }

    var parameterValue: Value? {
        switch self {
        case .fashionMNIST: .string("fashion-mnist")
        case .digits: .string("digits")
        case .names(let names): names.parameterValue
        }
    }
}

/// The parameters of `load`.
struct LoadParameters: ParameterSet {
    enum Color: String, CaseIterable, Sendable { case grey, rgb }
    enum Scale: String, CaseIterable, Sendable { case unit, standardize }
    enum Parts: String, CaseIterable, Sendable { case all, train, test }

    var dataset = "fashion-mnist"
    var classes = ClassNaming.fashionMNIST
    var size = [28, 28]
    var color = Color.grey
    var scale = Scale.unit
    var parts = Parts.all
    var sample: Int?
    var seed = 0

    static let fields: [Field<Self>] = [
        Field("dataset", \.dataset, .string,
              doc: "'fashion-mnist' (Debian's copy), a folder with the four IDX .gz files, or a folder of class folders of PNGs."),
        Field("classes", \.classes, .either([.choice(["fashion-mnist", "digits"]), .list(.string)]),
              doc: "Class names of IDX data: 'fashion-mnist', 'digits' (0–9, for MNIST) or a list."),
        Field("size", \.size, .list(.integer(.closed(1, 1024))), doc: "[height, width] that images from a PNG folder are brought to."),
        Field("color", \.color, doc: "Whether images from a PNG folder are read as grey or RGB."),
        Field("scale", \.scale, doc: "'unit': pixels / 255 in [0, 1]; 'standardize': then minus the training part's mean, over its std."),
        Field("parts", \.parts, doc: "Which original parts to load: all 70,000 images, or the 60,000 or 10,000."),
        Field("sample", \.sample, .integer(.atLeast(10)),
              doc: "Keep a stratified random sample of this many images (quick experiments)."),
        .seed(\.seed, doc: "Seed of the sample."),
    ]

    func check() -> [NamedProblem] {
        if size.count != 2 {
            return [NamedProblem(\Self.size, "'size' needs two numbers, [height, width], but has \(size.count)")]
        }
        return []
    }

    /// The folder the images are read from. One rule, like `predict`'s `files`: a relative path is
    /// read from the notebook's folder (never from the working directory); `fashion-mnist` is Debian's copy.
    func directory(notebookDirectory: String) -> String {
        if dataset == "fashion-mnist" { return FashionMNIST.defaultDirectory }
        let url = dataset.hasPrefix("/") ? URL(fileURLWithPath: dataset)
            : URL(fileURLWithPath: notebookDirectory).appendingPathComponent(dataset)
        return url.standardizedFileURL.path
    }
}

enum LoadAction {
    /// The images with the class names the cell asks for.
    static func renamed(_ images: LabeledImages, classes: ClassNaming, context: ActionContext) throws -> LabeledImages {
        let names = classes.names
        let largest = Int(images.labels.max() ?? 0)
        guard largest < names.count else {
            throw context.error("the labels go up to \(largest) but 'classes' names only \(names.count) classes",
                                parameter: LoadParameters.name(of: \.classes))
        }
        return LabeledImages(pixels: images.pixels, labels: images.labels, channels: images.channels,
                             height: images.height, width: images.width, classNames: names)
    }

    /// A `dataset` folder that is missing, not a folder, or holds neither layout loom reads is
    /// one sentence that names the folder searched and what to put there.
    static func checkFolder(_ dataset: String, resolved directory: String, notebookDirectory: String) throws {
        guard dataset != "fashion-mnist" else { return }
        let searched = dataset.hasPrefix("/") ? "" : " (relative paths are read from the notebook's folder, '\(notebookDirectory)')"
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else {
            throw ActionError("the dataset folder '\(directory)' does not exist\(searched); give the folder that holds "
                              + "the four IDX .gz files or one sub-folder of PNGs per class", parameter: LoadParameters.name(of: \.dataset))
        }
        guard isDirectory.boolValue else {
            throw ActionError("'\(directory)' is a file, not a folder\(searched); 'dataset' names the folder that holds "
                              + "the four IDX .gz files or one sub-folder of PNGs per class", parameter: LoadParameters.name(of: \.dataset))
        }
        let missing = FashionMNIST.missingFiles(in: directory)
        if missing.count == FashionMNIST.fileNames.count, !ImageFolder.looksLikeImageFolder(directory) {
            throw ActionError("the folder '\(directory)' holds neither the four IDX files of an MNIST-style data set ("
                              + FashionMNIST.fileNames.map { "'\($0)'" }.joined(separator: ", ")
                              + ") nor sub-folders of .png images, one per class; put one of the two there", parameter: LoadParameters.name(of: \.dataset))
        }
    }

    static func run(_ parameters: LoadParameters, _ context: ActionContext) throws {
        let notebookDirectory = URL(fileURLWithPath: context.notebookPath).deletingLastPathComponent().path
        let directory = parameters.directory(notebookDirectory: notebookDirectory)
        var images: LabeledImages
        var testStart: Int?
        if ImageFolder.looksLikeImageFolder(directory) {
            let size = parameters.size
            images = try ImageFolder.load(directory, channels: parameters.color == .rgb ? 3 : 1,
                                          height: size[0], width: size[1]) { done, total in
                context.progress.update(ProgressUpdate(completed: done, total: total, unit: "img", message: "reading PNGs"))
            }
        } else {
            let loaded: (train: LabeledImages, test: LabeledImages)
            do {
                loaded = try FashionMNIST.load(directory: directory)
            } catch {
                throw context.error("\(error)", parameter: LoadParameters.name(of: \.dataset))
            }
            switch parameters.parts {
            case .train: images = loaded.train
            case .test: images = loaded.test
            case .all:
                images = loaded.train.concatenated(with: loaded.test)
                testStart = loaded.train.count
            }
            images = try renamed(images, classes: parameters.classes, context: context)
        }
        if let sample = parameters.sample, sample < images.count {
            let seed = parameters.seed
            let fraction = Double(sample) / Double(images.count)
            let drawn = try DatasetSplit(labels: images.labels, classCount: images.classCount,
                                         fractions: .init(train: fraction, validation: (1 - fraction) / 2,
                                                          test: (1 - fraction) / 2),
                                         stratified: true, seed: UInt64(seed))
            images = images.subset(drawn.train)
            // The drawn indices are ascending, so the sample keeps the official files apart too.
            testStart = testStart.map { start in drawn.train.prefix { Int($0) < start }.count }
            context.recordSeed(seed, purpose: "load sample")
        }

        let standardizes = parameters.scale == .standardize
        let source = parameters.dataset == "fashion-mnist" ? "Fashion-MNIST (\(directory))" : directory
        let value = DatasetValue(images: images, standardizes: standardizes, source: source, originalTestStart: testStart)

        var minimum = UInt8.max, maximum = UInt8.min
        for pixel in images.pixels {
            minimum = min(minimum, pixel)
            maximum = max(maximum, pixel)
        }
        let unitRange = "\(Format.decimal(Double(minimum) / 255)) … \(Format.decimal(Double(maximum) / 255))"
        var table = Table(columns: ["property", "value"], alignments: [.left, .left])
        table.append(["source", source])
        table.append(["images", Format.count(images.count)
                      + (testStart.map { " (\(Format.count($0)) train + \(Format.count(images.count - $0)) test)" } ?? "")])
        table.append(["image shape (C×H×W)", value.imageShapeDescription])
        table.append(["tensor shape", "\(images.count)×\(value.imageShapeDescription)"])
        table.append(["stored as", "UInt8, \(Format.count(images.pixels.count)) bytes"])
        table.append(["pixel range (stored)", "\(minimum) … \(maximum)"])
        if standardizes {
            table.append(["scaling", "(pixel / 255 − mean) / std (Float32), with the mean and std of the training part, "
                          + "measured by the training cell so that nothing leaks from validation and test"])
        } else {
            table.append(["scaling", "pixel / 255 (Float32)"])
            table.append(["scaled range", unitRange])
        }
        table.append(["classes", "\(images.classCount): " + images.classNames.joined(separator: ", ")])
        context.emit(table)
        PublishedFacts.publishLoad(context, images: images.count, classes: images.classCount,
                                   height: images.height, width: images.width)
        context.setResult(value)
    }
}

extension LoadAction {
    /// What `loom check` can say about the data before anything runs: a folder that is neither
    /// IDX files nor class folders of PNGs.
    static func dataProblems(_ parameters: LoadParameters, notebookDirectory: String) -> [NamedProblem] {
        let directory = parameters.directory(notebookDirectory: notebookDirectory)
        do {
            try checkFolder(parameters.dataset, resolved: directory, notebookDirectory: notebookDirectory)
        } catch let error as ActionError {
            return [NamedProblem(\LoadParameters.dataset, error.message)]
        } catch {
            return [NamedProblem(\LoadParameters.dataset, "\(error)")]
        }
        if ImageFolder.looksLikeImageFolder(directory) { return [] }
        let missing = FashionMNIST.missingFiles(in: directory)
        if !missing.isEmpty {
            return [NamedProblem(\LoadParameters.dataset, "\(DatasetError.fashionMNISTMissing(directory: directory, missing: missing))")]
        }
        return []
    }

    /// The shape, classes and count of the images the cell will load, read from the IDX headers
    /// or the folder listing (no image is read).
    static func facts(_ parameters: LoadParameters, notebookDirectory: String) -> ResultFacts? {
        let directory = parameters.directory(notebookDirectory: notebookDirectory)
        if ImageFolder.looksLikeImageFolder(directory) {
            guard let folders = try? ImageFolder.classFolders(in: directory), parameters.size.count == 2 else { return nil }
            let count = folders.reduce(0) { $0 + $1.files.count }
            return ResultFacts(imageShape: [parameters.color == .rgb ? 3 : 1, parameters.size[0], parameters.size[1]],
                               classNames: folders.map(\.name), imageCount: parameters.sample.map { min($0, count) } ?? count)
        }
        guard let header = try? FashionMNIST.header(directory: directory) else { return nil }
        let count = switch parameters.parts {
        case .all: header.trainCount + header.testCount
        case .train: header.trainCount
        case .test: header.testCount
        }
        let loaded = parameters.sample.map { min($0, count) } ?? count
        // With 'parts: all' the official files stay apart; a sample keeps about their shares.
        let official = parameters.parts == .all
            ? Int((Double(header.trainCount) * Double(loaded) / Double(max(count, 1))).rounded()) : nil
        return ResultFacts(imageShape: [1, header.height, header.width], classNames: parameters.classes.names,
                           imageCount: loaded, officialTrainCount: official)
    }
}
