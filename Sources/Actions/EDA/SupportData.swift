import Dataset
import Engine
import Figures
import Foundation

/// The images an EDA action looks at: a split, the dataset it indexes, and which part each image
/// belongs to.
///
/// Every EDA action reads its shapes, class names and counts from here, never from constants, so
/// the same actions work on any IDX image set (another size, more or fewer classes, colour).
struct EDAData {
    /// The dataset the split indexes.
    let dataset: DatasetValue
    /// The split.
    let split: DatasetSplit
    /// For each image of the dataset, the part it is in (index into ``DatasetSplit/Part/allCases``).
    let partOfImage: [UInt8]

    var images: LabeledImages { dataset.images }
    var classNames: [String] { dataset.images.classNames }
    var classCount: Int { dataset.images.classCount }
    var height: Int { dataset.images.height }
    var width: Int { dataset.images.width }
    var channels: Int { dataset.images.channels }
    /// Pixels of one channel plane, `height * width`.
    var plane: Int { height * width }

    init(dataset: DatasetValue, split: DatasetSplit) {
        self.dataset = dataset
        self.split = split
        var parts = [UInt8](repeating: 0, count: dataset.images.count)
        for (number, part) in DatasetSplit.Part.allCases.enumerated() {
            for index in split[part] { parts[Int(index)] = UInt8(number) }
        }
        partOfImage = parts
    }

    /// Reads the `data` input of a running action.
    static func load(_ context: ActionContext) throws -> EDAData {
        let (split, dataset) = try context.splitData()
        return EDAData(dataset: dataset, split: split.split)
    }

    /// The image indices of a part (`train`, `validation`, `test`) or of all images (`all`), ascending.
    func indices(_ part: String) -> [Int32] {
        switch part {
        case "all": return (0..<images.count).map { Int32($0) }
        case "validation": return split.validation
        case "test": return split.test
        default: return split.train
        }
    }

    /// `56,000 train images` or `all 70,000 images`.
    static func describe(part: String, count: Int) -> String {
        part == "all" ? "all \(Format.count(count)) images" : "\(Format.count(count)) \(part) images"
    }

    /// The name of the part image `index` belongs to.
    func partName(ofImage index: Int) -> String {
        DatasetSplit.Part.allCases[Int(partOfImage[index])].rawValue
    }

    /// `train`, or `train (original test)` when the image came from the original test file.
    func provenance(ofImage index: Int) -> String {
        guard let start = dataset.originalTestStart else { return partName(ofImage: index) }
        return partName(ofImage: index) + (index >= start ? " (orig. test)" : " (orig. train)")
    }

    /// The grey plane of image `index` in `[0, 1]`: the mean over channels of `pixel / 255`.
    func greyPlane(ofImage index: Int) -> [Float] {
        var out = [Float](repeating: 0, count: plane)
        writeGreyPlane(ofImage: index, into: &out, at: 0)
        return out
    }

    /// Writes the grey plane of image `index` (`[0, 1]`) into `buffer` from `offset`.
    func writeGreyPlane(ofImage index: Int, into buffer: inout [Float], at offset: Int) {
        let base = index * images.pixelsPerImage
        let scale = 1 / (255 * Float(channels))
        images.pixels.withUnsafeBufferPointer { pixels in
            buffer.withUnsafeMutableBufferPointer { out in
                for pixel in 0..<plane { out[offset + pixel] = 0 }
                for channel in 0..<channels {
                    let start = base + channel * plane
                    for pixel in 0..<plane { out[offset + pixel] += Float(pixels[start + pixel]) * scale }
                }
            }
        }
    }

