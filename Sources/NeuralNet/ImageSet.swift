import Dataset
import TensorCore

/// Labelled images kept as bytes: `[N, C, H, W]` pixels (`UInt8`) and one `Int32` label each.
///
/// Training converts pixels to `Float` only inside each batch gather (with a ``PixelScaling``),
/// so a 70,000-image set is never duplicated as `Float`. A ``subset(_:)`` shares the pixels of
/// the set it comes from, so train/validation/test splits cost only their index lists.
public struct ImageSet: Sendable, Equatable {
    /// The pixels of every stored image, `[storedCount, C, H, W]` row-major.
    public let pixels: [UInt8]
    /// The label of every stored image.
    public let labels: [Int32]
    /// The shape of one image, `[channels, height, width]`.
    public let imageShape: [Int]
    /// The stored images this set consists of, in order, or nil for all of them.
    public let selection: [Int]?

    /// Creates a set from whole arrays.
    ///
    /// - Parameters:
    ///   - pixels: `[N, C, H, W]` bytes.
    ///   - labels: `N` labels.
    ///   - imageShape: `[C, H, W]`.
    /// - Throws: ``NeuralNetError/inconsistentImageSet(pixels:labels:imageShape:)`` if the sizes disagree.
    public init(pixels: [UInt8], labels: [Int32], imageShape: [Int]) throws(NeuralNetError) {
        let size = imageShape.reduce(1, *)
        guard imageShape.count == 3, imageShape.allSatisfy({ $0 > 0 }), pixels.count == size * labels.count else {
            throw .inconsistentImageSet(pixels: pixels.count, labels: labels.count, imageShape: imageShape)
        }
        self.pixels = pixels
        self.labels = labels
        self.imageShape = imageShape
        self.selection = nil
    }

    private init(pixels: [UInt8], labels: [Int32], imageShape: [Int], selection: [Int]?) {
        self.pixels = pixels
        self.labels = labels
        self.imageShape = imageShape
        self.selection = selection
    }

    /// The images at `indices` of this set, sharing its pixel storage.
    ///
    /// - Parameter indices: Positions in `0..<count`, in the order wanted.
    public func subset(_ indices: [Int]) -> ImageSet {
        precondition(indices.allSatisfy { $0 >= 0 && $0 < count }, "Subset indices must lie in 0..<\(count).")
        let stored = selection.map { selection in indices.map { selection[$0] } } ?? indices
        return ImageSet(pixels: pixels, labels: labels, imageShape: imageShape, selection: stored)
    }

    /// The number of images in the set.
    public var count: Int { selection?.count ?? labels.count }

    /// The number of values in one image.
    public var imageSize: Int { imageShape.reduce(1, *) }

    /// The stored index of the set's `index`-th image.
    @inline(__always)
    func storedIndex(_ index: Int) -> Int { selection?[index] ?? index }

    /// The label of the set's `index`-th image.
    ///
    /// - Parameter index: A position in `0..<count`.
    public func label(at index: Int) -> Int32 { labels[storedIndex(index)] }

    /// Converts images to `Float`, `value = pixel · scale + offset`, into `output`, and copies
    /// their labels: the set's images `order[p]` for `p` in `positions` (or the images at
    /// `positions` themselves without an order). Allocates nothing.
    func gather(
        _ positions: Range<Int>, order: [Int]? = nil, scaling: PixelScaling, into output: UnsafeMutablePointer<Float>,
        labels labelOutput: UnsafeMutablePointer<Int32>
    ) {
        let size = imageSize
        let (scale, offset) = (scaling.scale, scaling.offset)
        pixels.withUnsafeBufferPointer { source in
            guard let base = source.baseAddress else { return }
            parallelFor(count: positions.count, minimumPerThread: 32) { _, range in
                for n in range {
                    let position = positions.lowerBound + n
                    let stored = storedIndex(order?[position] ?? position)
                    let src = base + stored * size, dst = output + n * size
                    for j in 0..<size { dst[j] = Float(src[j]) * scale + offset }
                    labelOutput[n] = labels[stored]
                }
            }
        }
    }
}

extension ImageSet {
    /// The set's images mirrored left to right (every row of every channel reversed), with their
    /// labels: what test-time flip augmentation shows a model beside the images themselves.
    ///
    /// The result stores only the selected images (`count × imageSize` bytes), in the set's order.
    public func horizontallyFlipped() -> ImageSet {
        let size = imageSize, width = imageShape[2], rows = imageShape[0] * imageShape[1]
        var flipped = [UInt8](repeating: 0, count: count * size)
        flipped.withUnsafeMutableBufferPointer { output in
            pixels.withUnsafeBufferPointer { source in
                guard let target = output.baseAddress, let base = source.baseAddress else { return }
                for image in 0..<count {
                    let from = base + storedIndex(image) * size, to = target + image * size
                    for row in 0..<rows {
                        let line = from + row * width, mirrored = to + row * width
                        for x in 0..<width { mirrored[x] = line[width - 1 - x] }
                    }
                }
            }
        }
        return ImageSet(pixels: flipped, labels: (0..<count).map(label(at:)), imageShape: imageShape, selection: nil)
    }
}
