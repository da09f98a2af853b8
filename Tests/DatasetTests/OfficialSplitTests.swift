import Testing

@testable import Dataset

/// The official protocol: train on the official training file less a validation share, test on
/// the official test file.
@Suite("Official splits")
struct OfficialSplitTests {
    /// 60 images from the training file (30, 20 and 10 of classes 0, 1, 2, interleaved), then 15
    /// from the test file.
    static let testStart = 60
    static let labels = SplitTests.labels(perClass: [30, 20, 10]) + SplitTests.labels(perClass: [5, 5, 5])

    @Test func theTestPartIsTheTestFileAndValidationIsCarvedFromTheTrainingFile() throws {
        let split = try DatasetSplit(officialTestStart: Self.testStart, labels: Self.labels, classCount: 3,
                                     validation: 0.1, stratified: true, seed: 42)
        #expect(split.test == (60..<75).map { Int32($0) })
        #expect(split.validation.count == 6)
        #expect(split.train.count == 54)
        #expect(Set(split.train).isDisjoint(with: split.validation))
        #expect(Set(split.train + split.validation) == Set((0..<60).map { Int32($0) }))
        #expect(split.train == split.train.sorted() && split.validation == split.validation.sorted())
        // Stratified: each class gives a tenth of its training images.
        let counts = split.classCounts(labels: Self.labels, classCount: 3)
        #expect(counts[.validation] == [3, 2, 1])
        #expect(counts[.train] == [27, 18, 9])
        #expect(counts[.test] == [5, 5, 5])
    }

    @Test func theSeedChoosesTheValidationImagesOnly() throws {
        func split(_ seed: UInt64, stratified: Bool = true) throws -> DatasetSplit {
            try DatasetSplit(officialTestStart: Self.testStart, labels: Self.labels, classCount: 3, validation: 0.25,
                             stratified: stratified, seed: seed)
        }
        #expect(try split(1) == split(1))
        #expect(try split(1).validation != split(2).validation)
        #expect(try split(1).test == split(2).test)
        // Not stratified: the sizes still follow the share exactly.
        let plain = try split(3, stratified: false)
        #expect(plain.validation.count == 15 && plain.train.count == 45 && plain.test.count == 15)
        #expect(Set(plain.train + plain.validation) == Set((0..<60).map { Int32($0) }))
    }

    @Test func aShareOutsideTheOpenIntervalOrAMissingFileIsAnError() {
        #expect(throws: DatasetError.invalidValidationShare(1)) {
            try DatasetSplit(officialTestStart: 60, labels: Self.labels, classCount: 3, validation: 1, seed: 0)
        }
        #expect(throws: DatasetError.noOfficialParts(trainCount: 75, testCount: 0)) {
            try DatasetSplit(officialTestStart: 75, labels: Self.labels, classCount: 3, validation: 0.1, seed: 0)
        }
        #expect(DatasetError.invalidValidationShare(0).description
                == "The validation share of the official training images must be above 0 and below 1; got 0.0.")
    }
}