    /// All pixels (every channel) of the images at `indices` as floats `pixel / 255`, one row of
    /// `pixelsPerImage` per image.
    func unitRows(_ indices: ArraySlice<Int32>) -> [Float] {
        let size = images.pixelsPerImage
        var out = [Float](repeating: 0, count: indices.count * size)
        images.pixels.withUnsafeBufferPointer { pixels in
            out.withUnsafeMutableBufferPointer { rows in
                for (row, index) in indices.enumerated() {
                    let source = Int(index) * size, target = row * size
                    for offset in 0..<size { rows[target + offset] = Float(pixels[source + offset]) * (1 / 255) }
                }
            }
        }
        return out
    }

    /// A grid picture of image `index` as stored (grey or RGB; other channel counts show their mean).
    func picture(ofImage index: Int, caption: String? = nil, frame: Color? = nil) -> GridImage {
        let size = images.pixelsPerImage
        let bytes = images.pixels[(index * size)..<((index + 1) * size)]
        if channels == 1 {
            return GridImage(pixels: Array(bytes), width: width, height: height, caption: caption, frame: frame)
        }
        if channels == 3 {
            var rgb = [UInt8](repeating: 0, count: size)
            let start = bytes.startIndex
            for pixel in 0..<plane {
                for channel in 0..<3 { rgb[pixel * 3 + channel] = bytes[start + channel * plane + pixel] }
            }
            return GridImage(pixels: rgb, width: width, height: height, channels: 3, caption: caption, frame: frame)
        }
        return EDAPictures.grey(greyPlane(ofImage: index), width: width, height: height, range: 0...1,
                                caption: caption, frame: frame)
    }
}

/// Parameters several EDA actions share.
enum EDAParameters {
    /// `part`: which images to look at.
    static func part<Root: ParameterSet>(_ keyPath: WritableKeyPath<Root, String> & Sendable) -> Field<Root> {
        Field("part", keyPath, .choice(["train", "validation", "test", "all"]),
              doc: "Which images to look at: one part of the split, or 'all' of them.")
    }

    /// The `data` input: a split.
    static let data = Input("data", kind: .split, doc: "The split (and through it the dataset) to explore.")
}

/// Pictures made from computed planes (mean images, feature maps).
enum EDAPictures {
    /// A grey picture of `values` mapped linearly from `range` (or the values' own range) to 0…255.
    static func grey(_ values: [Float], width: Int, height: Int, range: ClosedRange<Float>? = nil,
                     caption: String? = nil, frame: Color? = nil) -> GridImage {
        precondition(values.count == width * height, "A picture needs width × height values.")
        let low = range?.lowerBound ?? values.min() ?? 0
        var high = range?.upperBound ?? values.max() ?? 1
        if high <= low { high = low + 1 }
        let bytes = values.map { UInt8((min(max(($0 - low) / (high - low), 0), 1) * 255).rounded()) }
        return GridImage(pixels: bytes, width: width, height: height, caption: caption, frame: frame)
    }

    /// A colour picture of `values` under `map`, from `range` (or the values' own range).
    static func colored(_ values: [Float], width: Int, height: Int, map: ColorMap, range: ClosedRange<Float>? = nil,
                        caption: String? = nil) -> GridImage {
        precondition(values.count == width * height, "A picture needs width × height values.")
        let low = range?.lowerBound ?? values.min() ?? 0
        var high = range?.upperBound ?? values.max() ?? 1
        if high <= low { high = low + 1 }
        var rgb = [UInt8](repeating: 0, count: values.count * 3)
        for (index, value) in values.enumerated() {
            let color = map.color(at: Double((value - low) / (high - low))).rgb8
            rgb[index * 3] = color.red
            rgb[index * 3 + 1] = color.green
            rgb[index * 3 + 2] = color.blue
        }
        return GridImage(pixels: rgb, width: width, height: height, channels: 3, caption: caption)
    }
}

extension ActionContext {
    /// Renders `chart` at the run's ``ActionContext/figureScale`` and adds it as a figure of this cell.
    func emitFigure(name: String, title: String, chart: any Chart, size: Size? = nil) throws {
        emitFigure(name: name, title: title, png: try Figure(chart, size: size, scale: figureScale).renderPNG(),
                   scale: figureScale)
    }
}
