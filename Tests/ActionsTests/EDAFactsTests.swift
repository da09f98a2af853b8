import Dataset
import Engine
import Foundation
import Testing
@testable import Actions

/// The facts the EDA actions publish for prose (`{loom} classes.imbalance:.3f`), checked against
/// values worked out here from the synthetic images (see ``EDASyntheticData``).
@Suite struct EDAFactsTests {
    /// Every EDA action, each named so prose could refer to it, over all images where a part is asked.
    static func notebook(_ fixture: EDASyntheticData) -> String {
        """
        ```loom load
        dataset: \(fixture.directory)
        ```

        ```loom split
        seed: 1
        ```

        ```loom eda.classes as classes
        ```

        ```loom eda.pixels as pixels
        part: all
        ```

        ```loom eda.dimensions as dims
        ```

        ```loom eda.samples as samples
        per-class: 3
        ```

        ```loom eda.heatmap as heat
        part: all
        ```

        ```loom eda.anomalies as anomalies
        components: 3
        ```

        ```loom eda.features as features
        samples: 3
        cell: 3
        grid: 2
        ```

        ```loom eda.augment as augment
        flip: 0.5
        rotate: 15
        erase: {probability: 1}
        samples: 2
        variants: 3
        ```

        ```loom eda.embedding as pca
        points: 50
        components: 4
        ```

        ```loom eda.wordcloud as cloud
        ```
        """
    }

    /// The run's cells by name, each checked to have run and to publish only declared facts.
    static func cells(_ fixture: EDASyntheticData) throws -> [String: CellReport] {
        let report = try fixture.run(notebook(fixture))
        var cells: [String: CellReport] = [:]
        for cell in report.cells {
            #expect(cell.status == .ran, "cell \(cell.index + 1) \(cell.action): \(cell.status)")
            if cell.action.hasPrefix("eda.") {
                let names = expectDeclaredFacts(cell)
                #expect(!names.isEmpty, "\(cell.action) publishes facts")
            }
            if let name = cell.resultName { cells[name] = cell }
        }
        return cells
    }

