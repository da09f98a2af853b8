import Analysis
import Dataset
import Engine
import Figures
import Foundation
import TensorCore

extension Action {
    /// `eda.anomalies`: images that are blank, saturated, unlike their class, or duplicated.
    public static let edaAnomalies = Action(
        name: "eda.anomalies",
        version: 2,
        summary: "Finds blank, saturated and atypical images, and exact and near duplicates within and across parts.",
        discussion: """
            Near-blank: fewer than 'blank' of the pixels are above 0.1 (pixel / 255). Saturated: more \
            than 'saturated' of the pixels are at the maximum, 255. Atypical: far from the image's own \
            class, measured as the RMS residual after projecting onto the class's first 'components' \
            principal components ('outliers: pca') or as the RMS distance to the class mean image \
            ('outliers: class-mean'); an image is flagged when its robust z-score within its class, \
            (score − median) / (1.4826 · MAD), exceeds 'outlier-z'. Duplicates: identical bytes \
            (exact), or an RMS pixel difference of at most 'near-duplicate' (near), found by hashing \
            principal-component coordinates and checking every candidate on all pixels, so no pair \
            within the threshold is missed. A test image with a duplicate in train inflates test \
            accuracy; a duplicate pair with two different labels is label noise.
            """,
        inputs: [EDAParameters.data],
        parameters: AnomaliesParameters.self,
        facts: AnomaliesAction.facts,
        run: AnomaliesAction.run)
}

/// A pair of duplicate images.
struct DuplicatePair: Equatable {
    var first: Int
    var second: Int
    /// The RMS pixel difference (pixel / 255); 0 for an exact duplicate.
    var distance: Double
}

enum AnomalyDetection {
    /// FNV-1a of the bytes (Fowler, Noll and Vo), stable across runs.
    static func fnv1a(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return hash
    }

    /// Pairs of images among `indices` with identical bytes (every pair of a group of identical images).
    static func exactDuplicates(_ images: LabeledImages, indices: [Int32]) -> [DuplicatePair] {
        var buckets: [UInt64: [Int]] = [:]
        for index in indices { buckets[fnv1a(images.pixels(ofImage: Int(index))), default: []].append(Int(index)) }
        var pairs: [DuplicatePair] = []
        for (_, members) in buckets where members.count > 1 {
            for a in 0..<members.count {
                for b in (a + 1)..<members.count where images.pixels(ofImage: members[a]).elementsEqual(images.pixels(ofImage: members[b])) {
                    pairs.append(DuplicatePair(first: members[a], second: members[b], distance: 0))
                }
            }
        }
        return pairs.sorted { ($0.first, $0.second) < ($1.first, $1.second) }
    }

    /// The RMS difference of two images' pixels, in units of pixel / 255.
    static func rmsDifference(_ images: LabeledImages, _ a: Int, _ b: Int) -> Double {
        let x = images.pixels(ofImage: a), y = images.pixels(ofImage: b)
        var sum = 0
        for (p, q) in zip(x, y) {
            let d = Int(p) - Int(q)
            sum += d * d
        }
        return (Double(sum) / Double(images.pixelsPerImage)).squareRoot() / 255
    }

