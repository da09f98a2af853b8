import Dataset
import Engine
import Figures
import Foundation

extension Action {
    /// `eda.dimensions`: image sizes, where the content sits, and how much border could be cropped.
    public static let edaDimensions = Action(
        name: "eda.dimensions",
        version: 3,
        summary: "Image sizes, the bounding box of the content of each image, and how many border pixels could be cropped.",
        discussion: """
            A pixel is content when its value (pixel / 255, the largest over channels) is above \
            'background'. An image's bounding box is the smallest rectangle holding all its content. \
            The crop table says how many rows or columns at each border are background in every \
            image (cropping them loses nothing) and how many are background in all but a small share \
            of images ('tolerance'). The coverage map shows, for each pixel, the share of images in \
            which it is content.
            """,
        inputs: [EDAParameters.data],
        parameters: DimensionsParameters.self,
        facts: [
            FactDeclaration("images", .count, doc: "How many images were measured."),
            FactDeclaration("channels", .count, doc: "The channels of every image."),
            FactDeclaration("height", .count, doc: "The image height in pixels."),
            FactDeclaration("width", .count, doc: "The image width in pixels."),
            FactDeclaration("empty", .count, doc: "Images without any content (every pixel background)."),
            FactDeclaration("touches-sides-all", .percentage, doc: "The share of images whose content touches the left or right border."),
            FactDeclaration("touches-ends-all", .percentage, doc: "The share of images whose content touches the top or bottom border."),
            FactDeclaration("mean-area", .percentage, doc: "The mean bounding-box area, as a share of the image."),
            FactDeclaration("full-height-classes", .text, doc: "The classes whose median bounding box is as high as the image, listed ('none' if no class)."),
            FactDeclaration("full-width-classes", .text, doc: "The classes whose median bounding box is as wide as the image, listed ('none' if no class)."),
            FactDeclaration("croppable", .count, doc: "Rows and columns, at all four borders together, that are background in every image."),
            FactDeclaration("croppable-tolerant", .count, doc: "Rows and columns that are background in all images but a share 'tolerance'."),
            .family("median-width", suffix: "class", .count, doc: "The median bounding-box width of one class, e.g. median-width.Bag."),
            .family("median-height", suffix: "class", .count, doc: "The median bounding-box height of one class."),
            .family("touches-sides", suffix: "class", .percentage, doc: "The share of one class's images touching the left or right border, e.g. touches-sides.Sandal."),
            .family("touches-ends", suffix: "class", .percentage, doc: "The share of one class's images touching the top or bottom border."),
        ],
        run: DimensionsAction.run)
}

/// The bounding box of an image's content, in pixel rows and columns (inclusive).
struct ContentBox: Equatable {
    var top: Int
    var bottom: Int
    var left: Int
    var right: Int
    var width: Int { right - left + 1 }
    var height: Int { bottom - top + 1 }

    /// The box of pixels above `threshold` (a byte value) in any channel, or `nil` for an empty image.
    static func of(_ pixels: ArraySlice<UInt8>, channels: Int, height: Int, width: Int, threshold: UInt8) -> ContentBox? {
        var top = Int.max, bottom = -1, left = Int.max, right = -1
        let start = pixels.startIndex
        let plane = height * width
        for row in 0..<height {
            var rowLeft = Int.max, rowRight = -1
            for column in 0..<width {
                var content = false
                for channel in 0..<channels where pixels[start + channel * plane + row * width + column] > threshold {
                    content = true
                }
                if content {
                    if rowLeft == Int.max { rowLeft = column }
                    rowRight = column
                }
            }
            if rowRight >= 0 {
                if top == Int.max { top = row }
                bottom = row
                left = min(left, rowLeft)
                right = max(right, rowRight)
            }
        }
        return bottom < 0 ? nil : ContentBox(top: top, bottom: bottom, left: left, right: right)
    }
}

/// How many rows or columns each border of the images could lose.
struct CropMargins: Equatable {
    var top: Int
    var bottom: Int
    var left: Int
    var right: Int

    /// The margins that are background in all boxes except at most `tolerance` of them:
    /// the `tolerance` quantile (lower) of each border's free rows or columns.
    static func of(_ boxes: [ContentBox], height: Int, width: Int, tolerance: Double) -> CropMargins {
        guard !boxes.isEmpty else { return CropMargins(top: 0, bottom: 0, left: 0, right: 0) }
        func margin(_ values: [Int]) -> Int {
            let sorted = values.sorted()
            let allowed = Int((tolerance * Double(sorted.count)).rounded(.down))
            return sorted[min(allowed, sorted.count - 1)]
        }
        return CropMargins(top: margin(boxes.map(\.top)), bottom: margin(boxes.map { height - 1 - $0.bottom }),
                           left: margin(boxes.map(\.left)), right: margin(boxes.map { width - 1 - $0.right }))
    }
}