    @Test func everyEDAActionDeclaresFacts() {
        let eda = BuiltInActions.registry.actions.filter { $0.name.hasPrefix("eda.") }
        #expect(eda.count == 11)
        for action in eda { #expect(!action.facts.isEmpty, "\(action.name) declares no facts") }
    }

    @Test func classPixelAndSizeFactsMatchTheImages() throws {
        let fixture = try EDASyntheticData()
        defer { fixture.remove() }
        let cells = try Self.cells(fixture)
        let images = fixture.all
        let names = images.classNames

        // 12 images per class, except that the planted copies moved one image each from classes 0
        // and 9 to classes 5 and 7: 11 and 13.
        let classes = try #require(cells["classes"])
        #expect(classes.numericFact("images") == 120)
        #expect(classes.numericFact("largest-class-images") == 13 && classes.numericFact("smallest-class-images") == 11)
        #expect(classes.textFacts["largest-class"] == names[5] && classes.textFacts["smallest-class"] == names[0])
        #expect(abs((classes.numericFact("imbalance") ?? 0) - 13.0 / 11) < 1e-12)
        #expect(abs((classes.numericFact("largest-share") ?? 0) - 13.0 / 120) < 1e-12)
        #expect(classes.textFacts["class-sizes"] == "11 (\(names[0])) to 13 (\(names[5]))")
        #expect(classes.numericFact("count.\(names[7])") == 13 && classes.numericFact("count.\(names[3])") == 12)
        for part in ["train", "validation", "test"] {
            let largest = try #require(classes.numericFact("largest.\(part)")), smallest = try #require(classes.numericFact("smallest.\(part)"))
            #expect(largest >= smallest)
            let sizes = largest == smallest ? "\(Int(largest))" : "\(Int(smallest)) to \(Int(largest))"
            #expect(classes.textFacts["part-sizes.\(part)"] == sizes)
            if smallest > 0 { #expect(abs((classes.numericFact("part-imbalance.\(part)") ?? 0) - largest / smallest) < 1e-12) }
        }

        // Pixels: the plain mean and population std of every stored byte / 255, and per class the
        // mean of the images' mean pixels.
        let pixels = try #require(cells["pixels"])
        let values = images.pixels.map { Double($0) / 255 }
        let mean = values.reduce(0, +) / Double(values.count)
        let std = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)).squareRoot()
        #expect(abs((pixels.numericFact("mean") ?? 0) - mean) < 1e-9)
        #expect(abs((pixels.numericFact("std") ?? 0) - std) < 1e-9)
        #expect(abs((pixels.numericFact("zero-share") ?? 0) - Double(images.pixels.filter { $0 == 0 }.count) / Double(values.count)) < 1e-12)
        #expect(pixels.numericFact("saturated-share") == 0)
        let size = images.pixelsPerImage
        var brightness = [[Double]](repeating: [], count: names.count)
        for image in 0..<images.count {
            let sum = images.pixels[(image * size)..<((image + 1) * size)].reduce(0) { $0 + Double($1) }
            brightness[Int(images.labels[image])].append(sum / Double(size) / 255)
        }
        let classMeans = brightness.map { $0.reduce(0, +) / Double($0.count) }
        for label in names.indices {
            #expect(abs((pixels.numericFact("brightness.\(names[label])") ?? 0) - classMeans[label]) < 1e-9)
        }
        let brightest = try #require(classMeans.indices.max { classMeans[$0] < classMeans[$1] })
        let darkest = try #require(classMeans.indices.min { classMeans[$0] < classMeans[$1] })
        #expect(pixels.textFacts["brightest-class"] == names[brightest])
        #expect(pixels.textFacts["darkest-class"] == names[darkest])
        #expect(abs((pixels.numericFact("darkest-class-brightness") ?? 0) - classMeans[darkest]) < 1e-9)

        // Each class's content is a 7×5 rectangle whose top is 1 + label mod 3 and left 1 + label mod 4,
        // in 12×10 images; one image is blank. So no box touches a border, and the borders always
        // free are 1 row at the top (label 0), 12 − 1 − (3 + 6) = 2 at the bottom, 1 column at the
        // left and 10 − 1 − (4 + 4) = 1 at the right.
        let dims = try #require(cells["dims"])
        #expect(dims.numericFact("images") == 120 && dims.numericFact("height") == 12 && dims.numericFact("width") == 10 && dims.numericFact("channels") == 1)
        #expect(dims.numericFact("empty") == 1)
        #expect(dims.numericFact("median-height.\(names[4])") == 7 && dims.numericFact("median-width.\(names[4])") == 5)
        #expect(dims.numericFact("touches-sides-all") == 0 && dims.numericFact("touches-ends-all") == 0)
        #expect(dims.textFacts["full-height-classes"] == "none" && dims.textFacts["full-width-classes"] == "none")
        #expect(dims.numericFact("croppable") == 5)
        #expect(abs((dims.numericFact("mean-area") ?? 0) - 35.0 / 120) < 1e-12)

        let samples = try #require(cells["samples"])
        #expect(samples.numericFact("images") == 30 && samples.numericFact("classes") == 10 && samples.numericFact("short-classes") == 0)

        // Weights are shares of the images: 13 / 120 for classes 5 and 7 (the first wins), 11 / 120
        // for classes 0 and 9 (the last wins).
        let cloud = try #require(cells["cloud"])
        #expect(cloud.numericFact("words") == 10)
        #expect(cloud.textFacts["heaviest"] == names[5] && cloud.textFacts["lightest"] == names[9])
        #expect(abs((cloud.numericFact("heaviest-weight") ?? 0) - 13.0 / 120) < 1e-12)
        #expect(abs((cloud.numericFact("lightest-weight") ?? 0) - 11.0 / 120) < 1e-12)
    }

