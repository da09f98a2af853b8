import Dataset
import Engine
import Foundation

extension ResultKind {
    /// Images with labels and class names (`load`).
    public static let dataset: ResultKind = "dataset"
    /// Train/validation/test indices into a dataset (`split`).
    public static let split: ResultKind = "split"
    /// A trained network with its history (`train.cnn`, `train.mlp`).
    public static let model: ResultKind = "model"
}

/// A loaded image set: bytes as they came from the files, plus how to scale them.
///
/// The images are stored once, as bytes ([N, C, H, W]); scaled floats are made batch by batch by
/// whoever needs them, so the cache and memory hold 1 byte per pixel, not 4.
public struct DatasetValue: ResultValue {
    public static let kind = ResultKind.dataset

    public var images: LabeledImages
    /// Whether network inputs are standardised (with the training part's mean and std) rather
    /// than pixel / 255.
    public var standardizes: Bool
    /// Where the images came from, for tables (`Fashion-MNIST (Debian)`).
    public var source: String
    /// For each image, which original part it came from (`train`/`test`), when known.
    public var originalTestStart: Int?

    public init(images: LabeledImages, standardizes: Bool, source: String, originalTestStart: Int? = nil) {
        self.images = images
        self.standardizes = standardizes
        self.source = source
        self.originalTestStart = originalTestStart
    }

    public func encode(to writer: inout BlobWriter) {
        writer.write(uint8: images.pixels, shape: [images.count, images.channels, images.height, images.width])
        writer.write(int32: images.labels, shape: [images.count])
        writer.write(images.classNames)
        writer.write(standardizes)
        writer.write(source)
        writer.write(originalTestStart ?? -1)
    }

    public init(from reader: inout BlobReader) throws {
        let (pixels, shape) = try reader.readUInt8Array()
        let (labels, _) = try reader.readInt32Array()
        let classNames = try reader.readStrings()
        guard shape.count == 4, shape[0] == labels.count else {
            throw BlobError.badValue("dataset shape \(shape) does not match \(labels.count) labels")
        }
        guard shape[1] > 0, shape[2] > 0, shape[3] > 0, !classNames.isEmpty else {
            throw BlobError.badValue("dataset shape \(shape) with \(classNames.count) class names")
        }
        if let bad = labels.first(where: { $0 < 0 || Int($0) >= classNames.count }) {
            throw BlobError.badValue("label \(bad) for \(classNames.count) classes")
        }
        images = LabeledImages(pixels: pixels, labels: labels, channels: shape[1], height: shape[2], width: shape[3],
                               classNames: classNames)
        standardizes = try reader.readBool()
        source = try reader.readString()
        let start = try reader.readInt()
        originalTestStart = start >= 0 ? start : nil
    }

    /// How pixels become network inputs for a model trained on `trainingIndices`: pixel / 255, or
    /// standardised with the mean and standard deviation of those images only, so that nothing
    /// about the validation and test images leaks into preprocessing.
    public func scaling(training trainingIndices: [Int32]) -> PixelScaling {
        guard standardizes else { return .unit }
        let statistics = images.pixelStatistics(of: trainingIndices)
        return .standardized(mean: statistics.mean, standardDeviation: max(statistics.standardDeviation, 1e-6))
    }

    /// `1×28×28`
    public var imageShapeDescription: String { "\(images.channels)×\(images.height)×\(images.width)" }
}

/// A train/validation/test split: indices into a dataset, never copies of its images.
public struct SplitValue: ResultValue {
    public static let kind = ResultKind.split

    /// The cache key of the dataset the indices point into.
    public var datasetKey: String
    public var split: DatasetSplit
    public var stratified: Bool
    public var seed: Int

    public init(datasetKey: String, split: DatasetSplit, stratified: Bool, seed: Int) {
        self.datasetKey = datasetKey
        self.split = split
        self.stratified = stratified
        self.seed = seed
    }

    public func encode(to writer: inout BlobWriter) {
        writer.write(datasetKey)
        for part in DatasetSplit.Part.allCases {
            writer.write(int32: split[part], shape: [split[part].count])
        }
        writer.write(stratified)
        writer.write(seed)
    }

    public init(from reader: inout BlobReader) throws {
        datasetKey = try reader.readString()
        let train = try reader.readInt32Array().values
        let validation = try reader.readInt32Array().values
        let test = try reader.readInt32Array().values
        do {
            split = try DatasetSplit(validatingTrain: train, validation: validation, test: test)
        } catch {
            throw BlobError.badValue(error.description)
        }
        stratified = try reader.readBool()
        seed = try reader.readInt()
    }
}

extension ActionContext {
    /// The split named by input `name` together with the dataset it indexes.
    public func splitData(_ name: String = "data") throws -> (split: SplitValue, dataset: DatasetValue) {
        let split = try input(name, as: SplitValue.self)
        let dataset = try result(key: split.datasetKey, as: DatasetValue.self)
        do {
            try split.split.validate(imageCount: dataset.images.count)
        } catch {
            throw discardDamagedResult(key: inputKey(name) ?? "", reason: error.description)
        }
        return (split, dataset)
    }
}
