extension DatasetSplit {
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
