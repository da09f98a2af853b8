/// A mistake in the data or in the parameters a user gave to the `Dataset` module.
///
/// Every case names the file or the parameter it is about, and `description` is a whole
/// sentence that quotes names in single quotes, ready to show to the user as it is:
///
/// ```swift
/// do {
///     let parts = try FashionMNIST.load(directory: "/data/fashion")
/// } catch {
///     print(error)  // Fashion-MNIST is not in '/data/fashion': ...
/// }
/// ```
public enum DatasetError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file does not exist.
    case fileMissing(path: String)
    /// The path exists but cannot be read as a file (a folder, or no permission).
    case unreadable(path: String, reason: String)
    /// The file cannot be created or written.
    case unwritable(path: String, reason: String)
    /// Some of the Fashion-MNIST files are not in the folder.
    case fashionMNISTMissing(directory: String, missing: [String])
    /// The name ends in `.gz` but the content is not gzip data.
    case notGzip(path: String)
    /// zlib rejected the compressed stream (a bad checksum or invalid deflate data).
    case corrupt(path: String, reason: String)
    /// The file ends before the 4-byte magic number and the dimension sizes.
    case truncatedHeader(path: String, expectedBytes: Int, foundBytes: Int)
    /// The file ends before the payload that its header announces.
    case truncated(path: String, payload: String, expectedBytes: Int, foundBytes: Int)
    /// The file goes on after the payload that its header announces.
    case trailingData(path: String, payload: String, expectedBytes: Int)
    /// The first two bytes are not the IDX magic zeros.
    case badMagic(path: String, firstBytes: [UInt8])
    /// The IDX data-type byte is not unsigned bytes (`0x08`).
    case unsupportedDataType(path: String, code: UInt8)
    /// The IDX file has a dimension count or a dimension size that this use cannot take.
    case unexpectedDimensions(path: String, dimensions: [Int], expected: String)
    /// The images file and the labels file hold different numbers of items.
    case countMismatch(imagesPath: String, images: Int, labelsPath: String, labels: Int)
    /// A label is not the index of one of the class names.
    case labelOutOfRange(path: String, index: Int, label: Int, classCount: Int)
    /// A split fraction is outside `(0, 1]`, or the three do not sum to 1.
    case invalidFractions(train: Double, validation: Double, test: Double)
    /// An augmentation parameter is outside its range.
    case invalidAugmentation(parameter: String, requirement: String, value: String)
    /// The validation share of the official training images is outside `(0, 1)`.
    case invalidValidationShare(Double)
    /// The official protocol needs images from both official files, but one gave none.
    case noOfficialParts(trainCount: Int, testCount: Int)

    /// The message: a whole sentence naming the file or parameter in single quotes.
    public var description: String {
        switch self {
        case .fileMissing(let path):
            return "'\(path)' does not exist."
        case .unreadable(let path, let reason):
            return "'\(path)' cannot be read: \(reason)."
        case .unwritable(let path, let reason):
            return "'\(path)' cannot be written: \(reason)."
        case .fashionMNISTMissing(let directory, let missing):
            let all = FashionMNIST.fileNames.map { "'\($0)'" }.joined(separator: ", ")
            let absent = missing.map { "'\($0)'" }.joined(separator: ", ")
            let found = missing.count == FashionMNIST.fileNames.count
                ? "none of them is there"
                : "but \(absent) \(missing.count == 1 ? "is" : "are") missing"
            return "Fashion-MNIST is not in '\(directory)': expected the files \(all) there, \(found). "
                + "On Debian, 'apt-get install dataset-fashion-mnist' provides them in "
                + "'\(FashionMNIST.defaultDirectory)'."
        case .notGzip(let path):
            return "'\(path)' is not a gzip file, although its name ends in '.gz'."
        case .corrupt(let path, let reason):
            return "'\(path)' is corrupt: zlib reports '\(reason)'."
        case .truncatedHeader(let path, let expected, let found):
            return "'\(path)' is truncated: expected an IDX header of \(expected) bytes, found \(found)."
        case .truncated(let path, let payload, let expected, let found):
            return "'\(path)' is truncated: expected \(expected) bytes of \(payload) after the header, found \(found)."
        case .trailingData(let path, let payload, let expected):
            return "'\(path)' has more data than its header describes: expected \(expected) bytes of \(payload) after the header, found more."
        case .badMagic(let path, let firstBytes):
            let shown = firstBytes.map { "0x" + _hex($0) }.joined(separator: " ")
            return "'\(path)' is not an IDX file: it starts with \(shown) instead of 0x00 0x00."
        case .unsupportedDataType(let path, let code):
            return "'\(path)' holds IDX data type \(IDXArray.dataTypeName(code: code)) (0x\(_hex(code))); only unsigned bytes (0x08) are supported."
        case .unexpectedDimensions(let path, let dimensions, let expected):
            let shown = dimensions.map(String.init).joined(separator: " x ")
            return "'\(path)' has dimensions [\(shown)]; expected \(expected)."
        case .countMismatch(let imagesPath, let images, let labelsPath, let labels):
            return "'\(imagesPath)' holds \(images) images but '\(labelsPath)' holds \(labels) labels."
        case .labelOutOfRange(let path, let index, let label, let classCount):
            return "'\(path)' has label \(label) at index \(index), but there are only \(classCount) class names."
        case .invalidFractions(let train, let validation, let test):
            return "The split fractions must each be in (0, 1] and sum to 1; got 'train' \(train), "
                + "'validation' \(validation) and 'test' \(test), which sum to \(train + validation + test)."
        case .invalidAugmentation(let parameter, let requirement, let value):
            return "The augmentation parameter '\(parameter)' must be \(requirement); got \(value)."
        case .invalidValidationShare(let share):
            return "The validation share of the official training images must be above 0 and below 1; got \(share)."
        case .noOfficialParts(let train, let test):
            return "The official protocol needs images from both official files, but the data has \(train) from the "
                + "training file and \(test) from the test file."
        }
    }
}

/// Two upper-case hexadecimal digits.
func _hex(_ byte: UInt8) -> String {
    let digits = Array("0123456789ABCDEF")
    return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
}