/// The parameters of `eda.dimensions`.
struct DimensionsParameters: ParameterSet {
    var part = "all"
    var background: Double = 0
    var tolerance: Double = 0.001

    static let fields: [Field<Self>] = [
        EDAParameters.part(\.part),
        Field("background", \.background, .number(.halfOpen(0, 1)), doc: "Pixels at or below this value (pixel / 255) are background."),
        Field("tolerance", \.tolerance, .number(.halfOpen(0, 0.5)), doc: "Share of images whose content a 'tolerant' crop may cut into."),
    ]
}

enum DimensionsAction {
    static func run(_ parameters: DimensionsParameters, _ context: ActionContext) throws {
        let data = try EDAData.load(context)
        let images = data.images
        let part = parameters.part
        let indices = data.indices(part)
        guard !indices.isEmpty else { throw context.error("The part '\(part)' has no images.", parameter: "part") }
        let threshold = UInt8(min(255, (parameters.background * 255).rounded(.down)))
        let tolerance = parameters.tolerance
        let height = data.height, width = data.width

        var boxes: [ContentBox] = []
        var boxesByClass = [[ContentBox]](repeating: [], count: data.classCount)
        var empty = 0
        var coverage = [Int](repeating: 0, count: data.plane)
        for index in indices {
            let image = Int(index)
            let pixels = images.pixels(ofImage: image)
            let start = pixels.startIndex
            for pixel in 0..<data.plane {
                for channel in 0..<data.channels where pixels[start + channel * data.plane + pixel] > threshold {
                    coverage[pixel] += 1
                    break
                }
            }
            if let box = ContentBox.of(pixels, channels: data.channels, height: height, width: width, threshold: threshold) {
                boxes.append(box)
                boxesByClass[Int(images.labels[image])].append(box)
            } else {
                empty += 1
            }
        }

        context.emit(markdown: (part == "all" ? "All \(Format.count(indices.count)) images have" : "All \(Format.count(indices.count)) \(part) images have")
                     + " the same size, "
                     + "\(data.channels)×\(height)×\(width) (channels × height × width): the IDX format stores one "
                     + "shape for the whole file, so no image needs resizing or padding."
                     + (empty > 0 ? " \(Format.count(empty)) images have no content at all (every pixel is background)." : ""))

        var table = Table(columns: ["class", "images", "box width (median)", "box height (median)", "width min…max",
                                    "height min…max", "touches left/right", "touches top/bottom", "box area (mean)"],
                          caption: "Bounding boxes of content (pixels > \(Format.decimal(Double(threshold) / 255, 3)))")
        func row(_ name: String, _ group: [ContentBox]) -> [String] {
            guard !group.isEmpty else { return [name, "0", "–", "–", "–", "–", "–", "–", "–"] }
            let widths = group.map(\.width).sorted(), heights = group.map(\.height).sorted()
            let sides = group.filter { $0.left == 0 || $0.right == width - 1 }.count
            let ends = group.filter { $0.top == 0 || $0.bottom == height - 1 }.count
            let area = group.reduce(0.0) { $0 + Double($1.width * $1.height) } / Double(group.count * height * width)
            return [name, Format.count(group.count), "\(widths[widths.count / 2])", "\(heights[heights.count / 2])",
                    "\(widths[0])…\(widths[widths.count - 1])", "\(heights[0])…\(heights[heights.count - 1])",
                    Format.percent(Double(sides) / Double(group.count)), Format.percent(Double(ends) / Double(group.count)),
                    Format.percent(area)]
        }
        for (label, name) in data.classNames.enumerated() { table.append(row(name, boxesByClass[label])) }
        table.append(row("**all**", boxes))
        context.emit(table)

        let strict = CropMargins.of(boxes, height: height, width: width, tolerance: 0)
        let tolerant = CropMargins.of(boxes, height: height, width: width, tolerance: tolerance)
        var crop = Table(columns: ["border", "background in every image", "background in all but \(Format.percent(tolerance, 1))"],
                         caption: "Rows or columns that could be cropped at each border")
        crop.append(["top", "\(strict.top)", "\(tolerant.top)"])
        crop.append(["bottom", "\(strict.bottom)", "\(tolerant.bottom)"])
        crop.append(["left", "\(strict.left)", "\(tolerant.left)"])
        crop.append(["right", "\(strict.right)", "\(tolerant.right)"])
        crop.append(["cropped size", "\(height - strict.top - strict.bottom)×\(width - strict.left - strict.right)",
                     "\(height - tolerant.top - tolerant.bottom)×\(width - tolerant.left - tolerant.right)"])
        context.emit(crop)
        publishFacts(context, data: data, boxes: boxes, byClass: boxesByClass, empty: empty, images: indices.count,
                     strict: strict, tolerant: tolerant)

        let widthPlot = BoxPlot(groups: data.classNames.indices.map {
            DistributionGroup(name: data.classNames[$0], values: boxesByClass[$0].map { Double($0.width) })
        }, title: "Bounding-box width", yLabel: "pixels")
        let heightPlot = BoxPlot(groups: data.classNames.indices.map {
            DistributionGroup(name: data.classNames[$0], values: boxesByClass[$0].map { Double($0.height) })
        }, title: "Bounding-box height", yLabel: "pixels")
        let plotWidth = max(700.0, min(1400, 80.0 * Double(data.classCount) + 120))
        try context.emitFigure(name: "box-sizes", title: "Bounding-box width and height of the content by class (\(part) images)",
                               chart: FigureGrid([widthPlot, heightPlot], columns: 1), size: Size(width: plotWidth, height: 620))

        let share = coverage.map { Double($0) / Double(indices.count) }
        let heatmap = Heatmap(values: share, rows: height, columns: width, colorMap: .viridis, range: 0...1,
                              title: "Share of images with content at each pixel", xLabel: "column", yLabel: "row",
                              colorBarLabel: "share of images")
        try context.emitFigure(name: "coverage", title: "Coverage: the share of \(part) images with content at each pixel",
                               chart: heatmap, size: Size(width: 520, height: 440))
    }
}

