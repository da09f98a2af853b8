/// A set of images with one class label each, as bytes in memory.
///
/// Pixels are unsigned bytes laid out `[count, channels, height, width]` (row-major, `channels`
/// is 1 for grey images), so image `i` is the contiguous run of `pixelsPerImage` bytes from
/// `i * pixelsPerImage`. Label `i` is an index into `classNames`.
///
/// ```swift
/// let digits = try LabeledImages.load(
///     imagesFile: "/data/mnist/train-images-idx3-ubyte.gz",
///     labelsFile: "/data/mnist/train-labels-idx1-ubyte.gz")
/// print(digits.count, digits.classNames)  // 60000 ["0", "1", ..., "9"]
/// ```
public struct LabeledImages: Sendable, Equatable {
    /// Every pixel of every image, `[count, channels, height, width]`.
    public let pixels: [UInt8]
    /// The class index of each image, in `0..<classNames.count`.
    public let labels: [Int32]
    /// The name of each class, indexed by label.
    public let classNames: [String]
    /// Colour channels per image: 1 for grey.
    public let channels: Int
    /// Rows per image.
    public let height: Int
    /// Columns per image.
    public let width: Int

    /// The number of images.
    public var count: Int { labels.count }

    /// `channels * height * width`: the bytes of one image.
    public var pixelsPerImage: Int { channels * height * width }

    /// The number of classes, `classNames.count`.
    public var classCount: Int { classNames.count }

    /// Creates a set from pixels, labels and class names that the caller has checked.
    ///
    /// - Parameters:
    ///   - pixels: `labels.count * channels * height * width` bytes, `[N, C, H, W]`.
    ///   - labels: one class index per image, each in `0..<classNames.count`.
    ///   - channels: colour channels, at least 1.
    ///   - height: rows, at least 1.
    ///   - width: columns, at least 1.
    ///   - classNames: at least one name.
    public init(pixels: [UInt8], labels: [Int32], channels: Int, height: Int, width: Int, classNames: [String]) {
        precondition(channels > 0 && height > 0 && width > 0, "Image sizes must be positive.")
        precondition(!classNames.isEmpty, "There must be at least one class name.")
        precondition(pixels.count == labels.count * channels * height * width, "The pixel count must be count x channels x height x width.")
        precondition(labels.allSatisfy { $0 >= 0 && Int($0) < classNames.count }, "Every label must index a class name.")
        self.pixels = pixels
        self.labels = labels
        self.channels = channels
        self.height = height
        self.width = width
        self.classNames = classNames
    }

    /// Loads an IDX images file and its IDX labels file, such as MNIST's or Fashion-MNIST's.
    ///
    /// The images file must have dimensions `[N, H, W]` (grey) or `[N, C, H, W]`, the labels
    /// file `[N]` with the same `N`, and every label must index `classNames`. Both files may be
    /// gzip-compressed (name ending in `.gz`) or plain.
    ///
    /// - Parameters:
    ///   - imagesFile: path of the IDX images file.
    ///   - labelsFile: path of the IDX labels file.
    ///   - classNames: the class names indexed by label; `nil` names the classes "0", "1", ...,
    ///     at least up to "9" and further if a label is larger.
    /// - Returns: the images with their labels.
    public static func load(imagesFile: String, labelsFile: String, classNames: [String]? = nil) throws(DatasetError) -> LabeledImages {
        let images = try IDXArray.read(contentsOf: imagesFile, as: .images)
        let labels = try IDXArray.read(contentsOf: labelsFile, as: .labels)
        return try LabeledImages(images: images, imagesFile: imagesFile, labels: labels, labelsFile: labelsFile, classNames: classNames)
    }

    /// Pairs read IDX arrays, checking their counts and labels; the paths name them in errors.
    init(images: IDXArray, imagesFile: String, labels: IDXArray, labelsFile: String, classNames: [String]?) throws(DatasetError) {
        let imageCount = images.dimensions[0]
        let labelCount = labels.dimensions[0]
        guard imageCount == labelCount else {
            throw .countMismatch(imagesPath: imagesFile, images: imageCount, labelsPath: labelsFile, labels: labelCount)
        }
        let names = classNames ?? (0...max(9, Int(labels.bytes.max() ?? 0))).map(String.init)
        if let bad = labels.bytes.firstIndex(where: { Int($0) >= names.count }) {
            throw .labelOutOfRange(path: labelsFile, index: bad, label: Int(labels.bytes[bad]), classCount: names.count)
        }
        let grey = images.dimensions.count == 3
        self.init(
            pixels: images.bytes,
            labels: labels.bytes.map { Int32($0) },
            channels: grey ? 1 : images.dimensions[1],
            height: images.dimensions[grey ? 1 : 2],
            width: images.dimensions[grey ? 2 : 3],
            classNames: names)
    }

    /// The bytes of image `index`, `[channels, height, width]`.
    public func pixels(ofImage index: Int) -> ArraySlice<UInt8> {
        precondition(index >= 0 && index < count, "Image index \(index) is out of range 0..<\(count).")
        return pixels[(index * pixelsPerImage)..<((index + 1) * pixelsPerImage)]
    }

    /// How many images each class has, indexed by label.
    public func classCounts() -> [Int] {
        var counts = [Int](repeating: 0, count: classCount)
        for label in labels { counts[Int(label)] += 1 }
        return counts
    }

    /// How many of the images at `indices` each class has, indexed by label.
    ///
    /// - Parameter indices: image indices, each in `0..<count`.
    public func classCounts(of indices: some Sequence<Int32>) -> [Int] {
        var counts = [Int](repeating: 0, count: classCount)
        for index in indices { counts[Int(labels[Int(index)])] += 1 }
        return counts
    }

    /// A new set of the images at `indices`, in that order, with the same class names.
    ///
    /// - Parameter indices: image indices, each in `0..<count`; repeats are allowed.
    public func subset(_ indices: some Collection<Int32>) -> LabeledImages {
        let size = pixelsPerImage
        var newPixels = [UInt8]()
        newPixels.reserveCapacity(indices.count * size)
        var newLabels = [Int32]()
        newLabels.reserveCapacity(indices.count)
        for index in indices {
            let image = Int(index)
            precondition(image >= 0 && image < count, "Image index \(image) is out of range 0..<\(count).")
            newPixels.append(contentsOf: pixels[(image * size)..<((image + 1) * size)])
            newLabels.append(labels[image])
        }
        return LabeledImages(pixels: newPixels, labels: newLabels, channels: channels, height: height, width: width, classNames: classNames)
    }

    /// This set followed by `other`: image `count + i` of the result is image `i` of `other`.
    ///
    /// - Parameter other: a set with the same image sizes and class names.
    public func concatenated(with other: LabeledImages) -> LabeledImages {
        precondition(
            channels == other.channels && height == other.height && width == other.width,
            "Only sets of equally sized images can be concatenated.")
        precondition(classNames == other.classNames, "Only sets with the same class names can be concatenated.")
        return LabeledImages(
            pixels: pixels + other.pixels, labels: labels + other.labels,
            channels: channels, height: height, width: width, classNames: classNames)
    }
}
