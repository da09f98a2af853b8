/// How byte pixels `p` in `0...255` become `Float` inputs for a network.
///
/// Both scalings first map `p` to `p / 255` in `[0, 1]`; standardising then subtracts a mean
/// and divides by a standard deviation, both measured on that `[0, 1]` scale (for
/// Fashion-MNIST's training images about 0.286 and 0.353; see
/// ``LabeledImages/pixelStatistics(of:)``).
public enum PixelScaling: Sendable, Equatable, Codable {
    /// `p / 255`, in `[0, 1]`.
    case unit
    /// `(p / 255 - mean) / standardDeviation`.
    case standardized(mean: Float, standardDeviation: Float)

    /// The factor in `value = pixel · scale + offset`.
    public var scale: Float {
        switch self {
        case .unit: return 1 / 255
        case .standardized(_, let standardDeviation): return 1 / (255 * standardDeviation)
        }
    }

    /// The offset in `value = pixel · scale + offset`.
    public var offset: Float {
        switch self {
        case .unit: return 0
        case .standardized(let mean, let standardDeviation): return -mean / standardDeviation
        }
    }

    /// The scaled value of one pixel.
    ///
    /// - Parameter pixel: a byte pixel.
    public func value(of pixel: UInt8) -> Float {
        let unit = Float(pixel) / 255
        switch self {
        case .unit:
            return unit
        case .standardized(let mean, let standardDeviation):
            return (unit - mean) / standardDeviation
        }
    }

    /// The scaled value of each of the 256 byte values, so that scaling is one table look-up.
    var table: [Float] {
        if case .standardized(_, let standardDeviation) = self {
            precondition(standardDeviation > 0, "The standard deviation must be positive.")
        }
        return (0...255).map { value(of: UInt8($0)) }
    }
}

extension LabeledImages {
    /// Writes the images at `indices`, scaled, into `buffer` as `[indices.count, C, H, W]`.
    ///
    /// One pass: each byte is looked up in a 256-entry table of scaled values and stored, with
    /// no intermediate copy. The same buffer read as `[indices.count, C * H * W]` is the
    /// flattened input of a multilayer perceptron; no reshaping copy is needed.
    ///
    /// - Parameters:
    ///   - indices: image indices, each in `0..<count`.
    ///   - scaling: how bytes become floats.
    ///   - buffer: at least `indices.count * pixelsPerImage` floats; only that prefix is written.
    public func gatherImages(at indices: ArraySlice<Int32>, scaling: PixelScaling, into buffer: UnsafeMutableBufferPointer<Float>) {
        let size = pixelsPerImage
        precondition(buffer.count >= indices.count * size, "The buffer holds \(buffer.count) floats; \(indices.count * size) are needed.")
        let table = scaling.table
        table.withUnsafeBufferPointer { table in
            pixels.withUnsafeBufferPointer { source in
                var destination = buffer.baseAddress!
                for index in indices {
                    let image = Int(index)
                    precondition(image >= 0 && image < count, "Image index \(image) is out of range 0..<\(count).")
                    let start = source.baseAddress! + image * size
                    for offset in 0..<size {
                        destination[offset] = table[Int(start[offset])]
                    }
                    destination += size
                }
            }
        }
    }

    /// Writes the images at `indices`, scaled, into `buffer` as `[indices.count, C, H, W]`.
    ///
    /// - Parameters:
    ///   - indices: image indices, each in `0..<count`.
    ///   - scaling: how bytes become floats.
    ///   - buffer: at least `indices.count * pixelsPerImage` floats.
    public func gatherImages(at indices: [Int32], scaling: PixelScaling, into buffer: UnsafeMutableBufferPointer<Float>) {
        gatherImages(at: indices[...], scaling: scaling, into: buffer)
    }

    /// Writes the labels of the images at `indices` into `buffer`.
    ///
    /// - Parameters:
    ///   - indices: image indices, each in `0..<count`.
    ///   - buffer: at least `indices.count` labels.
    public func gatherLabels(at indices: ArraySlice<Int32>, into buffer: UnsafeMutableBufferPointer<Int32>) {
        precondition(buffer.count >= indices.count, "The buffer holds \(buffer.count) labels; \(indices.count) are needed.")
        for (position, index) in indices.enumerated() {
            buffer[position] = labels[Int(index)]
        }
    }

    /// Writes the labels of the images at `indices` into `buffer`.
    ///
    /// - Parameters:
    ///   - indices: image indices, each in `0..<count`.
    ///   - buffer: at least `indices.count` labels.
    public func gatherLabels(at indices: [Int32], into buffer: UnsafeMutableBufferPointer<Int32>) {
        gatherLabels(at: indices[...], into: buffer)
    }

    /// The mean and the population standard deviation of the pixels of the images at
    /// `indices`, on the `[0, 1]` scale (`p / 255`): the parameters of
    /// ``PixelScaling/standardized(mean:standardDeviation:)``.
    ///
    /// Computed exactly from a histogram of the 256 byte values:
    /// `mean = sum(h[v] v) / n / 255`, `variance = sum(h[v] v^2) / n / 255^2 - mean^2`.
    /// Measure it on the training part only, so that no information leaks from the others.
    ///
    /// - Parameter indices: image indices, each in `0..<count`; at least one.
    public func pixelStatistics(of indices: [Int32]) -> (mean: Float, standardDeviation: Float) {
        precondition(!indices.isEmpty, "Statistics need at least one image.")
        var histogram = [Int](repeating: 0, count: 256)
        let size = pixelsPerImage
        pixels.withUnsafeBufferPointer { source in
            for index in indices {
                let start = Int(index) * size
                for offset in start..<(start + size) { histogram[Int(source[offset])] += 1 }
            }
        }
        let total = Double(indices.count * size)
        var sum = 0.0
        var squares = 0.0
        for (value, frequency) in histogram.enumerated() {
            sum += Double(frequency) * Double(value)
            squares += Double(frequency) * Double(value * value)
        }
        let mean = sum / total / 255
        let variance = max(0, squares / total / (255 * 255) - mean * mean)
        return (Float(mean), Float(variance.squareRoot()))
    }
}
