import TensorCore

/// A train / validation / test split: three disjoint lists of image indices that together
/// cover every image once.
///
/// The sizes come from fractions of the image count rounded by the largest-remainder
/// (Hamilton) method, so they add up to the count exactly. A stratified split also gives each
/// class the same fractions: the table of class-by-part quotas `count(class) * fraction(part)`
/// is rounded so that every row adds up to its class count and every column to its part size
/// (controlled rounding; Bacharach, "Matrix rounding problems", Management Science 1966). Which
/// images go where is drawn with a seeded generator: one seed, one split; another seed, another
/// split. Each list is sorted ascending; training shuffles its own order per epoch.
///
/// ```swift
/// let split = try DatasetSplit(labels: images.labels, classCount: 10, stratified: true, seed: 42)
/// print(split.train.count, split.validation.count, split.test.count)  // 56000 7000 7000
/// ```
public struct DatasetSplit: Sendable, Equatable {
    /// One of the three parts of a split.
    public enum Part: String, Sendable, CaseIterable {
        /// The images a model learns from.
        case train
        /// The images watched during training, to choose epochs and settings.
        case validation
        /// The images held back for the final evaluation.
        case test
    }

    /// The fraction of the images that each part gets.
    public struct Fractions: Sendable, Equatable {
        /// The training part's fraction.
        public var train: Double
        /// The validation part's fraction.
        public var validation: Double
        /// The test part's fraction.
        public var test: Double

        /// 80 % training, 10 % validation, 10 % test.
        public static let standard = Fractions(train: 0.8, validation: 0.1, test: 0.1)

        /// Creates fractions without checking them; ``DatasetSplit`` checks them.
        ///
        /// - Parameters:
        ///   - train: the training fraction, in `(0, 1]`.
        ///   - validation: the validation fraction, in `(0, 1]`.
        ///   - test: the test fraction, in `(0, 1]`; the three sum to 1 within 1e-6.
        public init(train: Double, validation: Double, test: Double) {
            self.train = train
            self.validation = validation
            self.test = test
        }

        /// Throws unless each fraction is in `(0, 1]` and they sum to 1 within 1e-6.
        public func validate() throws(DatasetError) {
            let parts = [train, validation, test]
            guard parts.allSatisfy({ $0 > 0 && $0 <= 1 }), abs(parts.reduce(0, +) - 1) <= 1e-6 else {
                throw .invalidFractions(train: train, validation: validation, test: test)
            }
        }

        subscript(part: Part) -> Double {
            switch part {
            case .train: return train
            case .validation: return validation
            case .test: return test
            }
        }
    }

    /// Indices of the training images, ascending.
    public let train: [Int32]
    /// Indices of the validation images, ascending.
    public let validation: [Int32]
    /// Indices of the test images, ascending.
    public let test: [Int32]

    /// The indices of one part.
    public subscript(part: Part) -> [Int32] {
        switch part {
        case .train: return train
        case .validation: return validation
        case .test: return test
        }
    }

    /// Splits `labels.count` images, optionally stratified by their labels.
    ///
    /// - Parameters:
    ///   - labels: the class index of every image, each in `0..<classCount`.
    ///   - classCount: the number of classes.
    ///   - fractions: the part fractions; 80/10/10 by default.
    ///   - stratified: whether every class is split in the same fractions.
    ///   - seed: fixes which images go to which part.
    /// - Throws: ``DatasetError/invalidFractions(train:validation:test:)``.
    public init(
        labels: [Int32], classCount: Int, fractions: Fractions = .standard, stratified: Bool = false, seed: UInt64
    ) throws(DatasetError) {
        precondition(classCount > 0, "There must be at least one class.")
        precondition(labels.allSatisfy { $0 >= 0 && Int($0) < classCount }, "Every label must be in 0..<classCount.")
        try fractions.validate()
        var generator = SeededGenerator(seed: seed)
        let parts = Part.allCases
        var chosen: [[Int32]] = [[], [], []]
        if stratified {
            var members = [[Int32]](repeating: [], count: classCount)
            for (index, label) in labels.enumerated() { members[Int(label)].append(Int32(index)) }
            let totals = Self.apportion(labels.count, fractions: parts.map { fractions[$0] })
            let table = Self.roundTable(
                rowTotals: members.map(\.count), columnTotals: totals, fractions: parts.map { fractions[$0] })
            for (label, var indices) in members.enumerated() {
                indices._shuffle(using: &generator)
                var start = 0
                for column in parts.indices {
                    let size = table[label][column]
                    chosen[column] += indices[start..<(start + size)]
                    start += size
                }
            }
        } else {
            var indices = (0..<labels.count).map { Int32($0) }
            indices._shuffle(using: &generator)
            var start = 0
            for (column, size) in Self.apportion(labels.count, fractions: parts.map { fractions[$0] }).enumerated() {
                chosen[column] = Array(indices[start..<(start + size)])
                start += size
            }
        }
        train = chosen[0].sorted()
        validation = chosen[1].sorted()
        test = chosen[2].sorted()
    }

