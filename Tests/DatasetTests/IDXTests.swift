import Foundation
import Testing
import _LoomTestSupport

@testable import Dataset

@Suite("IDX files")
struct IDXTests {
    @Test("A plain IDX file reads back its dimensions and bytes")
    func readsPlainFile() throws {
        let fixtures = DatasetFixtures()
        defer { fixtures.remove() }
        let payload = DatasetFixtures.bytes(count: 2 * 3 * 4, seed: 1)
        let path = fixtures.write(DatasetFixtures.idxBytes(dimensions: [2, 3, 4], payload: payload), to: "images-idx3-ubyte")
        let array = try IDXArray.read(contentsOf: path, as: .images)
        #expect(array.dimensions == [2, 3, 4])
        #expect(array.bytes == payload)
    }

    @Test("A gzip IDX file written by zlib reads back the same as its plain form")
    func readsGzipFile() throws {
        let fixtures = DatasetFixtures()
        defer { fixtures.remove() }
        let payload = DatasetFixtures.bytes(count: 5 * 7 * 6, seed: 2)
        let original = IDXArray(dimensions: [5, 7, 6], bytes: payload)
        try original.write(to: fixtures.path("images.gz"))
        try original.write(to: fixtures.path("images"))
        #expect(Array(fixtures.read("images.gz").prefix(2)) == [0x1F, 0x8B])
        #expect(fixtures.read("images") == DatasetFixtures.idxBytes(dimensions: [5, 7, 6], payload: payload))
        #expect(try IDXArray.read(contentsOf: fixtures.path("images.gz"), as: .images) == original)
        #expect(try IDXArray.read(contentsOf: fixtures.path("images"), as: .images) == original)
    }

    @Test("Images and labels load as one set with default class names '0' to '9'")
    func loadsLabeledImages() throws {
        let fixtures = DatasetFixtures()
        defer { fixtures.remove() }
        let pixels = DatasetFixtures.bytes(count: 4 * 2 * 3, seed: 3)
        try IDXArray(dimensions: [4, 2, 3], bytes: pixels).write(to: fixtures.path("images.gz"))
        try IDXArray(dimensions: [4], bytes: [3, 0, 9, 3]).write(to: fixtures.path("labels.gz"))
        let images = try LabeledImages.load(imagesFile: fixtures.path("images.gz"), labelsFile: fixtures.path("labels.gz"))
        #expect(images.count == 4)
        #expect(images.channels == 1 && images.height == 2 && images.width == 3)
        #expect(images.labels == [3, 0, 9, 3])
        #expect(images.pixels == pixels)
        #expect(images.classNames == (0...9).map(String.init))
        #expect(images.classCounts() == [1, 0, 0, 2, 0, 0, 0, 0, 0, 1])
        #expect(Array(images.pixels(ofImage: 2)) == Array(pixels[12..<18]))
    }

    @Test("A four-dimensional images file gives the channel count")
    func readsChannels() throws {
        let fixtures = DatasetFixtures()
        defer { fixtures.remove() }
        try IDXArray(dimensions: [2, 3, 2, 2], bytes: DatasetFixtures.bytes(count: 24, seed: 4)).write(to: fixtures.path("images"))
        try IDXArray(dimensions: [2], bytes: [1, 0]).write(to: fixtures.path("labels"))
        let images = try LabeledImages.load(imagesFile: fixtures.path("images"), labelsFile: fixtures.path("labels"), classNames: ["cat", "dog"])
        #expect(images.channels == 3 && images.height == 2 && images.width == 2)
        #expect(images.pixelsPerImage == 12)
        #expect(images.classNames == ["cat", "dog"])
    }

