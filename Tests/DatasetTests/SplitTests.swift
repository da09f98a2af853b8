import Testing

@testable import Dataset

@Suite("Splits")
struct SplitTests {
    /// Labels for `perClass` images of each of `classCount` classes, interleaved.
    static func labels(perClass: [Int]) -> [Int32] {
        var labels: [Int32] = []
        var left = perClass
        while left.contains(where: { $0 > 0 }) {
            for label in left.indices where left[label] > 0 {
                labels.append(Int32(label))
                left[label] -= 1
            }
        }
        return labels
    }

    @Test(
        "Split sizes follow the fractions by largest remainders and add up exactly",
        arguments: [
            (1000, 0.8, 0.1, 0.1, [800, 100, 100]),
            (5, 0.8, 0.1, 0.1, [4, 1, 0]),
            (7, 0.5, 0.25, 0.25, [3, 2, 2]),
            (70_000, 0.8, 0.1, 0.1, [56_000, 7_000, 7_000]),
            (10, 0.34, 0.33, 0.33, [4, 3, 3]),
        ])
    func sizes(count: Int, train: Double, validation: Double, test: Double, expected: [Int]) throws {
        let labels = [Int32](repeating: 0, count: count)
        for stratified in [false, true] {
            let split = try DatasetSplit(
                labels: labels, classCount: 1, fractions: .init(train: train, validation: validation, test: test), stratified: stratified, seed: 1)
            #expect([split.train.count, split.validation.count, split.test.count] == expected)
        }
    }

    @Test("Every image lands in exactly one part", arguments: [false, true])
    func disjointAndComplete(stratified: Bool) throws {
        let labels = Self.labels(perClass: [13, 7, 29, 1, 50])
        let split = try DatasetSplit(labels: labels, classCount: 5, stratified: stratified, seed: 9)
        let all = (split.train + split.validation + split.test).sorted()
        #expect(all == (0..<labels.count).map { Int32($0) })
        for part in DatasetSplit.Part.allCases {
            #expect(split[part] == split[part].sorted())
        }
    }

    @Test("Stratified parts keep each class's proportions, and the totals stay exact")
    func stratifiedProportions() throws {
        let perClass = [600, 600, 300, 100, 1000, 17]
        let labels = Self.labels(perClass: perClass)
        let split = try DatasetSplit(labels: labels, classCount: perClass.count, stratified: true, seed: 3)
        let counts = split.classCounts(labels: labels, classCount: perClass.count)
        let totals = DatasetSplit.apportion(labels.count, fractions: [0.8, 0.1, 0.1])
        #expect([split.train.count, split.validation.count, split.test.count] == totals)
        for (label, size) in perClass.enumerated() {
            let parts = [counts[.train]![label], counts[.validation]![label], counts[.test]![label]]
            #expect(parts.reduce(0, +) == size)
            for (part, fraction) in zip(parts, [0.8, 0.1, 0.1]) {
                // Controlled rounding: every cell is its quota rounded down or up.
                #expect(abs(Double(part) - Double(size) * fraction) < 1)
            }
        }
    }

    @Test("Controlled rounding keeps rows and columns exact on awkward tables")
    func roundTable() {
        let rows = [1, 1, 1, 1, 1, 2, 3]
        let fractions = [0.8, 0.1, 0.1]
        let columns = DatasetSplit.apportion(rows.reduce(0, +), fractions: fractions)
        let table = DatasetSplit.roundTable(rowTotals: rows, columnTotals: columns, fractions: fractions)
        #expect(table.map { $0.reduce(0, +) } == rows)
        #expect((0..<3).map { column in table.reduce(0) { $0 + $1[column] } } == columns)
        #expect(table.allSatisfy { $0.allSatisfy { $0 >= 0 } })
    }

    @Test("One seed gives one split; another seed gives another", arguments: [false, true])
    func seededDeterminism(stratified: Bool) throws {
        let labels = Self.labels(perClass: [100, 100, 100])
        let first = try DatasetSplit(labels: labels, classCount: 3, stratified: stratified, seed: 42)
        let again = try DatasetSplit(labels: labels, classCount: 3, stratified: stratified, seed: 42)
        let other = try DatasetSplit(labels: labels, classCount: 3, stratified: stratified, seed: 43)
        #expect(first == again)
        #expect(first.train != other.train)
        #expect(first.validation != other.validation)
    }

    @Test("A split is not the first images in order: the choice is shuffled")
    func shuffled() throws {
        let labels = [Int32](repeating: 0, count: 100)
        let split = try DatasetSplit(labels: labels, classCount: 1, seed: 5)
        #expect(split.train != (0..<80).map { Int32($0) })
    }

    @Test(
        "Fractions out of (0, 1] or not summing to 1 are refused",
        arguments: [
            (0.8, 0.2, 0.0), (0.9, 0.1, 0.1), (1.2, -0.1, -0.1), (0.5, 0.3, 0.1), (1.0, 0.0, 0.0), (.nan, 0.5, 0.5),
        ])
    func invalidFractions(train: Double, validation: Double, test: Double) {
        let fractions = DatasetSplit.Fractions(train: train, validation: validation, test: test)
        #expect(throws: DatasetError.self) {
            try DatasetSplit(labels: [0, 0, 0], classCount: 1, fractions: fractions, seed: 0)
        }
        if !train.isNaN {
            #expect(throws: DatasetError.invalidFractions(train: train, validation: validation, test: test)) { try fractions.validate() }
        }
    }

    @Test("Fractions that sum to 1 within 1e-6 are accepted")
    func nearlyOne() throws {
        try DatasetSplit.Fractions(train: 0.7, validation: 0.2, test: 0.1000005).validate()
        #expect(throws: DatasetError.self) { try DatasetSplit.Fractions(train: 0.7, validation: 0.2, test: 0.10001).validate() }
    }

    @Test("Splitting a LabeledImages uses its labels and class count")
    func splitsLabeledImages() throws {
        let labels = Self.labels(perClass: [10, 10])
        let images = LabeledImages(
            pixels: [UInt8](repeating: 0, count: labels.count), labels: labels, channels: 1, height: 1, width: 1, classNames: ["a", "b"])
        let split = try DatasetSplit(of: images, stratified: true, seed: 8)
        #expect(images.classCounts(of: split.train) == [8, 8])
        #expect(images.classCounts(of: split.validation) == [1, 1])
        #expect(images.classCounts(of: split.test) == [1, 1])
    }
}
