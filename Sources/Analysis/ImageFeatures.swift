import Foundation

/// Hand-made image features: Sobel edges, local binary patterns and histograms of oriented gradients.
///
/// Every function takes one grey plane, `height × width` floats row by row; pixels outside the
/// image read as 0 (the background of Fashion-MNIST-like images).
public enum ImageFeatures {
    /// The Sobel gradient `(gx, gy)` at every pixel: `gx` is the 3×3 kernel
    /// `[[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]`, `gy` its transpose (Sobel and Feldman, 1968),
    /// so `gx > 0` where brightness rises to the right and `gy > 0` where it rises downwards.
    public static func sobel(_ image: [Float], height: Int, width: Int) -> (gx: [Float], gy: [Float]) {
        precondition(image.count == height * width, "An image needs height × width values.")
        func at(_ row: Int, _ column: Int) -> Float {
            row >= 0 && row < height && column >= 0 && column < width ? image[row * width + column] : 0
        }
        var gx = [Float](repeating: 0, count: image.count), gy = gx
        for row in 0..<height {
            for column in 0..<width {
                let a = at(row - 1, column - 1), b = at(row - 1, column), c = at(row - 1, column + 1)
                let d = at(row, column - 1), f = at(row, column + 1)
                let g = at(row + 1, column - 1), h = at(row + 1, column), i = at(row + 1, column + 1)
                gx[row * width + column] = (c + 2 * f + i) - (a + 2 * d + g)
                gy[row * width + column] = (g + 2 * h + i) - (a + 2 * b + c)
            }
        }
        return (gx, gy)
    }

    /// The Sobel edge magnitude `√(gx² + gy²)` at every pixel.
    public static func sobelMagnitude(_ image: [Float], height: Int, width: Int) -> [Float] {
        let (gx, gy) = sobel(image, height: height, width: width)
        return zip(gx, gy).map { ($0 * $0 + $1 * $1).squareRoot() }
    }

    /// Rotation-invariant uniform local binary patterns, LBP^riu2 with 8 neighbours at radius 1
    /// (Ojala, Pietikäinen and Mäenpää, IEEE TPAMI 2002): each neighbour at least as bright as
    /// the centre sets a bit; a circular pattern with at most two 0/1 transitions (uniform) gets
    /// its number of set bits, 0…8, every other pattern gets 9.
    public static func localBinaryPatterns(_ image: [Float], height: Int, width: Int) -> [UInt8] {
        precondition(image.count == height * width, "An image needs height × width values.")
        let offsets = [(-1, -1), (-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1)]
        var codes = [UInt8](repeating: 0, count: image.count)
        for row in 0..<height {
            for column in 0..<width {
                let centre = image[row * width + column]
                var bits = [Bool](repeating: false, count: 8)
                for (k, (dr, dc)) in offsets.enumerated() {
                    let r = row + dr, c = column + dc
                    let value: Float = r >= 0 && r < height && c >= 0 && c < width ? image[r * width + c] : 0
                    bits[k] = value >= centre
                }
                var transitions = 0
                for k in 0..<8 where bits[k] != bits[(k + 1) % 8] { transitions += 1 }
                codes[row * width + column] = transitions <= 2 ? UInt8(bits.filter { $0 }.count) : 9
            }
        }
        return codes
    }

    /// The number of LBP^riu2 codes.
    public static let patternCount = 10

    /// LBP^riu2 histograms of a `grid × grid` tiling of the image, each normalised to sum 1:
    /// `grid² · 10` values.
    public static func patternHistograms(_ codes: [UInt8], height: Int, width: Int, grid: Int) -> [Float] {
        var histogram = [Float](repeating: 0, count: grid * grid * patternCount)
        var counts = [Float](repeating: 0, count: grid * grid)
        for row in 0..<height {
            for column in 0..<width {
                let cell = (row * grid / height) * grid + column * grid / width
                histogram[cell * patternCount + Int(codes[row * width + column])] += 1
                counts[cell] += 1
            }
        }
        for cell in 0..<(grid * grid) where counts[cell] > 0 {
            for code in 0..<patternCount { histogram[cell * patternCount + code] /= counts[cell] }
        }
        return histogram
    }

    /// Orientation bins of a histogram of oriented gradients.
    public static let orientationBins = 9

    /// Per-cell histograms of gradient orientation (Dalal and Triggs, CVPR 2005): unsigned
    /// orientations 0…180° in 9 bins, each pixel voting with its Sobel magnitude, split linearly
    /// between the two nearest bin centres. Cells are `cell × cell` pixels; a partial last cell
    /// is dropped. Returns `cellRows × cellColumns × 9` values and the cell grid.
    public static func orientationHistograms(_ image: [Float], height: Int, width: Int, cell: Int)
        -> (values: [Float], rows: Int, columns: Int)
    {
        let rows = max(1, height / cell), columns = max(1, width / cell)
        let (gx, gy) = sobel(image, height: height, width: width)
        var histogram = [Float](repeating: 0, count: rows * columns * orientationBins)
        let binWidth = Float.pi / Float(orientationBins)
        for row in 0..<min(height, rows * cell) {
            for column in 0..<min(width, columns * cell) {
                let x = gx[row * width + column], y = gy[row * width + column]
                let magnitude = (x * x + y * y).squareRoot()
                guard magnitude > 0 else { continue }
                var angle = atan2(y, x)
                if angle < 0 { angle += .pi }
                if angle >= .pi { angle -= .pi }
                let position = angle / binWidth - 0.5
                let lower = Int(position.rounded(.down))
                let fraction = position - Float(lower)
                let base = ((row / cell) * columns + column / cell) * orientationBins
                histogram[base + (lower + orientationBins) % orientationBins] += magnitude * (1 - fraction)
                histogram[base + (lower + 1) % orientationBins] += magnitude * fraction
            }
        }
        return (histogram, rows, columns)
    }

