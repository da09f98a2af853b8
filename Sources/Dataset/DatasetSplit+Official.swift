import TensorCore

extension DatasetSplit {
    /// The protocol of the literature: the images of the official training file train (less a
    /// validation share carved from them), the images of the official test file test.
    ///
    /// Images `0..<testStart` came from the training file, `testStart..<labels.count` from the test
    /// file (as ``FashionMNIST/loadCombined(directory:)`` joins them). The validation part is
    /// `validation` of the training images, rounded by the largest-remainder method; stratified, each
    /// class gives the same share (the class-by-part table is rounded as in
    /// ``init(labels:classCount:fractions:stratified:seed:)``). The test part is every test-file
    /// image, untouched by the seed.
    ///
    /// ```swift
    /// let split = try DatasetSplit(officialTestStart: 60_000, labels: all.labels, classCount: 10,
    ///                              validation: 0.1, stratified: true, seed: 42)
    /// print(split.train.count, split.validation.count, split.test.count)  // 54000 6000 10000
    /// ```
    ///
    /// - Parameters:
    ///   - testStart: the index of the first image from the official test file.
    ///   - labels: the class index of every image, each in `0..<classCount`.
    ///   - classCount: the number of classes.
    ///   - validation: the share of the training images that validates, in `(0, 1)`.
    ///   - stratified: whether every class gives the same share to validation.
    ///   - seed: fixes which training images validate.
    /// - Throws: ``DatasetError/invalidValidationShare(_:)`` for a share outside `(0, 1)`, ``DatasetError/noOfficialParts(trainCount:testCount:)`` when either file gave no image.
    public init(officialTestStart testStart: Int, labels: [Int32], classCount: Int, validation: Double,
                stratified: Bool = true, seed: UInt64) throws(DatasetError) {
        precondition(classCount > 0, "There must be at least one class.")
        precondition(labels.allSatisfy { $0 >= 0 && Int($0) < classCount }, "Every label must be in 0..<classCount.")
        guard validation > 0, validation < 1 else {
            throw .invalidValidationShare(validation)
        }
        guard testStart > 0, testStart < labels.count else {
            throw .noOfficialParts(trainCount: max(0, min(testStart, labels.count)), testCount: max(0, labels.count - max(testStart, 0)))
        }
        let shares = [1 - validation, validation]
        var generator = SeededGenerator(seed: seed)
        var kept: [Int32] = [], carved: [Int32] = []
        if stratified {
            var members = [[Int32]](repeating: [], count: classCount)
            for index in 0..<testStart { members[Int(labels[index])].append(Int32(index)) }
            let totals = Self.apportion(testStart, fractions: shares)
            let table = Self.roundTable(rowTotals: members.map(\.count), columnTotals: totals, fractions: shares)
            for (label, var indices) in members.enumerated() {
                indices._shuffle(using: &generator)
                kept += indices[0..<table[label][0]]
                carved += indices[table[label][0]...]
            }
        } else {
            var indices = (0..<testStart).map { Int32($0) }
            indices._shuffle(using: &generator)
            let sizes = Self.apportion(testStart, fractions: shares)
            kept = Array(indices[0..<sizes[0]])
            carved = Array(indices[sizes[0]...])
        }
        self.init(train: kept.sorted(), validation: carved.sorted(), test: (testStart..<labels.count).map { Int32($0) })
    }
}
