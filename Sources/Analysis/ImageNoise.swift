import Foundation

/// A measure of pixel noise: what a small smoothing filter takes out of an image.
///
/// The residual `image − filter(image)` is what a 3×3 median (or Gaussian) filter removes:
/// isolated speckles, grain and one-pixel texture, while edges and flat regions (a median
/// keeps both; a Gaussian keeps flat regions) leave little. The root mean square of the
/// residual over the pixels, in the image's own units, is one number per image: 0 for a
/// perfectly smooth picture, larger the grainier it is. Pixels outside the image repeat the
/// nearest edge pixel, so a flat image has no residual at its border either.
public enum ImageNoise {
    /// The smoothing filter whose residual is measured.
    public enum Filter: String, CaseIterable, Sendable {
        /// The median of each pixel's 3×3 neighbourhood: removes speckles, keeps edges.
        case median
        /// The 3×3 binomial kernel `[1 2 1]ᵀ[1 2 1] / 16`, a Gaussian of σ ≈ 0.85 pixel.
        case gaussian
    }

    /// The image filtered with a 3×3 `filter`, edge pixels repeated outside the image.
    ///
    /// - Parameters:
    ///   - image: `height × width` values, row by row.
    ///   - height: Rows.
    ///   - width: Columns.
    ///   - filter: The filter.
    public static func filtered(_ image: [Float], height: Int, width: Int, filter: Filter) -> [Float] {
        precondition(height > 0 && width > 0 && image.count == height * width, "An image needs height × width values.")
        var out = [Float](repeating: 0, count: image.count)
        // Clamped neighbour columns, computed once: edge pixels repeat outside the image.
        let left = (0..<width).map { max($0 - 1, 0) }, right = (0..<width).map { min($0 + 1, width - 1) }
        image.withUnsafeBufferPointer { pixels in
            out.withUnsafeMutableBufferPointer { out in
                for row in 0..<height {
                    let above = max(row - 1, 0) * width, here = row * width, below = min(row + 1, height - 1) * width
                    for column in 0..<width {
                        let l = left[column], r = right[column]
                        let a = pixels[above + l], b = pixels[above + column], c = pixels[above + r]
                        let d = pixels[here + l], e = pixels[here + column], f = pixels[here + r]
                        let g = pixels[below + l], h = pixels[below + column], i = pixels[below + r]
                        switch filter {
                        case .median:
                            out[here + column] = medianOfNine(a, b, c, d, e, f, g, h, i)
                        case .gaussian:
                            out[here + column] = (a + c + g + i + 2 * (b + d + f + h) + 4 * e) / 16
                        }
                    }
                }
            }
        }
        return out
    }

    /// The residual `image − filtered(image)` at every pixel.
    ///
    /// - Parameters:
    ///   - image: `height × width` values, row by row.
    ///   - height: Rows.
    ///   - width: Columns.
    ///   - filter: The filter.
    public static func residual(_ image: [Float], height: Int, width: Int, filter: Filter) -> [Float] {
        zip(image, filtered(image, height: height, width: width, filter: filter)).map { $0 - $1 }
    }

    /// The root mean square of a residual: `√(Σ r² / n)`; 0 for an empty one.
    ///
    /// - Parameter residual: Residual values.
    public static func rms(_ residual: [Float]) -> Double {
        guard !residual.isEmpty else { return 0 }
        let energy = residual.reduce(0.0) { $0 + Double($1) * Double($1) }
        return (energy / Double(residual.count)).squareRoot()
    }

    /// The median of nine values, by a sorting network of min/max exchanges (no allocation).
    @inline(__always)
    static func medianOfNine(_ a0: Float, _ a1: Float, _ a2: Float, _ a3: Float, _ a4: Float, _ a5: Float,
                             _ a6: Float, _ a7: Float, _ a8: Float) -> Float {
        var p0 = a0, p1 = a1, p2 = a2, p3 = a3, p4 = a4, p5 = a5, p6 = a6, p7 = a7, p8 = a8
        @inline(__always) func order(_ x: inout Float, _ y: inout Float) {
            if x > y { swap(&x, &y) }
        }
        // Paeth's 19-exchange median network (Graphics Gems, 1990).
        order(&p1, &p2); order(&p4, &p5); order(&p7, &p8)
        order(&p0, &p1); order(&p3, &p4); order(&p6, &p7)
        order(&p1, &p2); order(&p4, &p5); order(&p7, &p8)
        order(&p0, &p3); order(&p5, &p8); order(&p4, &p7)
        order(&p3, &p6); order(&p1, &p4); order(&p2, &p5)
        order(&p4, &p7); order(&p4, &p2); order(&p6, &p4)
        order(&p4, &p2)
        return p4
    }
}
