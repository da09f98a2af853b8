import Actions
import Engine
import Foundation
import Notebook
import Testing
import _LoomTestSupport

@Suite struct WordCloudConfusionTests {
    @Test func confusionNeedsAModelAndAKnownClass() throws {
        let data = try SyntheticFashionFolder(classCount: 3, side: 12, trainPerClass: 20, testPerClass: 4)
        defer { data.remove() }
        let base = "```loom load\ndataset: \(data.directory)\n```\n\n```loom split\n```\n\n"
        func run(_ text: String) throws -> RunReport {
            let checked = Checker.check(NotebookDocument.parse(path: "nb.md", text: text), registry: BuiltInActions.registry)
            #expect(checked.errors.isEmpty, "\(checked.errors)")
            return try NotebookRunner(registry: BuiltInActions.registry, cache: nil)
                .run(checked, options: RunOptions(outputPath: nil))
        }
        let noModel = try run(base + "```loom eda.wordcloud\nconfused-with: Trouser\n```\n")
        #expect(noModel.cells[2].failure == "nb.md:9:1: eda.wordcloud: 'confused-with' needs a trained model above this cell (a 'train.cnn' or 'train.mlp' cell)")
        let train = "```loom train.mlp\nhidden: [16]\nepochs: 2\n```\n\n"
        let withModel = try run(base + train + "```loom eda.wordcloud\nconfused-with: Trouser\npart: test\n```\n")
        #expect(withModel.cells[3].status == .ran, "\(withModel.cells[3].status)")
        #expect(withModel.cells[3].tables.first?.columns == ["class", "Trouser taken for it", "it taken for Trouser", "weight"])
        let typo = try run(base + train + "```loom eda.wordcloud\nconfused-with: Trousr\n```\n")
        #expect(typo.cells[3].failure == "nb.md:14:1: eda.wordcloud: 'Trousr' is not a class of this dataset; did you mean 'Trouser'?")
    }
}