    /// Pairs of different (not byte-identical) images among `indices` whose RMS pixel difference
    /// is at most `threshold`.
    ///
    /// Orthonormal projections never lengthen a difference, so two images within
    /// `ε = threshold · 255 · √D` (in byte units) are within `ε` in principal-component space:
    /// images are hashed into cells of side `ε` on their first three coordinates, candidates come
    /// from the 27 neighbouring cells, are filtered on `projected` coordinates and confirmed on all pixels.
    ///
    /// - Parameters:
    ///   - projected: `indices.count × dimensions` principal-component coordinates in byte units.
    static func nearDuplicates(_ images: LabeledImages, indices: [Int32], projected: [Float], dimensions: Int,
                               threshold: Double) -> [DuplicatePair] {
        guard threshold > 0, indices.count > 1 else { return [] }
        let epsilon = threshold * 255 * Double(images.pixelsPerImage).squareRoot()
        let hashed = min(3, dimensions)
        struct Key: Hashable { var a: Int32; var b: Int32; var c: Int32 }
        func key(_ row: Int, offset: (Int32, Int32, Int32) = (0, 0, 0)) -> Key {
            func cell(_ d: Int) -> Int32 { d < hashed ? Int32((Double(projected[row * dimensions + d]) / epsilon).rounded(.down)) : 0 }
            return Key(a: cell(0) + offset.0, b: cell(1) + offset.1, c: cell(2) + offset.2)
        }
        var cells: [Key: [Int]] = [:]
        for row in 0..<indices.count { cells[key(row), default: []].append(row) }
        let limit = Float(epsilon * epsilon)
        var pairs: [DuplicatePair] = []
        let steps: [Int32] = hashed == 3 ? [-1, 0, 1] : [0]
        for row in 0..<indices.count {
            for da in [Int32(-1), 0, 1] {
                for db in (hashed >= 2 ? [Int32(-1), 0, 1] : [0]) {
                    for dc in steps {
                        guard let members = cells[key(row, offset: (da, db, dc))] else { continue }
                        for other in members where other > row {
                            var sum: Float = 0
                            for d in 0..<dimensions {
                                let difference = projected[row * dimensions + d] - projected[other * dimensions + d]
                                sum += difference * difference
                                if sum > limit * 1.0001 { break }
                            }
                            guard sum <= limit * 1.0001 else { continue }
                            let a = Int(indices[row]), b = Int(indices[other])
                            let distance = rmsDifference(images, a, b)
                            if distance > 0, distance <= threshold { pairs.append(DuplicatePair(first: min(a, b), second: max(a, b), distance: distance)) }
                        }
                    }
                }
            }
        }
        return pairs.sorted { ($0.distance, $0.first, $0.second) < ($1.distance, $1.first, $1.second) }
    }

    /// Robust z-scores `(x − median) / (1.4826 · MAD)`; a zero MAD falls back to the standard deviation.
    static func robustZ(_ values: [Double]) -> [Double] {
        guard !values.isEmpty else { return [] }
        let sorted = values.sorted()
        let median = Descriptive.quantile(sorted: sorted, 0.5)
        let deviations = values.map { abs($0 - median) }.sorted()
        var scale = 1.4826 * Descriptive.quantile(sorted: deviations, 0.5)
        if scale <= 0 {
            let mean = values.reduce(0, +) / Double(values.count)
            scale = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)).squareRoot()
        }
        return values.map { scale > 0 ? ($0 - median) / scale : 0 }
    }
}

/// The parameters of `eda.anomalies`.
struct AnomaliesParameters: ParameterSet {
    var part = "all"
    var blank: Double = 0.02
    var saturated: Double = 0.3
    var outliers: String = "pca"
    var components: Int = 10
    var outlierZ: Double = 5
    var nearDuplicate: Double = 0.02
    var show: Int = 10

    static let fields: [Field<Self>] = [
        EDAParameters.part(\.part),
        Field("blank", \.blank, .number(.closed(0, 1)), doc: "An image with a smaller share of pixels above 0.1 is near-blank."),
        Field("saturated", \.saturated, .number(.closed(0, 1)), doc: "An image with a larger share of pixels at 255 is saturated."),
        Field("outliers", \.outliers, .choice(["pca", "class-mean"]), doc: "How far from its class an image is: PCA residual or distance to the class mean."),
        Field("components", \.components, .integer(.closed(1, 200)), doc: "Principal components per class for 'outliers: pca'."),
        Field("outlier-z", \.outlierZ, .number(.greaterThan(0)), doc: "Robust z-score within the class above which an image counts as atypical."),
        Field("near-duplicate", \.nearDuplicate, .number(.closed(0, 1)), doc: "Largest RMS pixel difference (pixel / 255) of a near-duplicate pair."),
        Field("show", \.show, .integer(.closed(1, 64)), doc: "Images shown per finding."),
    ]
}

