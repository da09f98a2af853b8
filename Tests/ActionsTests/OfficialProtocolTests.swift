import Actions
import Dataset
import Engine
import Figures
import Foundation
import Notebook
import Testing
import _LoomTestSupport

/// `split: {protocol: official}` on small synthetic IDX data (10 classes, 12 training and 4 test
/// images per class): the test part is the official test file, validation is carved from the
/// official training file.
@Suite struct OfficialProtocolTests {
    func check(_ text: String) -> [String] {
        Checker.check(NotebookDocument.parse(path: "nb.md", text: text), registry: BuiltInActions.registry)
            .errors.map { "\($0.position.line):\($0.position.column): \($0.message)" }
    }

    func run(_ text: String) throws -> RunReport {
        let checked = Checker.check(NotebookDocument.parse(path: "nb.md", text: text), registry: BuiltInActions.registry)
        #expect(checked.errors.isEmpty, "\(checked.errors)")
        return try NotebookRunner(registry: BuiltInActions.registry, cache: nil).run(checked, options: RunOptions(outputPath: nil))
    }

    func fact(_ cell: CellReport, _ name: String) -> Double? { cell.facts.first { $0.name == name }?.value }

    @Test func theOfficialTestFileTestsAndValidationIsAStratifiedShareOfTheTrainingFile() throws {
        let data = try SyntheticFashionFolder(classCount: 10, side: 6, trainPerClass: 12, testPerClass: 4)
        defer { data.remove() }
        let report = try run("""
            ```loom load
            dataset: \(data.directory)
            ```

            ```loom split
            protocol: official
            validation: 0.25
            seed: 7
            ```
            """)
        let cell = report.cells[1]
        #expect(cell.status == .ran, "\(cell.failure ?? "")")
        #expect(cell.markdown.first == "Official protocol: the 40 images of the official test file test; the 120 of the official "
                + "training file train, less a validation share of 25.0% carved from them (stratified by class) with seed 7:")
        #expect(fact(cell, "train") == 90)
        #expect(fact(cell, "validation") == 30)
        #expect(fact(cell, "test") == 40)
        #expect(cell.textFacts["protocol"] == "official")
        expectDeclaredFacts(cell)
        // Every class: 9 train and 3 validation from its 12 training images, its 4 test images.
        let table = try #require(cell.tables.first)
        for row in table.rows.prefix(10) { #expect(Array(row.dropFirst()) == ["9", "3", "4", "16"], "\(row)") }
    }

    @Test func aSampleKeepsTheOfficialFilesApart() throws {
        let data = try SyntheticFashionFolder(classCount: 10, side: 6, trainPerClass: 12, testPerClass: 4)
        defer { data.remove() }
        let report = try run("""
            ```loom load
            dataset: \(data.directory)
            sample: 80
            ```

            ```loom split
            protocol: official
            ```
            """)
        let cell = report.cells[1]
        #expect(cell.status == .ran, "\(cell.failure ?? "")")
        let train = try #require(fact(cell, "train")), validation = try #require(fact(cell, "validation"))
        let test = try #require(fact(cell, "test"))
        #expect(train + validation + test == 80)
        // The sample is stratified over all 160 images, so about a quarter of it came from the test file.
        #expect(test >= 10 && test <= 30, "\(test)")
        #expect(validation == ((train + validation) * 0.1).rounded())
    }

    @Test func theRandomProtocolIsTheDefaultAndSaysSo() throws {
        let data = try SyntheticFashionFolder(classCount: 10, side: 6, trainPerClass: 8, testPerClass: 2)
        defer { data.remove() }
        let text = "```loom load\ndataset: \(data.directory)\n```\n\n```loom split\nseed: 1\n```\n"
        let report = try run(text)
        #expect(report.cells[1].markdown.first == "Random protocol: split 100 images (stratified by class) with seed 1:")
        #expect(fact(report.cells[1], "train") == 80)
        #expect(report.cells[1].textFacts["protocol"] == "random")
        // The same fractions written out are the same cell.
        let written = "```loom load\ndataset: \(data.directory)\n```\n\n```loom split\ntrain: 0.8\nvalidation: 0.1\ntest: 0.1\nseed: 1\n```\n"
        #expect(try run(written).cells[1].tables == report.cells[1].tables)
    }

    @Test func mistakesAreReportedAtTheirPosition() throws {
        let data = try SyntheticFashionFolder(classCount: 10, side: 6, trainPerClass: 2, testPerClass: 1)
        defer { data.remove() }
        let load = "```loom load\ndataset: \(data.directory)\n```\n\n"
        #expect(check(load + "```loom split\nprotocol: official\ntrain: 0.7\n```\n")
                == ["7:1: with 'protocol: official' the train part is the official training file less the 'validation' share; remove 'train'"])
        #expect(check(load + "```loom split\nprotocol: official\ntest: 0.2\n```\n")
                == ["7:1: with 'protocol: official' the test part is the official test file; remove 'test'"])
        #expect(check(load + "```loom split\nprotocol: official\nvalidation: 1\n```\n").first?.hasPrefix(
            "7:1: with 'protocol: official', 'validation' is the share of the official training images that validates, so it must be below 1") == true)
        #expect(check(load + "```loom split\nprotocol: oficial\n```\n")
                == ["6:11: 'protocol' must be one of 'random', 'official', not 'oficial'; did you mean 'official'?"])
        // Only the training file loaded: no official test part, found before anything runs.
        let trainOnly = "```loom load\ndataset: \(data.directory)\nparts: train\n```\n\n```loom split\nprotocol: official\n```\n"
        #expect(check(trainOnly) == ["7:1: 'protocol: official' needs the official training and test files, but this dataset "
                                     + "does not keep them apart (a folder of PNG images has no official test part, nor does 'load' with "
                                     + "'parts: train' or 'parts: test'); load the four IDX files with 'parts: all', or use 'protocol: random'"])
    }

    @Test func aFolderOfPNGsHasNoOfficialTestPart() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("loom-folder-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        for name in ["boot", "shirt"] {
            try FileManager.default.createDirectory(atPath: root + "/" + name, withIntermediateDirectories: true)
            for index in 0..<3 {
                try PNGImage(width: 4, height: 4, channels: 1, pixels: [UInt8](repeating: UInt8(index * 40), count: 16)).encode()
                    .write(to: URL(fileURLWithPath: "\(root)/\(name)/\(index).png"))
            }
        }
        let errors = check("```loom load\ndataset: \(root)\nsize: [4, 4]\n```\n\n```loom split\nvalidation: 0.2\nprotocol: official\n```\n")
        #expect(errors.count == 1)
        #expect(errors.first?.hasPrefix("8:1: 'protocol: official' needs the official training and test files") == true, "\(errors)")
    }
}