    @Test("Subsets and concatenation keep images with their labels")
    func subsetAndConcatenate() {
        let images = LabeledImages(pixels: [10, 11, 20, 21, 30, 31], labels: [0, 1, 2], channels: 1, height: 1, width: 2, classNames: ["a", "b", "c"])
        let subset = images.subset([2, 0] as [Int32])
        #expect(subset.pixels == [30, 31, 10, 11])
        #expect(subset.labels == [2, 0])
        let both = images.concatenated(with: subset)
        #expect(both.count == 5)
        #expect(both.labels == [0, 1, 2, 2, 0])
        #expect(Array(both.pixels(ofImage: 3)) == [30, 31])
    }

    /// A file broken in one way, with the exact error that reading it must give.
    enum BrokenFile: String, CaseIterable, CustomTestStringConvertible {
        case missing, folder, emptyFile, shortMagic, shortDimensions, badMagic, float32, unknownType
        case labelsWithTwoDimensions, imagesWithOneDimension, zeroWidth
        case truncatedPlain, trailingData, notGzip, badChecksum, gzipTrailerCut, corruptDeflate

        var testDescription: String { rawValue }

        /// Makes the file in `fixtures`; returns its path, what it should be read as, and the
        /// expected error.
        func make(in fixtures: DatasetFixtures) throws -> (path: String, contents: IDXArray.Contents, error: DatasetError) {
            let payload = DatasetFixtures.bytes(count: 18, seed: 5)
            let good = DatasetFixtures.idxBytes(dimensions: [2, 3, 3], payload: payload)
            switch self {
            case .missing:
                let path = fixtures.path("nothing-here.gz")
                return (path, .images, .fileMissing(path: path))
            case .folder:
                let path = fixtures.path("folder")
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
                return (path, .images, .unreadable(path: path, reason: "it is a folder, not a regular file"))
            case .emptyFile:
                let path = fixtures.write([], to: "empty")
                return (path, .images, .truncatedHeader(path: path, expectedBytes: 4, foundBytes: 0))
            case .shortMagic:
                let path = fixtures.write([0, 0, 8], to: "short")
                return (path, .images, .truncatedHeader(path: path, expectedBytes: 4, foundBytes: 3))
            case .shortDimensions:
                let path = fixtures.write(Array(good.prefix(10)), to: "short-dimensions")
                return (path, .images, .truncatedHeader(path: path, expectedBytes: 16, foundBytes: 10))
            case .badMagic:
                let path = fixtures.write([0x50, 0x4B, 3, 4] + good.dropFirst(4), to: "zip")
                return (path, .images, .badMagic(path: path, firstBytes: [0x50, 0x4B]))
            case .float32:
                let path = fixtures.write(DatasetFixtures.idxBytes(typeCode: 0x0D, dimensions: [2], payload: Array(repeating: 0, count: 8)), to: "floats")
                return (path, .labels, .unsupportedDataType(path: path, code: 0x0D))
            case .unknownType:
                let path = fixtures.write(DatasetFixtures.idxBytes(typeCode: 0x07, dimensions: [2], payload: [0, 0]), to: "unknown")
                return (path, .labels, .unsupportedDataType(path: path, code: 0x07))
            case .labelsWithTwoDimensions:
                let path = fixtures.write(DatasetFixtures.idxBytes(dimensions: [3, 2], payload: Array(repeating: 0, count: 6)), to: "labels")
                return (path, .labels, .unexpectedDimensions(path: path, dimensions: [3, 2], expected: "1 dimension (count)"))
            case .imagesWithOneDimension:
                let path = fixtures.write(DatasetFixtures.idxBytes(dimensions: [3], payload: [0, 0, 0]), to: "images")
                return (path, .images, .unexpectedDimensions(path: path, dimensions: [3], expected: IDXArray.Contents.images.expectation))
            case .zeroWidth:
                let path = fixtures.write(DatasetFixtures.idxBytes(dimensions: [3, 4, 0], payload: []), to: "images")
                return (path, .images, .unexpectedDimensions(path: path, dimensions: [3, 4, 0], expected: IDXArray.Contents.images.expectation))
            case .truncatedPlain:
                let path = fixtures.write(Array(good.dropLast(8)), to: "images-idx3-ubyte")
                return (path, .images, .truncated(path: path, payload: "pixels", expectedBytes: 18, foundBytes: 10))
            case .trailingData:
                let path = fixtures.write(good + [7, 7], to: "long")
                return (path, .images, .trailingData(path: path, payload: "pixels", expectedBytes: 18))
            case .notGzip:
                let path = fixtures.write(good, to: "plain.gz")
                return (path, .images, .notGzip(path: path))
            case .badChecksum:
                let path = fixtures.path("checksum.gz")
                try IDXArray(dimensions: [2, 3, 3], bytes: payload).write(to: path)
                var bytes = fixtures.read("checksum.gz")
                bytes[bytes.count - 8] ^= 0xFF  // the first byte of the CRC-32 in the trailer
                fixtures.write(bytes, to: "checksum.gz")
                return (path, .images, .corrupt(path: path, reason: "incorrect data check"))
            case .gzipTrailerCut:
                let path = fixtures.path("trailer.gz")
                try IDXArray(dimensions: [2, 3, 3], bytes: payload).write(to: path)
                fixtures.write(Array(fixtures.read("trailer.gz").dropLast(4)), to: "trailer.gz")
                return (path, .images, .corrupt(path: path, reason: "unexpected end of file"))
            case .corruptDeflate:
                // A gzip header followed by a deflate block of the reserved type 3.
                let path = fixtures.write([0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3, 0xFF, 0xFF, 0xFF, 0xFF], to: "corrupt.gz")
                return (path, .images, .corrupt(path: path, reason: "invalid block type"))
            }
        }
    }