enum AnomaliesAction {
    static func run(_ parameters: AnomaliesParameters, _ context: ActionContext) throws {
        let data = try EDAData.load(context)
        let images = data.images
        let part = parameters.part
        let indices = data.indices(part)
        guard indices.count >= 2 else { throw context.error("The part '\(part)' has fewer than 2 images.", parameter: "part") }
        let show = parameters.show
        let size = images.pixelsPerImage
        let names = data.classNames
        context.progress.update(ProgressUpdate(completed: 0, total: 4, unit: "step", message: "blank and saturated"))

        // Blank and saturated images.
        var inkShare = [Double](), fullShare = [Double]()
        var allZero = 0
        for index in indices {
            let pixels = images.pixels(ofImage: Int(index))
            var ink = 0, full = 0, maximum: UInt8 = 0
            for value in pixels {
                if value > 25 { ink += 1 }
                if value == 255 { full += 1 }
                maximum = max(maximum, value)
            }
            if maximum == 0 { allZero += 1 }
            inkShare.append(Double(ink) / Double(size))
            fullShare.append(Double(full) / Double(size))
        }
        let blankLimit = parameters.blank, saturatedLimit = parameters.saturated
        let blank = indices.indices.filter { inkShare[$0] < blankLimit }.sorted { inkShare[$0] < inkShare[$1] }
        let saturated = indices.indices.filter { fullShare[$0] > saturatedLimit }.sorted { fullShare[$0] > fullShare[$1] }

        // Distance from the class, per class.
        context.progress.update(ProgressUpdate(completed: 1, total: 4, unit: "step", message: "distance from class"))
        let method = parameters.outliers
        let components = min(parameters.components, size)
        var scores = [Double](repeating: 0, count: indices.count)
        var zScores = [Double](repeating: 0, count: indices.count)
        var classStats: [(count: Int, mean: [Double], covariance: [Double])] = []
        for label in 0..<data.classCount {
            let members = indices.indices.filter { Int(images.labels[Int(indices[$0])]) == label }
            guard members.count >= 2 else {
                classStats.append((members.count, [], []))
                continue
            }
            let memberIndices = members.map { indices[$0] }
            let (mean, covariance) = PixelAlgebra.covariance(count: members.count, dimension: size) { range in
                data.unitRows(memberIndices[range])
            }
            classStats.append((members.count, mean, covariance))
            let meanFloat = mean.map { Float($0) }
            var basis: [Float] = []
            if method == "pca" {
                basis = PixelAlgebra.principalComponents(of: covariance, dimension: size, count: components).vectors
            }
            var start = 0
            while start < members.count {
                let range = start..<min(members.count, start + PixelAlgebra.chunk)
                let rows = data.unitRows(memberIndices[range])
                let projected = method == "pca"
                    ? PixelAlgebra.project(rows, count: range.count, dimension: size, mean: meanFloat, components: basis,
                                           componentCount: components) : []
                for (row, member) in zip(0..<range.count, members[range]) {
                    var total = 0.0
                    for column in 0..<size {
                        let d = Double(rows[row * size + column] - meanFloat[column])
                        total += d * d
                    }
                    if method == "pca" {
                        for c in 0..<components { total -= Double(projected[row * components + c] * projected[row * components + c]) }
                    }
                    scores[member] = (max(0, total) / Double(size)).squareRoot()
                }
                start = range.upperBound
            }
            let z = AnomalyDetection.robustZ(members.map { scores[$0] })
            for (member, value) in zip(members, z) { zScores[member] = value }
        }
        let zLimit = parameters.outlierZ
        let atypical = indices.indices.filter { zScores[$0] > zLimit }.sorted { zScores[$0] > zScores[$1] }

        // Duplicates.
        context.progress.update(ProgressUpdate(completed: 2, total: 4, unit: "step", message: "duplicates"))
        let exact = AnomalyDetection.exactDuplicates(images, indices: indices)
        let threshold = parameters.nearDuplicate
        var near: [DuplicatePair] = []
        if threshold > 0 {
            // Total covariance from the class statistics: within-class scatter plus between-class scatter.
            let usable = classStats.filter { !$0.mean.isEmpty }
            let n = Double(usable.reduce(0) { $0 + $1.count })
            var mean = [Double](repeating: 0, count: size)
            for stats in usable { for k in 0..<size { mean[k] += stats.mean[k] * Double(stats.count) / n } }
            var total = [Double](repeating: 0, count: size * size)
            for stats in usable {
                let w = Double(stats.count - 1), between = Double(stats.count)
                let delta = (0..<size).map { stats.mean[$0] - mean[$0] }
                for i in 0..<size {
                    for j in 0..<size { total[i * size + j] += w * stats.covariance[i * size + j] + between * delta[i] * delta[j] }
                }
            }
            if n > 1 { total = total.map { $0 / (n - 1) } }
            let dimensions = min(32, size)
            let basis = PixelAlgebra.principalComponents(of: total, dimension: size, count: dimensions).vectors
            let meanFloat = mean.map { Float($0 * 255) }
            var projected = [Float]()
            projected.reserveCapacity(indices.count * dimensions)
            var start = 0
            while start < indices.count {
                let range = start..<min(indices.count, start + PixelAlgebra.chunk)
                let rows = data.unitRows(indices[range]).map { $0 * 255 }
                projected += PixelAlgebra.project(rows, count: range.count, dimension: size, mean: meanFloat, components: basis,
                                                  componentCount: dimensions)
                start = range.upperBound
            }
            context.progress.update(ProgressUpdate(completed: 3, total: 4, unit: "step", message: "near duplicates"))
            near = AnomalyDetection.nearDuplicates(images, indices: indices, projected: projected, dimensions: dimensions,
                                                   threshold: threshold)
        }
        context.progress.update(ProgressUpdate(completed: 4, total: 4, unit: "step", message: "figures"))

        // Summary.
        var summary = Table(columns: ["finding", "criterion", "images or pairs"], alignments: [.left, .left, .right],
                            caption: "Anomalies among \(EDAData.describe(part: part, count: indices.count))")
        summary.append(["blank", "every pixel is 0", Format.count(allZero)])
        summary.append(["near-blank", "< \(Format.percent(blankLimit)) of pixels above 0.1", Format.count(blank.count)])
        summary.append(["saturated", "> \(Format.percent(saturatedLimit)) of pixels at 255", Format.count(saturated.count)])
        summary.append(["atypical for its class",
                        (method == "pca" ? "PCA residual (\(components) components)" : "distance to class mean")
                            + ", robust z > \(Format.decimal(zLimit, 1))", Format.count(atypical.count)])
        summary.append(["exact duplicates", "identical bytes", "\(Format.count(exact.count)) pairs"])
        summary.append(["near duplicates", "RMS difference ≤ \(Format.decimal(threshold, 3)), not identical",
                        "\(Format.count(near.count)) pairs"])
        context.emit(summary)

        let pairs = exact + near
        publishFacts(context, data: data, indices: indices, inkShare: inkShare, fullShare: fullShare,
                     counts: (allZero, blank.count, saturated.count, atypical.count), exact: exact.count, pairs: pairs)
        if !pairs.isEmpty {
            var kinds: [String: (exact: Int, near: Int, differentLabel: Int)] = [:]
            let order = ["train", "validation", "test"]
            for pair in pairs {
                let parts = [data.partName(ofImage: pair.first), data.partName(ofImage: pair.second)]
                    .sorted { (order.firstIndex(of: $0) ?? 0) < (order.firstIndex(of: $1) ?? 0) }
                let kind = parts[0] == parts[1] ? "within \(parts[0])" : "\(parts[0]) – \(parts[1])"
                var entry = kinds[kind] ?? (0, 0, 0)
                if pair.distance == 0 { entry.exact += 1 } else { entry.near += 1 }
                if images.labels[pair.first] != images.labels[pair.second] { entry.differentLabel += 1 }
                kinds[kind] = entry
            }
            var table = Table(columns: ["where", "exact pairs", "near pairs", "pairs with different labels"],
                              caption: "Duplicate pairs by part")
            let kindOrder = ["within train", "within validation", "within test", "train – validation", "train – test",
                             "validation – test"]
            for kind in kindOrder {
                guard let entry = kinds[kind] else { continue }
                table.append([kind, Format.count(entry.exact), Format.count(entry.near), Format.count(entry.differentLabel)])
            }
            context.emit(table)
            let leakedTest = Set(pairs.flatMap { pair -> [Int] in
                let a = data.partName(ofImage: pair.first), b = data.partName(ofImage: pair.second)
                if a == "test" && b == "train" { return [pair.first] }
                if b == "test" && a == "train" { return [pair.second] }
                return []
            })
            if !leakedTest.isEmpty {
                context.emit(markdown: "\(Format.count(leakedTest.count)) test images have an exact or near duplicate in train.")
            }
        }

        // Grids of the worst cases.
        let columns = min(show, 10)
        func grid(_ positions: [Int], name: String, title: String, caption: (Int) -> String) throws {
            guard !positions.isEmpty else { return }
            let pictures = positions.prefix(show).map { position in
                data.picture(ofImage: Int(indices[position]), caption: caption(position))
            }
            try emitGrid(context, pictures: pictures, columns: columns, name: name, title: title)
        }
        // The extremes, flagged or not: the fewest ink pixels and the most saturated pixels.
        let fewestInk = indices.indices.sorted { (inkShare[$0], $0) < (inkShare[$1], $1) }.prefix(columns)
        let mostSaturated = indices.indices.sorted { (-fullShare[$0], $0) < (-fullShare[$1], $1) }.prefix(columns)
        var extremes: [GridImage] = []
        for position in fewestInk {
            extremes.append(data.picture(ofImage: Int(indices[position]), caption: "\(names[Int(images.labels[Int(indices[position])])]) "
                                         + Format.percent(inkShare[position], 1), frame: inkShare[position] < blankLimit ? .wrong : nil))
        }
        for position in mostSaturated {
            extremes.append(data.picture(ofImage: Int(indices[position]), caption: "\(names[Int(images.labels[Int(indices[position])])]) "
                                         + Format.percent(fullShare[position], 1), frame: fullShare[position] > saturatedLimit ? .wrong : nil))
        }
        try emitGrid(context, pictures: extremes, columns: columns,
                     rowLabels: ["fewest pixels > 0.1", "most pixels at 255"], name: "extremes",
                     title: "The images with the fewest pixels above 0.1 and with the most pixels at 255 (share in the caption; red frame: flagged)")
        let worst = indices.indices.sorted { zScores[$0] > zScores[$1] }
        try grid(Array(worst.prefix(show)), name: "atypical",
                 title: "The \(min(show, worst.count)) images farthest from their class (class, robust z)") { position in
            "\(names[Int(images.labels[Int(indices[position])])]) z=\(Format.decimal(zScores[position], 1))"
        }
        if !pairs.isEmpty {
            // Cross-part pairs first: they matter most.
            let ranked = pairs.sorted { a, b in
                let crossA = data.partOfImage[a.first] != data.partOfImage[a.second]
                let crossB = data.partOfImage[b.first] != data.partOfImage[b.second]
                return (crossA ? 0 : 1, a.distance, a.first) < (crossB ? 0 : 1, b.distance, b.first)
            }
            var pictures: [GridImage] = []
            for pair in ranked.prefix(show) {
                let frame: Color? = images.labels[pair.first] != images.labels[pair.second] ? .wrong : nil
                for image in [pair.first, pair.second] {
                    pictures.append(data.picture(ofImage: image, caption: "\(data.partName(ofImage: image)) \(names[Int(images.labels[image])])",
                                                 frame: frame))
                }
            }
            try emitGrid(context, pictures: pictures, columns: 8, name: "duplicates",
                         title: "Duplicate pairs side by side, pairs across parts first (red frame: the two labels differ)")
        }
    }

    static func emitGrid(_ context: ActionContext, pictures: [GridImage], columns: Int, rowLabels: [String]? = nil,
                         name: String, title: String) throws {
        try context.emitFigure(name: name, title: title,
                               chart: ImageGrid(images: pictures, columns: columns, rowLabels: rowLabels, pictureSide: 84))
    }
}
