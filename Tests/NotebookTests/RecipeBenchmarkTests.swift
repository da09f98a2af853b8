import Foundation
import Testing
import Notebook

/// benchmarks/recipe.sh compares notebooks/cnn.md's final recipe with PyTorch's: its notebook must
/// train exactly that cell, or the comparison is of something else.
@Suite struct RecipeBenchmarkTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    func cell(_ name: String, in path: String) throws -> Cell? {
        let text = try String(contentsOf: Self.root.appendingPathComponent(path), encoding: .utf8)
        let document = NotebookDocument.parse(path: path, text: text)
        #expect(!document.hasErrors, "\(document.diagnostics)")
        return document.cells.first { $0.resultName == name }
    }

    /// The body without its `epochs` and `seed` lines, which the benchmark sets by parameters.
    func recipe(_ cell: Cell) -> [String] {
        cell.body.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("epochs:") && !$0.hasPrefix("seed:") }
    }

    @Test func theBenchmarkTrainsTheStudysFinalRecipe() throws {
        let study = try #require(try cell("final", in: "notebooks/cnn.md"))
        let benchmark = try #require(try cell("final", in: "benchmarks/recipe/final.md"))
        #expect(study.action == "train.cnn" && benchmark.action == "train.cnn")
        #expect(recipe(benchmark) == recipe(study))
        #expect(benchmark.body.contains("epochs: $epochs") && benchmark.body.contains("seed: $seed"))
        // The official split too.
        let studySplit = try #require(try cell("official", in: "notebooks/cnn.md"))
        let benchmarkSplit = try #require(try cell("official", in: "benchmarks/recipe/final.md"))
        #expect(studySplit.body == benchmarkSplit.body)
    }
}