    /// The HOG descriptor: cell histograms grouped into overlapping 2×2-cell blocks (stride one
    /// cell), each block L2-normalised, `v / √(‖v‖² + ε²)` with ε = 1e-3.
    public static func hogDescriptor(_ image: [Float], height: Int, width: Int, cell: Int) -> [Float] {
        let (cells, rows, columns) = orientationHistograms(image, height: height, width: width, cell: cell)
        let blockRows = max(1, rows - 1), blockColumns = max(1, columns - 1)
        let span = min(2, rows), spanColumns = min(2, columns)
        var descriptor: [Float] = []
        descriptor.reserveCapacity(blockRows * blockColumns * span * spanColumns * orientationBins)
        for blockRow in 0..<blockRows {
            for blockColumn in 0..<blockColumns {
                var block: [Float] = []
                for r in blockRow..<(blockRow + span) {
                    for c in blockColumn..<(blockColumn + spanColumns) {
                        let base = (r * columns + c) * orientationBins
                        block += cells[base..<(base + orientationBins)]
                    }
                }
                let norm = (block.reduce(0) { $0 + $1 * $1 } + 1e-6).squareRoot()
                descriptor += block.map { $0 / norm }
            }
        }
        return descriptor
    }

    /// A picture of cell orientation histograms: in each cell a line through its centre for every
    /// bin, drawn along the edge direction (perpendicular to the gradient), as bright as the bin's
    /// share of the largest bin in `histogram` (or of `peak`). `scale` pixels per image pixel.
    public static func hogPicture(_ histogram: [Float], rows: Int, columns: Int, cell: Int, scale: Int, peak: Float? = nil)
        -> (pixels: [Float], width: Int, height: Int)
    {
        let width = columns * cell * scale, height = rows * cell * scale
        var pixels = [Float](repeating: 0, count: width * height)
        let largest = max(peak ?? histogram.max() ?? 1, 1e-12)
        let half = Float(cell * scale) / 2 * 0.95
        for row in 0..<rows {
            for column in 0..<columns {
                let centreX = (Float(column) + 0.5) * Float(cell * scale), centreY = (Float(row) + 0.5) * Float(cell * scale)
                for bin in 0..<orientationBins {
                    let strength = min(1, histogram[(row * columns + column) * orientationBins + bin] / largest)
                    guard strength > 0.02 else { continue }
                    // Gradient angle at the bin centre; the edge runs perpendicular to it.
                    let angle = (Float(bin) + 0.5) * Float.pi / Float(orientationBins) + Float.pi / 2
                    let dx = cos(angle), dy = sin(angle)
                    let steps = Int(half * 2) * 2
                    for step in 0...steps {
                        let t = -half + 2 * half * Float(step) / Float(steps)
                        let x = Int((centreX + t * dx).rounded(.down)), y = Int((centreY + t * dy).rounded(.down))
                        guard x >= 0, x < width, y >= 0, y < height else { continue }
                        pixels[y * width + x] = max(pixels[y * width + x], strength)
                    }
                }
            }
        }
        return (pixels, width, height)
    }

    /// Nearest-centroid classification (Tibshirani et al., PNAS 2002, without shrinkage): each
    /// feature is standardised with the training mean and standard deviation, each class is
    /// represented by the mean of its training vectors, and a vector gets the class of the
    /// nearest mean in Euclidean distance.
    ///
    /// - Returns: the predicted class of every test vector.
    public static func nearestCentroid(train: [Float], trainLabels: [Int], test: [Float], dimension: Int, classCount: Int) -> [Int] {
        let trainCount = trainLabels.count, testCount = test.count / max(1, dimension)
        var mean = [Double](repeating: 0, count: dimension), square = mean
        for row in 0..<trainCount {
            for k in 0..<dimension {
                let value = Double(train[row * dimension + k])
                mean[k] += value
                square[k] += value * value
            }
        }
        let n = Double(max(1, trainCount))
        let deviation = (0..<dimension).map { k -> Double in
            let m = mean[k] / n
            let s = max(0, square[k] / n - m * m).squareRoot()
            return s > 1e-9 ? s : 1
        }
        for k in 0..<dimension { mean[k] /= n }
        var centroids = [Double](repeating: 0, count: classCount * dimension)
        var counts = [Int](repeating: 0, count: classCount)
        for row in 0..<trainCount {
            let label = trainLabels[row]
            counts[label] += 1
            for k in 0..<dimension {
                centroids[label * dimension + k] += (Double(train[row * dimension + k]) - mean[k]) / deviation[k]
            }
        }
        for label in 0..<classCount where counts[label] > 0 {
            for k in 0..<dimension { centroids[label * dimension + k] /= Double(counts[label]) }
        }
        var predictions = [Int](repeating: 0, count: testCount)
        var standardised = [Double](repeating: 0, count: dimension)
        for row in 0..<testCount {
            for k in 0..<dimension { standardised[k] = (Double(test[row * dimension + k]) - mean[k]) / deviation[k] }
            var best = Double.infinity
            for label in 0..<classCount where counts[label] > 0 {
                var distance = 0.0
                for k in 0..<dimension {
                    let d = standardised[k] - centroids[label * dimension + k]
                    distance += d * d
                }
                if distance < best {
                    best = distance
                    predictions[row] = label
                }
            }
        }
        return predictions
    }
}
