import Foundation

/// Where Fashion-MNIST lives, what its files are called, and what its classes mean.
///
/// Fashion-MNIST (Xiao, Rasul & Vollgraf, "Fashion-MNIST: a novel image dataset for
/// benchmarking machine learning algorithms", arXiv:1708.07747, 2017) has 60,000 training and
/// 10,000 test images of 28 x 28 grey pixels in ten classes of 6,000 + 1,000 images each.
///
/// On Debian, `apt-get install dataset-fashion-mnist` installs the four gzip-compressed IDX
/// files in ``defaultDirectory``. The same files are published at
/// `http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/<file name>` (the scheme is the
/// base URL followed by each of ``fileNames``); loom never downloads them itself: put them in a
/// folder and pass that folder to ``load(directory:)``.
///
/// ```swift
/// let (train, test) = try FashionMNIST.load()
/// print(train.count, test.count, FashionMNIST.classNames[Int(train.labels[0])])
/// ```
public enum FashionMNIST {
    /// The ten class names, indexed by label.
    public static let classNames = [
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
        "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    ]

    /// Where Debian's `dataset-fashion-mnist` package installs the files.
    public static let defaultDirectory = "/usr/share/datasets/fashion-mnist"

    /// The training images file: 60,000 x 28 x 28 unsigned bytes.
    public static let trainImagesFileName = "train-images-idx3-ubyte.gz"
    /// The training labels file: 60,000 unsigned bytes.
    public static let trainLabelsFileName = "train-labels-idx1-ubyte.gz"
    /// The test images file: 10,000 x 28 x 28 unsigned bytes.
    public static let testImagesFileName = "t10k-images-idx3-ubyte.gz"
    /// The test labels file: 10,000 unsigned bytes.
    public static let testLabelsFileName = "t10k-labels-idx1-ubyte.gz"

    /// The four file names: training images and labels, then test images and labels.
    public static let fileNames = [trainImagesFileName, trainLabelsFileName, testImagesFileName, testLabelsFileName]

    /// The number of training images.
    public static let trainCount = 60_000
    /// The number of test images.
    public static let testCount = 10_000
    /// The height and width of every image.
    public static let imageSide = 28

    /// The file names from ``fileNames`` that are not in `directory` (all four if the folder
    /// does not exist).
    ///
    /// - Parameter directory: the folder to look in.
    public static func missingFiles(in directory: String = defaultDirectory) -> [String] {
        fileNames.filter { !FileManager.default.fileExists(atPath: path(of: $0, in: directory)) }
    }

    /// Whether all four files are in `directory`; tests over the real data use this to skip.
    ///
    /// - Parameter directory: the folder to look in.
    public static func isAvailable(in directory: String = defaultDirectory) -> Bool {
        missingFiles(in: directory).isEmpty
    }

    /// Loads the training and test sets from the four IDX files in `directory`.
    ///
    /// The images and labels of each set are read together and checked against each other
    /// (``LabeledImages/load(imagesFile:labelsFile:classNames:)``); the class names are
    /// ``classNames``. Any folder holding files of these names works, so MNIST's files load the
    /// same way (with wrong class names: use ``LabeledImages/load(imagesFile:labelsFile:classNames:)``
    /// for them).
    ///
    /// - Parameter directory: the folder with the four files; Debian's by default.
    /// - Returns: the 60,000 training and 10,000 test images.
    /// - Throws: ``DatasetError/fashionMNISTMissing(directory:missing:)`` naming every absent
    ///   file, or the first problem found in a file.
    public static func load(directory: String = defaultDirectory) throws(DatasetError) -> (train: LabeledImages, test: LabeledImages) {
        let missing = missingFiles(in: directory)
        guard missing.isEmpty else {
            throw .fashionMNISTMissing(directory: directory, missing: missing)
        }
        let paths = fileNames.map { path(of: $0, in: directory) }
        let train = try LabeledImages.load(imagesFile: paths[0], labelsFile: paths[1], classNames: classNames)
        let test = try LabeledImages.load(imagesFile: paths[2], labelsFile: paths[3], classNames: classNames)
        return (train, test)
    }

    /// Loads all 70,000 images as one set: the training images, then the test images.
    ///
    /// Use this to make your own split with ``DatasetSplit``; image `60_000 + i` is test
    /// image `i`.
    ///
    /// - Parameter directory: the folder with the four files; Debian's by default.
    public static func loadCombined(directory: String = defaultDirectory) throws(DatasetError) -> LabeledImages {
        let (train, test) = try load(directory: directory)
        return train.concatenated(with: test)
    }

    /// What the four files of `directory` hold, from their IDX headers alone (no image is read).
    public struct Header: Sendable, Hashable {
        public var trainCount: Int
        public var testCount: Int
        public var height: Int
        public var width: Int
    }

    /// Reads the image files' headers: counts and image size.
    ///
    /// - Throws: ``DatasetError/fashionMNISTMissing(directory:missing:)``, or a header problem.
    public static func header(directory: String = defaultDirectory) throws(DatasetError) -> Header {
        let missing = missingFiles(in: directory)
        guard missing.isEmpty else { throw .fashionMNISTMissing(directory: directory, missing: missing) }
        let train = try IDXArray.dimensions(ofFile: path(of: trainImagesFileName, in: directory))
        let test = try IDXArray.dimensions(ofFile: path(of: testImagesFileName, in: directory))
        guard train.count == 3, test.count == 3, train[1...] == test[1...] else {
            throw .unexpectedDimensions(path: path(of: trainImagesFileName, in: directory), dimensions: train,
                                        expected: "images of the test file's size, count × height × width")
        }
        return Header(trainCount: train[0], testCount: test[0], height: train[1], width: train[2])
    }

    /// `directory` joined with `fileName` by one slash.
    static func path(of fileName: String, in directory: String) -> String {
        directory.hasSuffix("/") ? directory + fileName : directory + "/" + fileName
    }
}
