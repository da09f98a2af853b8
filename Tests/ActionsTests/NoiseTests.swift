import Analysis
import Dataset
import Engine
import Figures
import Foundation
import Notebook
import Testing
@testable import Actions

@Suite struct NoiseActionTests {
    static func notebook(_ fixture: EDASyntheticData) -> String {
        """
        ```loom load
        dataset: \(fixture.directory)
        ```

        ```loom split
        ```

        ```loom eda.noise as noise
        part: train
        show: 4
        ```
        """
    }

    static func run(_ fixture: EDASyntheticData, scale: Double = 1) throws -> RunReport {
        let document = NotebookDocument.parse(path: fixture.directory + "/eda.md", text: notebook(fixture))
        let checked = Checker.check(document, registry: BuiltInActions.registry)
        #expect(checked.errors.isEmpty, "\(checked.errors)")
        return try NotebookRunner(registry: BuiltInActions.registry, cache: nil)
            .run(checked, options: RunOptions(plan: PlanOptions(figureScale: scale), outputPath: nil))
    }

    @Test func theBlankImageIsQuietestAndTheRankingFollowsTheResidual() throws {
        let fixture = try EDASyntheticData()
        defer { fixture.remove() }
        let data = try fixture.edaData()
        let indices = (0..<Int32(EDASyntheticData.trainCount)).map { $0 }
        let summary = NoiseSummary(data: data, indices: indices, filter: .median)
        // Training image 0 is planted blank: nothing for a filter to remove.
        #expect(summary.noise[0] == 0)
        // Each value is the RMS residual of that image, worked out again here one at a time.
        for position in [1, 17, 63] {
            let plane = data.greyPlane(ofImage: position)
            let expected = ImageNoise.rms(ImageNoise.residual(plane, height: data.height, width: data.width, filter: .median))
            #expect(abs(summary.noise[position] - expected) < 1e-12)
        }
        let top = summary.noisiest(3)
        #expect(top.count == 3)
        #expect(summary.noise[top[0]] == summary.noise.max())
        #expect(summary.noise[top[0]] >= summary.noise[top[1]] && summary.noise[top[1]] >= summary.noise[top[2]])
        #expect(summary.sorted(ofClass: 0).count == 10)
    }

    @Test func theCellTabulatesEveryClassPublishesFactsAndDrawsTwoFigures() throws {
        let fixture = try EDASyntheticData()
        defer { fixture.remove() }
        let report = try Self.run(fixture)
        let cell = try #require(report.cells.last)
        #expect(cell.status == .ran, "\(cell.status)")
        let table = try #require(cell.tables.first)
        #expect(table.rows.count == 11)
        #expect(table.rows.last?.first == "**all**")
        #expect(cell.figures.map(\.name) == ["noise-by-class", "noisiest"])
        for figure in cell.figures { #expect((try? PNGImage.decode(figure.png)) != nil) }
        let names = expectDeclaredFacts(cell)
        for fact in ["mean", "p95", "largest", "images", "noisiest-class", "quietest-class"] {
            #expect(names.contains(fact), "missing fact \(fact)")
        }
        let images = cell.facts.first { $0.name == "images" }?.value
        #expect(images == Double(try fixture.edaData().split.train.count))
        let largest = try #require(cell.facts.first { $0.name == "largest" }?.value)
        let mean = try #require(cell.facts.first { $0.name == "mean" }?.value)
        #expect(largest >= mean && mean > 0)
    }

    @Test func scaleTwoDoublesEveryFigureAndRecordsItsScale() throws {
        let fixture = try EDASyntheticData()
        defer { fixture.remove() }
        let single = try #require(try Self.run(fixture).cells.last?.figures)
        let double = try #require(try Self.run(fixture, scale: 2).cells.last?.figures)
        #expect(single.count == double.count && !single.isEmpty)
        for (one, two) in zip(single, double) {
            let a = try PNGImage.decode(one.png), b = try PNGImage.decode(two.png)
            #expect(b.width == 2 * a.width && b.height == 2 * a.height, "\(one.name)")
            #expect(one.scale == nil && two.scale == 2)
            #expect(two.displayWidth == a.width)
        }
    }
}
