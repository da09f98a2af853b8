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
        parameters: [
            Parameter("dataset", .string, default: "fashion-mnist",
                      doc: "'fashion-mnist' (Debian's copy), a folder with the four IDX .gz files, or a folder of class folders of PNGs."),
            Parameter("classes", .either([.choice(["fashion-mnist", "digits"]), .list(.string)]), default: "fashion-mnist",
                      doc: "Class names of IDX data: 'fashion-mnist', 'digits' (0–9, for MNIST) or a list."),
            Parameter("size", .list(.integer(.closed(1, 1024))), default: .list([28, 28]),
                      doc: "[height, width] that images from a PNG folder are brought to."),
            Parameter("color", .choice(["grey", "rgb"]), default: "grey",
                      doc: "Whether images from a PNG folder are read as grey or RGB."),
            Parameter("scale", .choice(["unit", "standardize"]), default: "unit",
                      doc: "'unit': pixels / 255 in [0, 1]; 'standardize': then minus the training part's mean, over its std."),
            Parameter("parts", .choice(["all", "train", "test"]), default: "all",
                      doc: "Which original parts to load: all 70,000 images, or the 60,000 or 10,000."),
            Parameter("sample", .integer(.atLeast(10)),
                      doc: "Keep a stratified random sample of this many images (quick experiments)."),
            Parameter("seed", .integer(.atLeast(0)), default: 0, doc: "Seed of the sample."),
        ],
        check: { parameters in
            if let size = parameters["size"]?.listValue, size.count != 2 {
                return [NamedProblem(parameter: "size", "'size' needs two numbers, [height, width], but has \(size.count)")]
            }
            return []
        },
        identity: { parameters, files in
            let directory = LoadAction.directory(parameters.string("dataset"), notebookDirectory: files.notebookDirectory)
            try LoadAction.checkFolder(parameters.string("dataset"), resolved: directory, notebookDirectory: files.notebookDirectory)
            if ImageFolder.looksLikeImageFolder(directory) {
                return try ImageFolder.files(in: directory).map { try files.identity(ofFile: $0) }.joined(separator: ",")
            }
            let missing = FashionMNIST.missingFiles(in: directory)
            guard missing.isEmpty else {
                throw ActionError("\(DatasetError.fashionMNISTMissing(directory: directory, missing: missing))",
                                  parameter: "dataset")
            }
            return try FashionMNIST.fileNames.map { name in
                try files.identity(ofFile: (directory as NSString).appendingPathComponent(name))
            }.joined(separator: ",")
        },
        run: LoadAction.run)
}

enum LoadAction {
    /// The images with the class names the cell asks for.
    static func renamed(_ images: LabeledImages, classes: Value?, context: ActionContext) throws -> LabeledImages {
        let names: [String]
        switch classes {
        case .string("digits")?: names = (0..<10).map(String.init)
        case .list(let list)?: names = list.compactMap(\.stringValue)
        default: names = FashionMNIST.classNames
        }
        let largest = Int(images.labels.max() ?? 0)
        guard largest < names.count else {
            throw context.error("the labels go up to \(largest) but 'classes' names only \(names.count) classes",
                                parameter: "classes")
        }
        return LabeledImages(pixels: images.pixels, labels: images.labels, channels: images.channels,
                             height: images.height, width: images.width, classNames: names)
    }

    /// The folder `dataset` names. One rule, like `predict`'s `files`: a relative path is read
    /// from the notebook's folder (never from the working directory); `fashion-mnist` is Debian's copy.
    static func directory(_ dataset: String, notebookDirectory: String) -> String {
        if dataset == "fashion-mnist" { return FashionMNIST.defaultDirectory }
        let url = dataset.hasPrefix("/") ? URL(fileURLWithPath: dataset)
            : URL(fileURLWithPath: notebookDirectory).appendingPathComponent(dataset)
        return url.standardizedFileURL.path
    }

    /// A `dataset` folder that is missing, not a folder, or holds neither layout loom reads is
    /// one sentence that names the folder searched and what to put there.
    static func checkFolder(_ dataset: String, resolved directory: String, notebookDirectory: String) throws {
        guard dataset != "fashion-mnist" else { return }
        let searched = dataset.hasPrefix("/") ? "" : " (relative paths are read from the notebook's folder, '\(notebookDirectory)')"
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else {
            throw ActionError("the dataset folder '\(directory)' does not exist\(searched); give the folder that holds "
                              + "the four IDX .gz files or one sub-folder of PNGs per class", parameter: "dataset")
        }
        guard isDirectory.boolValue else {
            throw ActionError("'\(directory)' is a file, not a folder\(searched); 'dataset' names the folder that holds "
                              + "the four IDX .gz files or one sub-folder of PNGs per class", parameter: "dataset")
        }
        let missing = FashionMNIST.missingFiles(in: directory)
        if missing.count == FashionMNIST.fileNames.count, !ImageFolder.looksLikeImageFolder(directory) {
            throw ActionError("the folder '\(directory)' holds neither the four IDX files of an MNIST-style data set ("
                              + FashionMNIST.fileNames.map { "'\($0)'" }.joined(separator: ", ")
                              + ") nor sub-folders of .png images, one per class; put one of the two there", parameter: "dataset")
        }
    }

    static func run(_ context: ActionContext) throws {
        let parameters = context.parameters
        let notebookDirectory = URL(fileURLWithPath: context.notebookPath).deletingLastPathComponent().path
        let directory = directory(parameters.string("dataset"), notebookDirectory: notebookDirectory)
        var images: LabeledImages
        var testStart: Int?
        if ImageFolder.looksLikeImageFolder(directory) {
            let size = parameters.list("size").compactMap(\.intValue)
            images = try ImageFolder.load(directory, channels: parameters.string("color") == "rgb" ? 3 : 1,
                                          height: size[0], width: size[1]) { done, total in
                context.progress.update(ProgressUpdate(completed: done, total: total, unit: "img", message: "reading PNGs"))
            }
        } else {
            let loaded: (train: LabeledImages, test: LabeledImages)
            do {
                loaded = try FashionMNIST.load(directory: directory)
            } catch {
                throw context.error("\(error)", parameter: "dataset")
            }
            switch parameters.string("parts") {
            case "train": images = loaded.train
            case "test": images = loaded.test
            default:
                images = loaded.train.concatenated(with: loaded.test)
                testStart = loaded.train.count
            }
            images = try renamed(images, classes: parameters["classes"], context: context)
        }
        if let sample = parameters.optionalInt("sample"), sample < images.count {
            let seed = parameters.int("seed")
            let fraction = Double(sample) / Double(images.count)
            let drawn = try DatasetSplit(labels: images.labels, classCount: images.classCount,
                                         fractions: .init(train: fraction, validation: (1 - fraction) / 2,
                                                          test: (1 - fraction) / 2),
                                         stratified: true, seed: UInt64(seed))
            images = images.subset(drawn.train)
            testStart = nil
            context.recordSeed(seed, purpose: "load sample")
        }

        let standardizes = parameters.string("scale") == "standardize"
        let source = parameters.string("dataset") == "fashion-mnist" ? "Fashion-MNIST (\(directory))" : directory
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
        context.setResult(value)
    }
}
