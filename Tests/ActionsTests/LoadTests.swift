import Actions
import Dataset
import Engine
import Figures
import Foundation
import Notebook
import Testing
import _LoomTestSupport

@Suite struct LoadTests {
    func run(_ text: String) throws -> RunReport {
        let checked = Checker.check(NotebookDocument.parse(path: "nb.md", text: text), registry: BuiltInActions.registry)
        #expect(checked.errors.isEmpty, "\(checked.errors)")
        return try NotebookRunner(registry: BuiltInActions.registry, cache: nil).run(checked, options: RunOptions(outputPath: nil))
    }

    func value(_ report: RunReport, _ property: String) -> String? {
        report.cells[0].tables.first?.rows.first { $0.first == property }?.last
    }

    /// A folder with `boot/` and `shirt/` PNGs of different sizes, one of them colour on white.
    func imageFolder() throws -> String {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("loom-folder-\(UUID().uuidString)").path
        for (name, count) in [("shirt", 3), ("boot", 2)] {
            try FileManager.default.createDirectory(atPath: root + "/" + name, withIntermediateDirectories: true)
            for index in 0..<count {
                let side = 10 + index * 7
                let image = PNGImage(width: side, height: side, channels: 3,
                                     pixels: (0..<(side * side * 3)).map { UInt8(($0 * 7 + index) % 256) })
                try image.encode().write(to: URL(fileURLWithPath: "\(root)/\(name)/\(index).png"))
            }
        }
        try Data("not an image".utf8).write(to: URL(fileURLWithPath: root + "/notes.txt"))
        return root
    }

    @Test func aFolderOfClassFoldersLoadsAtTheDeclaredSize() throws {
        let root = try imageFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let grey = try run("```loom load\ndataset: \(root)\nsize: [8, 6]\n```\n")
        #expect(grey.cells[0].status == .ran)
        #expect(value(grey, "images") == "5")
        #expect(value(grey, "image shape (C×H×W)") == "1×8×6")
        #expect(value(grey, "classes") == "2: boot, shirt")
        let colour = try run("```loom load\ndataset: \(root)\nsize: [4, 4]\ncolor: rgb\n```\n\n```loom split\ntrain: 0.6\nvalidation: 0.2\ntest: 0.2\n```\n")
        #expect(value(colour, "image shape (C×H×W)") == "3×4×4")
        #expect(colour.cells[1].status == .ran)
    }

    @Test func aBrokenPNGIsNamed() throws {
        let root = try imageFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try Data("garbage".utf8).write(to: URL(fileURLWithPath: root + "/boot/broken.png"))
        let report = try run("```loom load\ndataset: \(root)\n```\n")
        guard case .failed(let message) = report.cells[0].status else {
            Issue.record("expected a failure")
            return
        }
        #expect(message.hasPrefix("nb.md:2:1: load: '\(root)/boot/broken.png' is not a readable PNG image"))
    }

    @Test func idxDataCanBeNamedAsDigits() throws {
        let data = try SyntheticFashionFolder(classCount: 10, side: 6, trainPerClass: 2, testPerClass: 1)
        defer { data.remove() }
        let report = try run("```loom load\ndataset: \(data.directory)\nclasses: digits\n```\n")
        #expect(value(report, "classes") == "10: 0, 1, 2, 3, 4, 5, 6, 7, 8, 9")
        let named = try run("```loom load\ndataset: \(data.directory)\nclasses: [a, b]\n```\n")
        #expect(named.cells[0].status == .failed("nb.md:3:1: load: the labels go up to 9 but 'classes' names only 2 classes"))
    }

    @Test func standardizationUsesOnlyTheTrainingImages() {
        // Image 0 is all 51 (0.2), image 1 all 255 (1.0): statistics of image 0 alone are mean 0.2, std 0.
        let images = LabeledImages(pixels: [UInt8](repeating: 51, count: 4) + [UInt8](repeating: 255, count: 4),
                                   labels: [0, 1], channels: 1, height: 2, width: 2, classNames: ["a", "b"])
        let dataset = DatasetValue(images: images, standardizes: true, source: "test")
        guard case .standardized(let mean, _) = dataset.scaling(training: [0]) else {
            Issue.record("expected standardisation")
            return
        }
        #expect(abs(mean - 0.2) < 1e-6)
        #expect(DatasetValue(images: images, standardizes: false, source: "test").scaling(training: [0]) == .unit)
    }
}

/// A user's own colour images, two classes, through the whole pipeline.
@Suite struct OwnDataPipelineTests {
    @Test func colourImagesOfTwoClassesTrainEvaluateAndPredict() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("loom-own-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        // 'red' images are reddish, 'blue' ones bluish, of assorted sizes.
        for (name, channel) in [("blue", 2), ("red", 0)] {
            try FileManager.default.createDirectory(atPath: root + "/" + name, withIntermediateDirectories: true)
            for index in 0..<20 {
                let side = 6 + index % 5
                var pixels = [UInt8](repeating: 30, count: side * side * 3)
                for pixel in 0..<(side * side) { pixels[pixel * 3 + channel] = UInt8(180 + index) }
                try PNGImage(width: side, height: side, channels: 3, pixels: pixels).encode()
                    .write(to: URL(fileURLWithPath: "\(root)/\(name)/\(index).png"))
            }
        }
        let text = """
            ```loom load
            dataset: \(root)
            size: [8, 8]
            color: rgb
            ```

            ```loom split
            train: 0.6
            validation: 0.2
            test: 0.2
            ```

            ```loom eda.samples
            per-class: 2
            ```

            ```loom train.cnn as net
            layers:
              - conv: {filters: 4, kernel: 3}
              - relu
              - maxpool: 2
              - flatten
              - dense: 2
            epochs: 20
            batch-size: 8
            optimizer: {adam: {learning-rate: 0.01}}
            ```

            ```loom evaluate
            ```

            ```loom predict
            images: 2
            ```
            """
        let report = try run(text)
        #expect(report.cells.map(\.status) == [.ran, .ran, .ran, .ran, .ran, .ran], "\(report.cells.map(\.status))")
        #expect(report.cells[4].markdownText.contains("accuracy **100.0%**"),
                "\(report.cells[4].markdownText) \(report.cells[4].tables.first?.rows ?? [])")
        for cell in report.cells { expectDeclaredFacts(cell) }
        #expect(expectDeclaredFacts(report.cells[0]) == ["images", "classes", "height", "width"])
        #expect(report.cells[0].facts.map(\.value).suffix(2) == [8, 8])
        #expect(expectDeclaredFacts(report.cells[1]) == ["train", "validation", "test", "images", "protocol"])
        #expect(report.cells[4].facts.first { $0.name == "accuracy" }?.value == 1)
        #expect(report.cells[3].facts.contains { $0.name == "final-learning-rate" && abs($0.value - 0.01) < 1e-6 })
    }

    func run(_ text: String) throws -> RunReport {
        let checked = Checker.check(NotebookDocument.parse(path: "nb.md", text: text), registry: BuiltInActions.registry)
        #expect(checked.errors.isEmpty, "\(checked.errors)")
        return try NotebookRunner(registry: BuiltInActions.registry, cache: nil).run(checked, options: RunOptions(outputPath: nil))
    }
}
