import Actions
import Dataset
import Engine
import Foundation
import Notebook
import Testing
import _LoomTestSupport

// The example of the README's "Write your own action", verbatim: if it stops compiling or
// working, the README is wrong.
extension Action {
    static let brightness = Action(
        name: "eda.brightness",
        version: 1,                       // bump when results change for the same parameters
        summary: "Mean pixel value of each part of a split.",
        inputs: [Input("data", kind: .split, doc: "The split to measure.")],
        parameters: BrightnessParameters.self,
        run: { parameters, context in     // `parameters` is a BrightnessParameters, read and checked
            let (split, dataset) = try context.splitData()   // indices + the dataset they point into
            var table = Table(columns: ["part", "mean pixel"])
            for part in DatasetSplit.Part.allCases {
                let indices = split.split[part]
                var sum = 0
                for index in indices { for pixel in dataset.images.pixels(ofImage: Int(index)) { sum += Int(pixel) } }
                let mean = Double(sum) / Double(max(1, indices.count * dataset.images.pixelsPerImage))
                table.append([part.rawValue, String(format: "%.\(parameters.decimals)f", mean)])
            }
            context.emit(table)
        })
}

/// The declaration is the storage: each field's initial value is its default.
struct BrightnessParameters: ParameterSet {
    var decimals = 3

    static let fields: [Field<Self>] = [
        Field("decimals", \.decimals, .integer(.closed(0, 6)), doc: "Digits after the point."),
    ]
}

@Suite struct WriteYourOwnActionTests {
    @Test func theReadmeExampleRunsAndIsChecked() throws {
        let data = try SyntheticFashionFolder(classCount: 3, side: 6, trainPerClass: 10, testPerClass: 0)
        defer { data.remove() }
        let registry = ActionRegistry(BuiltInActions.all + [.brightness])
        let text = "```loom load\ndataset: \(data.directory)\nparts: train\n```\n\n```loom split\n```\n\n"
            + "```loom eda.brightness\ndecimals: 2\n```\n"
        let checked = Checker.check(NotebookDocument.parse(path: "nb.md", text: text), registry: registry)
        #expect(checked.errors.isEmpty, "\(checked.errors)")
        let report = try NotebookRunner(registry: registry, cache: nil).run(checked, options: RunOptions(outputPath: nil))
        #expect(report.cells.map(\.status) == [.ran, .ran, .ran])
        guard case .table(let table)? = report.cells[2].outputs.first else {
            Issue.record("expected a table")
            return
        }
        #expect(table.rows.map(\.first) == ["train", "validation", "test"])
        // Mean of bars (220…243) and background (10…33) on 6×6 images: well inside (10, 243).
        #expect(table.rows.allSatisfy { (Double($0[1]) ?? 0) > 30 && (Double($0[1]) ?? 0) < 120 })

        let bad = Checker.check(NotebookDocument.parse(path: "nb.md", text: text.replacingOccurrences(
            of: "decimals: 2", with: "decimals: 9")), registry: registry)
        #expect(bad.errors.map(\.description) == ["nb.md:10:11: eda.brightness: 'decimals' must be an integer in [0, 6], not 9"])
    }
}
