import Actions
import Engine
import Foundation
import Testing

/// `sweep` trains each variant once: its cache entries are per variant.
@Suite struct SweepTests {
    static func cell(widths: String) -> String {
        """
        ```loom sweep as best
        model: mlp
        activation: relu
        width: \(widths)
        depth: 1
        optimizer: {adam: {learning-rate: 0.01}}
        epochs: 2
        batch-size: 32
        ```
        """
    }

    /// The number of cached variants.
    static func variantEntries(_ cache: Cache) throws -> Int {
        try cache.statistics().byAction.first { $0.action == "sweep:variant" }?.cells ?? 0
    }

    @Test func addingAValueTrainsOnlyTheNewVariant() throws {
        let bench = try TrainingBench()
        let first = try bench.run(bench.notebook(Self.cell(widths: "[8, 16]")))
        let cell = first.cells[2]
        #expect(cell.status == .ran, "\(cell.failure ?? "")")
        let table = try #require(cell.tables.first)
        #expect(table.columns == ["variant", "activation", "width", "depth", "params", "val acc", "val loss", "seconds"])
        #expect(Set(table.rows.map { $0[0] }) == ["relu 8×1", "relu 16×1"])
        let accuracies = table.rows.compactMap { Double($0[5]) }
        #expect(accuracies == accuracies.sorted(by: >))
        #expect(cell.figures.map(\.name) == ["accuracy-by-variant", "accuracy-vs-time"])
        // One seed: each variant's accuracy with its Wilson interval on the validation images, not bars from zero.
        #expect(cell.figures.first?.title.contains("the whisker its 95% Wilson interval on the") == true,
                "\(cell.figures.first?.title ?? "")")
        #expect(try Self.variantEntries(bench.cache) == 2)
        #expect(bench.log.lines.filter { $0.hasPrefix("variant relu") && $0.contains("trained in") }.count == 2)
        expectDeclaredFacts(cell)
        #expect(cell.textFacts["best-variant"] == table.rows[0][0])
        #expect(cell.facts.first { $0.name == "variants" }?.value == 2)
        #expect(cell.markdownText.contains("(2 trained for this output, 0 reused from earlier runs)"))

        bench.log.reset()
        let text = bench.notebook(Self.cell(widths: "[8, 16, 24]"))
        let second = try bench.run(text)
        let grown = second.cells[2]
        #expect(grown.status == .ran, "\(grown.failure ?? "")")
        #expect(try #require(grown.tables.first).rows.count == 3)
        #expect(try Self.variantEntries(bench.cache) == 3)
        let summaries = bench.log.lines.filter { $0.hasPrefix("variant relu") && !$0.hasPrefix("variant relu 24") }
        #expect(summaries.count == 2)
        #expect(summaries.allSatisfy { $0.hasSuffix("from the cache") })
        #expect(bench.log.lines.contains { $0.hasPrefix("variant relu 24×1: val acc") && $0.contains("trained in") })
        // Only the new variant trained: two epochs of one variant.
        #expect(bench.log.lines.filter { $0.hasPrefix("variant 3/3 relu 24×1 · epoch") }.count == 2)
        #expect(bench.log.lines.filter { $0.contains("· epoch") }.count == 2)
        #expect(grown.markdown.first?.hasPrefix("3 mlp variants (1 trained for this output, 2 reused from earlier runs)") == true)

        // The result is the best variant, a model as train.mlp makes it.
        let best = try #require(try bench.model(text, cell: 2))
        #expect(best.family == "train.mlp")
        let bestRow = try #require(grown.tables.first?.rows.first)
        #expect(bestRow[4].replacingOccurrences(of: ",", with: "") == String(best.trained.model.parameterCount))
    }

    @Test func cnnVariantsDoubleTheFiltersPerBlock() throws {
        let bench = try TrainingBench()
        let report = try bench.run(bench.notebook("""
            ```loom sweep
            model: cnn
            activation: [relu, gelu]
            width: 2
            depth: [1, 2]
            epochs: 1
            ```
            """))
        let cell = report.cells[2]
        #expect(cell.status == .ran, "\(cell.failure ?? "")")
        let rows = try #require(cell.tables.first).rows
        #expect(rows.count == 4)
        // depth 2: conv 1→2 (2·9 + 2), conv 2→4 (4·2·9 + 4), dense 4·3·3 → 10 (36·10 + 10).
        #expect(rows.first { $0[0] == "relu 2×2" }?[4] == String(20 + 76 + 370))
    }
}
