import Foundation
import Testing
import _LoomTestSupport

@testable import Dataset

@Suite("Fashion-MNIST")
struct FashionMNISTTests {
    @Test("The class names are the ten of the Fashion-MNIST paper, in label order")
    func classNames() {
        #expect(FashionMNIST.classNames == [
            "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
        ])
        #expect(FashionMNIST.fileNames == [
            "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz",
        ])
    }

    @Test("A folder without the files names every missing file and the Debian package")
    func missingFiles() throws {
        let fixtures = DatasetFixtures()
        defer { fixtures.remove() }
        try IDXArray(dimensions: [1], bytes: [0]).write(to: fixtures.path("train-labels-idx1-ubyte.gz"))
        let expected = DatasetError.fashionMNISTMissing(
            directory: fixtures.directory,
            missing: ["train-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"])
        #expect(throws: expected) { try FashionMNIST.load(directory: fixtures.directory) }
        #expect(!FashionMNIST.isAvailable(in: fixtures.directory))
        #expect(
            expected.description
                == "Fashion-MNIST is not in '\(fixtures.directory)': expected the files 'train-images-idx3-ubyte.gz', "
                + "'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz' there, "
                + "but 'train-images-idx3-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz' are missing. "
                + "On Debian, 'apt-get install dataset-fashion-mnist' provides them in '/usr/share/datasets/fashion-mnist'.")
        let one = DatasetError.fashionMNISTMissing(directory: "/d", missing: ["t10k-labels-idx1-ubyte.gz"])
        #expect(one.description.contains("but 't10k-labels-idx1-ubyte.gz' is missing."))
    }

    @Test("A folder of small files with the Fashion-MNIST names loads as train and test")
    func loadsSmallFolder() throws {
        let fixtures = DatasetFixtures()
        defer { fixtures.remove() }
        try IDXArray(dimensions: [3, 2, 2], bytes: DatasetFixtures.bytes(count: 12, seed: 7)).write(to: fixtures.path(FashionMNIST.trainImagesFileName))
        try IDXArray(dimensions: [3], bytes: [9, 0, 4]).write(to: fixtures.path(FashionMNIST.trainLabelsFileName))
        try IDXArray(dimensions: [1, 2, 2], bytes: [1, 2, 3, 4]).write(to: fixtures.path(FashionMNIST.testImagesFileName))
        try IDXArray(dimensions: [1], bytes: [8]).write(to: fixtures.path(FashionMNIST.testLabelsFileName))
        let (train, test) = try FashionMNIST.load(directory: fixtures.directory + "/")
        #expect(train.count == 3 && test.count == 1)
        #expect(train.classNames == FashionMNIST.classNames)
        let combined = try FashionMNIST.loadCombined(directory: fixtures.directory)
        #expect(combined.labels == [9, 0, 4, 8])
        #expect(Array(combined.pixels(ofImage: 3)) == [1, 2, 3, 4])
    }

    @Test("A broken file in the folder is reported by its full path")
    func brokenFileInFolder() throws {
        let fixtures = DatasetFixtures()
        defer { fixtures.remove() }
        try IDXArray(dimensions: [1, 2, 2], bytes: [1, 2, 3, 4]).write(to: fixtures.path(FashionMNIST.trainImagesFileName))
        try IDXArray(dimensions: [1], bytes: [0]).write(to: fixtures.path(FashionMNIST.trainLabelsFileName))
        try IDXArray(dimensions: [1], bytes: [0]).write(to: fixtures.path(FashionMNIST.testLabelsFileName))
        let testImages = fixtures.write(DatasetFixtures.idxBytes(dimensions: [1, 2, 2], payload: [1]), to: FashionMNIST.testImagesFileName)
        #expect(throws: DatasetError.notGzip(path: testImages)) { try FashionMNIST.load(directory: fixtures.directory) }
    }

    // Needs Debian's dataset-fashion-mnist in /usr/share/datasets/fashion-mnist; skipped
    // (and shown as skipped) where it is not installed.
    @Test("The real data: 60 000 + 10 000 images of 28 x 28, 6 000 + 1 000 per class", .enabled(if: FashionMNIST.isAvailable()))
    func realData() throws {
        let (train, test) = try FashionMNIST.load()
        #expect(train.count == 60_000 && test.count == 10_000)
        #expect(train.channels == 1 && train.height == 28 && train.width == 28)
        #expect(train.pixels.count == 60_000 * 784)
        #expect(train.classCounts() == Array(repeating: 6_000, count: 10))
        #expect(test.classCounts() == Array(repeating: 1_000, count: 10))
        // The first training image is an ankle boot, the first test image too (label 9).
        #expect(train.labels[0] == 9 && test.labels[0] == 9)
        let statistics = train.pixelStatistics(of: (0..<60_000).map { Int32($0) })
        #expect(abs(statistics.mean - 0.2860) < 0.001)
        #expect(abs(statistics.standardDeviation - 0.3530) < 0.001)
    }
}

@Suite struct HeaderTests {
    @Test func theHeadersGiveCountsAndImageSizeWithoutLoading() throws {
        let folder = try SyntheticFashionFolder(classCount: 10, side: 12, trainPerClass: 3, testPerClass: 1)
        defer { folder.remove() }
        let header = try FashionMNIST.header(directory: folder.directory)
        #expect(header == FashionMNIST.Header(trainCount: 30, testCount: 10, height: 12, width: 12))
        let labels = try IDXArray.dimensions(ofFile: folder.directory + "/" + FashionMNIST.trainLabelsFileName)
        #expect(labels == [30])
    }

    @Test func aMissingFolderIsTheSameErrorAsLoading() throws {
        #expect(throws: DatasetError.fashionMNISTMissing(directory: "/nowhere", missing: FashionMNIST.fileNames)) {
            try FashionMNIST.header(directory: "/nowhere")
        }
        #expect(throws: DatasetError.fileMissing(path: "/nowhere/x.gz")) { try IDXArray.dimensions(ofFile: "/nowhere/x.gz") }
    }
}