extension DimensionsAction {
    /// The share of `boxes` touching the left or right border (`sides`) or the top or bottom (`ends`).
    static func touching(_ boxes: [ContentBox], height: Int, width: Int) -> (sides: Double, ends: Double) {
        let count = Double(max(1, boxes.count))
        return (Double(boxes.filter { $0.left == 0 || $0.right == width - 1 }.count) / count,
                Double(boxes.filter { $0.top == 0 || $0.bottom == height - 1 }.count) / count)
    }

    /// The facts of `eda.dimensions`: the shape, the share of boxes touching the borders, the
    /// classes that fill the frame, and how much could be cropped.
    static func publishFacts(_ context: ActionContext, data: EDAData, boxes: [ContentBox], byClass: [[ContentBox]],
                             empty: Int, images: Int, strict: CropMargins, tolerant: CropMargins) {
        let height = data.height, width = data.width
        context.publish(fact: "images", value: Double(images), kind: .count)
        context.publish(fact: "channels", value: Double(data.channels), kind: .count)
        context.publish(fact: "height", value: Double(height), kind: .count)
        context.publish(fact: "width", value: Double(width), kind: .count)
        context.publish(fact: "empty", value: Double(empty), kind: .count)
        if !boxes.isEmpty {
            let all = touching(boxes, height: height, width: width)
            context.publish(fact: "touches-sides-all", value: all.sides, kind: .fraction)
            context.publish(fact: "touches-ends-all", value: all.ends, kind: .fraction)
            let area = boxes.reduce(0.0) { $0 + Double($1.width * $1.height) } / Double(boxes.count * height * width)
            context.publish(fact: "mean-area", value: area, kind: .fraction)
        }
        var fullHeight: [String] = [], fullWidth: [String] = []
        for (label, name) in data.classNames.enumerated() where !byClass[label].isEmpty {
            let group = byClass[label]
            // The upper median for an even count, as the table shows it.
            let medianWidth = group.map(\.width).sorted()[group.count / 2]
            let medianHeight = group.map(\.height).sorted()[group.count / 2]
            context.publish(fact: "median-width.\(name)", value: Double(medianWidth), kind: .count)
            context.publish(fact: "median-height.\(name)", value: Double(medianHeight), kind: .count)
            let shares = touching(group, height: height, width: width)
            context.publish(fact: "touches-sides.\(name)", value: shares.sides, kind: .fraction)
            context.publish(fact: "touches-ends.\(name)", value: shares.ends, kind: .fraction)
            if medianHeight == height { fullHeight.append(name) }
            if medianWidth == width { fullWidth.append(name) }
        }
        context.publish(fact: "full-height-classes", text: fullHeight.isEmpty ? "none" : fullHeight.joined(separator: ", "))
        context.publish(fact: "full-width-classes", text: fullWidth.isEmpty ? "none" : fullWidth.joined(separator: ", "))
        context.publish(fact: "croppable", value: Double(strict.top + strict.bottom + strict.left + strict.right), kind: .count)
        context.publish(fact: "croppable-tolerant", value: Double(tolerant.top + tolerant.bottom + tolerant.left + tolerant.right),
                        kind: .count)
    }
}