    @Test("Each broken file gives its own error, naming the file", arguments: BrokenFile.allCases)
    func brokenFile(_ broken: BrokenFile) throws {
        let fixtures = DatasetFixtures()
        defer { fixtures.remove() }
        let (path, contents, expected) = try broken.make(in: fixtures)
        #expect(throws: expected) { try IDXArray.read(contentsOf: path, as: contents) }
        #expect(expected.description.contains("'\(path)'"))
    }

    @Test("A gzip file cut short reports how many pixels it still had")
    func truncatedGzip() throws {
        let fixtures = DatasetFixtures()
        defer { fixtures.remove() }
        let path = fixtures.path("train-images-idx3-ubyte.gz")
        try IDXArray(dimensions: [10, 10, 10], bytes: DatasetFixtures.bytes(count: 1000, seed: 6)).write(to: path)
        let whole = fixtures.read("train-images-idx3-ubyte.gz")
        fixtures.write(Array(whole.prefix(whole.count / 2)), to: "train-images-idx3-ubyte.gz")
        let error = #expect(throws: DatasetError.self) { try IDXArray.read(contentsOf: path, as: .images) }
        guard case .truncated(path, "pixels", 1000, let found)? = error else {
            Issue.record("Expected a truncation error naming the file, got \(String(describing: error))")
            return
        }
        #expect(found < 1000)
        #expect(error?.description == "'\(path)' is truncated: expected 1000 bytes of pixels after the header, found \(found).")
    }

