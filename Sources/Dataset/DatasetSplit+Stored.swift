extension DatasetSplit {
    /// Why stored indices cannot be a split of a data set.
    public enum StoredSplitError: Error, Equatable, Sendable, CustomStringConvertible {
        case negativeIndex(part: String, index: Int32)
        case outOfRange(part: String, index: Int32, imageCount: Int)
        case overlapping(index: Int32)

        public var description: String {
            switch self {
            case let .negativeIndex(part, index):
                return "the stored split has the negative index \(index) in its \(part) part"
            case let .outOfRange(part, index, imageCount):
                return "the stored split's \(part) part has the index \(index), but the data set has \(imageCount) images"
            case let .overlapping(index):
                return "the stored split has the image \(index) in two parts"
            }
        }
    }

    /// Recreates a split from stored indices, checking them instead of trusting them: no index
    /// negative, none in two parts, and (with `imageCount`) every one inside the data set.
    ///
    /// - Throws: ``StoredSplitError`` for damaged indices.
    public init(validatingTrain train: [Int32], validation: [Int32], test: [Int32], imageCount: Int? = nil) throws(StoredSplitError) {
        var seen = Set<Int32>(minimumCapacity: train.count + validation.count + test.count)
        for (part, indices) in [("train", train), ("validation", validation), ("test", test)] {
            for index in indices {
                guard index >= 0 else { throw .negativeIndex(part: part, index: index) }
                if let imageCount, Int(index) >= imageCount {
                    throw .outOfRange(part: part, index: index, imageCount: imageCount)
                }
                guard seen.insert(index).inserted else { throw .overlapping(index: index) }
            }
        }
        self.train = train
        self.validation = validation
        self.test = test
    }

    /// Checks that every index lies inside a data set of `imageCount` images.
    public func validate(imageCount: Int) throws(StoredSplitError) {
        for part in Part.allCases {
            if let bad = self[part].first(where: { Int($0) >= imageCount || $0 < 0 }) {
                throw .outOfRange(part: part.rawValue, index: bad, imageCount: imageCount)
            }
        }
    }

    /// Recreates a split from stored indices (a cached result), checking that the parts are disjoint.
    ///
    /// - Parameters:
    ///   - train: indices of the training images.
    ///   - validation: indices of the validation images.
    ///   - test: indices of the test images.
    /// - Precondition: no index appears in two parts.
    public init(train: [Int32], validation: [Int32], test: [Int32]) {
        precondition(Set(train).isDisjoint(with: validation) && Set(train).isDisjoint(with: test)
                     && Set(validation).isDisjoint(with: test), "The parts of a split must be disjoint.")
        self.train = train
        self.validation = validation
        self.test = test
    }
}