    /// Splits the images of `images`, optionally stratified by their labels.
    ///
    /// - Parameters:
    ///   - images: the images to split.
    ///   - fractions: the part fractions; 80/10/10 by default.
    ///   - stratified: whether every class is split in the same fractions.
    ///   - seed: fixes which images go to which part.
    /// - Throws: ``DatasetError/invalidFractions(train:validation:test:)``.
    public init(of images: LabeledImages, fractions: Fractions = .standard, stratified: Bool = false, seed: UInt64) throws(DatasetError) {
        try self.init(labels: images.labels, classCount: images.classCount, fractions: fractions, stratified: stratified, seed: seed)
    }

    /// How many images of each class every part has: `[part][label]`, parts in the order
    /// train, validation, test.
    ///
    /// - Parameters:
    ///   - labels: the labels the split was made from.
    ///   - classCount: the number of classes.
    public func classCounts(labels: [Int32], classCount: Int) -> [Part: [Int]] {
        var result: [Part: [Int]] = [:]
        for part in Part.allCases {
            var counts = [Int](repeating: 0, count: classCount)
            for index in self[part] { counts[Int(labels[Int(index)])] += 1 }
            result[part] = counts
        }
        return result
    }

    /// Divides `total` into parts proportional to `fractions` by the largest-remainder method:
    /// each part gets `floor(total * fraction)`, and the units left over go one each to the
    /// parts with the largest fractional remainders (ties to the earlier part).
    static func apportion(_ total: Int, fractions: [Double]) -> [Int] {
        let sum = fractions.reduce(0, +)
        let quotas = fractions.map { Double(total) * $0 / sum }
        var sizes = quotas.map { Int($0.rounded(.down)) }
        let order = quotas.indices.sorted { (quotas[$0] - Double(sizes[$0]), -$0) > (quotas[$1] - Double(sizes[$1]), -$1) }
        var left = total - sizes.reduce(0, +)
        var position = 0
        while left > 0 {
            sizes[order[position % order.count]] += 1
            left -= 1
            position += 1
        }
        return sizes
    }

    /// Rounds the table `rowTotals[r] * fractions[c]` to integers whose rows add up to
    /// `rowTotals` and whose columns add up to `columnTotals` (which must add up to the same).
    ///
    /// Every cell starts at its floor; the units each row and column still lack are then given
    /// one at a time to the cells with the largest remainders whose row and column both lack
    /// one, first at most one per cell, then (if that stalls) to any such cell.
    static func roundTable(rowTotals: [Int], columnTotals: [Int], fractions: [Double]) -> [[Int]] {
        let sum = fractions.reduce(0, +)
        var table = rowTotals.map { total in fractions.map { Int((Double(total) * $0 / sum).rounded(.down)) } }
        var rowNeed = rowTotals.indices.map { rowTotals[$0] - table[$0].reduce(0, +) }
        var columnNeed = columnTotals.indices.map { column in columnTotals[column] - table.reduce(0) { $0 + $1[column] } }
        var cells: [(row: Int, column: Int, remainder: Double)] = []
        for row in rowTotals.indices {
            for column in fractions.indices {
                let quota = Double(rowTotals[row]) * fractions[column] / sum
                cells.append((row, column, quota - quota.rounded(.down)))
            }
        }
        cells.sort { ($0.remainder, -$0.row, -$0.column) > ($1.remainder, -$1.row, -$1.column) }
        // First at most one unit per cell, by remainder: this is controlled rounding when it
        // succeeds. Then whatever is still lacking, cell by cell; one sweep suffices, because a
        // row that still lacks units after it would mean that every column was already full,
        // while the rows and the columns lack the same number of units in all.
        for cell in cells where rowNeed[cell.row] > 0 && columnNeed[cell.column] > 0 {
            table[cell.row][cell.column] += 1
            rowNeed[cell.row] -= 1
            columnNeed[cell.column] -= 1
        }
        for cell in cells {
            let units = min(rowNeed[cell.row], columnNeed[cell.column])
            guard units > 0 else { continue }
            table[cell.row][cell.column] += units
            rowNeed[cell.row] -= units
            columnNeed[cell.column] -= units
        }
        return table
    }
}