    @Test("Error messages are whole sentences that quote the names")
    func errorMessages() {
        let cases: [(DatasetError, String)] = [
            (.fileMissing(path: "/d/a.gz"), "'/d/a.gz' does not exist."),
            (.unreadable(path: "/d", reason: "it is a folder"), "'/d' cannot be read: it is a folder."),
            (.notGzip(path: "/d/a.gz"), "'/d/a.gz' is not a gzip file, although its name ends in '.gz'."),
            (.corrupt(path: "/d/a.gz", reason: "incorrect data check"), "'/d/a.gz' is corrupt: zlib reports 'incorrect data check'."),
            (.truncatedHeader(path: "/d/a", expectedBytes: 16, foundBytes: 10), "'/d/a' is truncated: expected an IDX header of 16 bytes, found 10."),
            (
                .truncated(path: "/p/train-images-idx3-ubyte.gz", payload: "pixels", expectedBytes: 47_040_000, foundBytes: 1200),
                "'/p/train-images-idx3-ubyte.gz' is truncated: expected 47040000 bytes of pixels after the header, found 1200."
            ),
            (
                .trailingData(path: "/d/a", payload: "labels", expectedBytes: 5),
                "'/d/a' has more data than its header describes: expected 5 bytes of labels after the header, found more."
            ),
            (.badMagic(path: "/d/a", firstBytes: [0x50, 0x4B]), "'/d/a' is not an IDX file: it starts with 0x50 0x4B instead of 0x00 0x00."),
            (
                .unsupportedDataType(path: "/d/a", code: 0x0D),
                "'/d/a' holds IDX data type 'float32' (0x0D); only unsigned bytes (0x08) are supported."
            ),
            (
                .unsupportedDataType(path: "/d/a", code: 0x07),
                "'/d/a' holds IDX data type unknown (0x07); only unsigned bytes (0x08) are supported."
            ),
            (.unexpectedDimensions(path: "/d/a", dimensions: [3, 2], expected: "1 dimension (count)"), "'/d/a' has dimensions [3 x 2]; expected 1 dimension (count)."),
            (.countMismatch(imagesPath: "/d/i", images: 3, labelsPath: "/d/l", labels: 2), "'/d/i' holds 3 images but '/d/l' holds 2 labels."),
            (.labelOutOfRange(path: "/d/l", index: 1, label: 2, classCount: 2), "'/d/l' has label 2 at index 1, but there are only 2 class names."),
            (
                .invalidFractions(train: 0.5, validation: 0.25, test: 0.5),
                "The split fractions must each be in (0, 1] and sum to 1; got 'train' 0.5, 'validation' 0.25 and 'test' 0.5, which sum to 1.25."
            ),
            (
                .invalidAugmentation(parameter: "flip", requirement: "a probability in [0, 1]", value: "1.5"),
                "The augmentation parameter 'flip' must be a probability in [0, 1]; got 1.5."
            ),
            (.unwritable(path: "/d/a", reason: "Permission denied"), "'/d/a' cannot be written: Permission denied."),
        ]
        for (error, message) in cases {
            #expect(error.description == message)
        }
    }

    @Test("Images and labels files that disagree on the count name both files")
    func countMismatch() throws {
        let fixtures = DatasetFixtures()
        defer { fixtures.remove() }
        let images = fixtures.write(DatasetFixtures.idxBytes(dimensions: [3, 2, 2], payload: Array(repeating: 0, count: 12)), to: "images")
        let labels = fixtures.write(DatasetFixtures.idxBytes(dimensions: [2], payload: [0, 1]), to: "labels")
        #expect(throws: DatasetError.countMismatch(imagesPath: images, images: 3, labelsPath: labels, labels: 2)) {
            try LabeledImages.load(imagesFile: images, labelsFile: labels)
        }
    }

    @Test("A label beyond the class names is an error naming the labels file")
    func labelOutOfRange() throws {
        let fixtures = DatasetFixtures()
        defer { fixtures.remove() }
        let images = fixtures.write(DatasetFixtures.idxBytes(dimensions: [3, 1, 1], payload: [0, 0, 0]), to: "images")
        let labels = fixtures.write(DatasetFixtures.idxBytes(dimensions: [3], payload: [1, 2, 0]), to: "labels")
        #expect(throws: DatasetError.labelOutOfRange(path: labels, index: 1, label: 2, classCount: 2)) {
            try LabeledImages.load(imagesFile: images, labelsFile: labels, classNames: ["a", "b"])
        }
        // Without class names, the names grow to cover the largest label.
        let many = fixtures.write(DatasetFixtures.idxBytes(dimensions: [3], payload: [1, 12, 0]), to: "many")
        #expect(try LabeledImages.load(imagesFile: images, labelsFile: many).classCount == 13)
    }
}