    @Test func correlationAnomalyFeatureEmbeddingAndAugmentationFactsAgreeWithTheirTables() throws {
        let fixture = try EDASyntheticData()
        defer { fixture.remove() }
        let cells = try Self.cells(fixture)
        let names = fixture.all.classNames

        let heat = try #require(cells["heat"])
        #expect(heat.numericFact("pixels") == 120 && heat.numericFact("images") == 120)
        let distances = try #require(heat.tables.first)
        for row in distances.rows {
            #expect(heat.numericFact("r.\(row[0])").map { Format.decimal($0) } == row[2], "distance \(row[0])")
            #expect(heat.numericFact("p90.\(row[0])").map { Format.decimal($0) } == row[4], "distance \(row[0])")
        }
        // The most negative pair, worked out again from the matrix.
        let data = try fixture.edaData()
        let all = (0..<Int32(fixture.all.count)).map { $0 }
        let matrix = HeatmapAction.correlation(data: data, indices: all)
        let plane = 120
        var upper: [Double] = []
        for i in 0..<plane { for j in (i + 1)..<plane where matrix[i * plane + j].isFinite { upper.append(matrix[i * plane + j]) } }
        let lowest = try #require(upper.min())
        #expect(abs((heat.numericFact("most-negative") ?? 0) - lowest) < 1e-12)
        let pair = try #require(heat.textFacts["most-negative-pair"])
        let numbers = pair.split { !$0.isNumber }.compactMap { Int($0) }
        #expect(numbers.count == 4)
        if numbers.count == 4 {
            let i = numbers[0] * 10 + numbers[1], j = numbers[2] * 10 + numbers[3]
            #expect(matrix[i * plane + j] == lowest)
        }

        // Planted: one blank image (training image 0, class 0), one exact and one near duplicate
        // pair, both with equal labels.
        let anomalies = try #require(cells["anomalies"])
        #expect(anomalies.numericFact("blank") == 1 && anomalies.numericFact("near-blank") == 1 && anomalies.numericFact("saturated") == 0)
        #expect(anomalies.numericFact("exact-duplicates") == 1 && anomalies.numericFact("near-duplicates") == 1)
        #expect(anomalies.numericFact("conflicting-pairs") == 0)
        #expect(anomalies.numericFact("emptiest-ink") == 0 && anomalies.textFacts["emptiest-class"] == names[0])
        let kinds = ["within-train", "within-validation", "within-test", "train-validation", "train-test", "validation-test"]
        let byKind = kinds.map { anomalies.numericFact("pairs.\($0)") ?? -1 }
        #expect(byKind.allSatisfy { $0 >= 0 } && byKind.reduce(0, +) == 2)
        #expect(anomalies.numericFact("cross-part-pairs") == byKind[3...].reduce(0, +))
        #expect((anomalies.numericFact("test-leaks") ?? -1) <= (anomalies.numericFact("pairs.train-test") ?? 0))

        let features = try #require(cells["features"])
        let accuracy = try #require(features.tables.first)
        let sets = ["raw", "sobel", "lbp", "hog"]
        for (row, set) in zip(accuracy.rows, sets) {
            #expect(features.numericFact("accuracy.\(set)").map { Format.percent($0) } == row[2], "\(set)")
            for name in names { #expect(features.numericFact("recall.\(set).\(name)") != nil, "recall.\(set).\(name)") }
            #expect(features.textFacts["worst-class.\(set)"].map { names.contains($0) } == true)
        }
        let best = sets.compactMap { features.numericFact("accuracy.\($0)") }.max()
        #expect(features.numericFact("best-set-accuracy") == best)
        #expect(features.textFacts["best-set"].map(FeaturesAction.featureSets.contains) == true)
        #expect((features.numericFact("commonest-code-low") ?? 2) <= (features.numericFact("commonest-code-high") ?? -1))
        #expect((1...10).contains(Int(features.numericFact("commonest-code-classes") ?? 0)))

        let pca = try #require(cells["pca"])
        #expect(pca.numericFact("points") == 50)
        let variance = try #require(pca.tables.first)
        for row in variance.rows {
            #expect(pca.numericFact("variance.\(row[0])").map { Format.percent($0) } == row[2])
            #expect(pca.numericFact("cumulative.\(row[0])").map { Format.percent($0) } == row[3])
        }
        let first = try #require(pca.numericFact("variance.1")), second = try #require(pca.numericFact("variance.2"))
        #expect(first >= second && abs((pca.numericFact("cumulative.2") ?? 0) - first - second) < 1e-12)

        // Flip, rotate and erase are on; 2 samples × 3 variants; erasing with probability 1 changes each.
        let augment = try #require(cells["augment"])
        #expect(augment.numericFact("augmentations") == 3 && augment.numericFact("variants") == 6)
        let meanChange = try #require(augment.numericFact("mean-change"))
        #expect(meanChange > 0 && (augment.numericFact("largest-change") ?? 0) >= meanChange)
    }
}

extension CellReport {
    /// The value of numeric fact `name`, if the cell published it.
    func numericFact(_ name: String) -> Double? { facts.first { $0.name == name }?.value }
}
