import Actions
import Dataset
import Engine
import Figures
import Foundation
import Notebook
import Testing

/// Stored results that decode but do not fit together (written by a faulty loom) are errors that
/// drop the entry, never a trap that repeats on every later run.
@Suite struct StoredResultTests {
    @Test func aStoredSplitWithAnIndexOutsideItsDatasetIsDroppedAndRecomputed() throws {
        let data = try EDASyntheticData()
        defer { data.remove() }
        let cachePath = data.directory + "/cache.sqlite"
        let text = "```loom load\ndataset: \(data.directory)\n```\n\n```loom split\nseed: 1\n```\n\n```loom eda.classes\n```\n"
        let checked = Checker.check(NotebookDocument.parse(path: data.directory + "/nb.md", text: text),
                                    registry: BuiltInActions.registry)
        func run() throws -> RunReport {
            try NotebookRunner(registry: BuiltInActions.registry, cache: try Cache(path: cachePath))
                .run(checked, options: RunOptions(plan: PlanOptions(force: ["eda.classes"]), outputPath: nil))
        }
        #expect(try run().succeeded)
        let cache = try Cache(path: cachePath)
        let keys = Planner(cache: cache).plan(checked).map(\.key)
        let datasetKey = try #require(keys[0]), splitKey = try #require(keys[1])
        let bad = SplitValue(datasetKey: datasetKey, split: DatasetSplit(train: [0, 1, 1_000_000], validation: [2], test: [3]),
                             stratified: true, seed: 1)
        // Written under the split's own record, as a faulty loom would have stored it: nothing but
        // the bytes says it is wrong.
        try cache.store(key: splitKey, action: "split", outputs: [], result: (kind: .split, data: bad.encoded()),
                        seconds: 0, seeds: [], record: try cache.record(key: splitKey))

        let damaged = try run()
        guard case .failed(let message) = damaged.cells[2].status else {
            Issue.record("eda.classes should fail on the damaged split, not \(damaged.cells[2].status)")
            return
        }
        #expect(message.hasSuffix("eda.classes: the cached result \(splitKey.prefix(12)) is damaged (the stored split's "
                                  + "train part has the index 1000000, but the data set has \(data.all.count) images); "
                                  + "it was dropped, so run again and it will be recomputed"), "\(message)")
        #expect(try !cache.contains(key: splitKey))
        // The next run recomputes the split and succeeds.
        let again = try run()
        #expect(again.succeeded)
        #expect(again.cells[1].status == .ran)
    }

    @Test func storedIndicesThatOverlapOrAreNegativeDoNotDecode() throws {
        for split in [DatasetSplit(train: [0, 1], validation: [2], test: [3]), DatasetSplit(train: [0], validation: [], test: [])] {
            var writer = BlobWriter()
            writer.write(SplitValue.kind.rawValue)
            writer.write(Int64(SplitValue.encodingVersion))
            writer.write("dataset-key")
            writer.write(int32: split.train, shape: [split.train.count])
            writer.write(int32: [-4] + split.validation, shape: [split.validation.count + 1])
            writer.write(int32: split.train + split.test, shape: [split.train.count + split.test.count])
            writer.write(true)
            writer.write(1)
            #expect(throws: BlobError.self) { try SplitValue.decoded(from: writer.data) }
        }
        #expect(throws: DatasetSplit.StoredSplitError.overlapping(index: 0)) {
            try DatasetSplit(validatingTrain: [0, 1], validation: [0], test: [])
        }
        #expect(throws: DatasetSplit.StoredSplitError.outOfRange(part: "test", index: 9, imageCount: 5)) {
            try DatasetSplit(validatingTrain: [0], validation: [1], test: [9], imageCount: 5)
        }
    }
}

@Suite struct ClassFolderNameTests {
    /// A class folder named like an HTML element or a Markdown link shows as its name, in the
    /// executed notebook and in the exported page.
    @Test func classFolderNamesAreText() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("loom-names-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        for name in ["<img src=x onerror=alert(1)>", "[x](javascript:alert(2))"] {
            try FileManager.default.createDirectory(atPath: root + "/" + name, withIntermediateDirectories: true)
            for index in 0..<5 {
                let image = PNGImage(width: 4, height: 4, channels: 1, pixels: [UInt8](repeating: UInt8(index * 40), count: 16))
                try image.encode().write(to: URL(fileURLWithPath: "\(root)/\(name)/\(index).png"))
            }
        }
        let text = "```loom load\ndataset: \(root)\nsize: [4, 4]\n```\n\n```loom split\ntrain: 0.6\nvalidation: 0.2\ntest: 0.2\n```\n\n```loom eda.classes\n```\n"
        let output = root + "/out.md"
        let checked = Checker.check(NotebookDocument.parse(path: root + "/nb.md", text: text), registry: BuiltInActions.registry)
        let report = try NotebookRunner(registry: BuiltInActions.registry, cache: nil).run(checked, options: RunOptions(outputPath: output))
        #expect(report.succeeded, "\(report.cells.map(\.status))")
        let executed = try String(contentsOfFile: output, encoding: .utf8)
        #expect(executed.contains("\\<img src=x onerror=alert(1)\\>"))
        let page = HTMLPage.render(markdown: executed, title: "nb", baseDirectory: root)
        #expect(!page.contains("<img src=x"))
        #expect(!page.contains("href=\"javascript:"))
        #expect(page.contains("&lt;img src=x onerror=alert(1)&gt;"))
        #expect(page.contains("[x](javascript:alert(2))"))
    }
}
