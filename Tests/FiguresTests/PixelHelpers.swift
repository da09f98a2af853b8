@testable import Figures

/// Whether an RGB pixel is within `tolerance` of `color` in every channel.
func matches(_ image: PNGImage, x: Int, y: Int, _ color: Color, tolerance: Int = 3) -> Bool {
    let pixel = image.pixel(x: x, y: y)
    let target = color.rgb8
    let start = pixel.startIndex
    return abs(Int(pixel[start]) - Int(target.red)) <= tolerance
        && abs(Int(pixel[start + 1]) - Int(target.green)) <= tolerance
        && abs(Int(pixel[start + 2]) - Int(target.blue)) <= tolerance
}

/// Every pixel position whose colour matches `color`.
func positions(of color: Color, in image: PNGImage, tolerance: Int = 3) -> [(x: Int, y: Int)] {
    var found: [(x: Int, y: Int)] = []
    for y in 0..<image.height {
        for x in 0..<image.width where matches(image, x: x, y: y, color, tolerance: tolerance) {
            found.append((x, y))
        }
    }
    return found
}

/// The mean of a list of numbers.
func mean(_ values: [Int]) -> Double {
    Double(values.reduce(0, +)) / Double(max(values.count, 1))
}

/// Whether every pixel within `band` of the image's border is (nearly) white.
func edgeIsBlank(_ image: PNGImage, band: Int) -> Bool {
    for y in 0..<image.height {
        for x in 0..<image.width where x < band || y < band || x >= image.width - band || y >= image.height - band {
            if image.pixel(x: x, y: y).contains(where: { $0 < 250 }) { return false }
        }
    }
    return true
}

/// A canvas for layout tests.
func testCanvas(width: Double = 640, height: Double = 400) throws -> Canvas {
    try Canvas(size: Size(width: width, height: height), scale: 1, theme: .standard)
}
