import Engine
import Figures
import Foundation
import Testing
@testable import Actions

/// A `width × height` RGB picture of `background` with a `color` rectangle.
private func picture(width: Int, height: Int, background: [UInt8], rectangle: (x: Range<Int>, y: Range<Int>),
                     color: [UInt8]) -> PNGImage {
    var pixels = [UInt8]()
    for y in 0..<height {
        for x in 0..<width {
            pixels += rectangle.x.contains(x) && rectangle.y.contains(y) ? color : background
        }
    }
    return PNGImage(width: width, height: height, channels: 3, pixels: pixels)
}

@Suite struct ImagePreparationTests {
    @Test func aLightColourPictureBecomesADarkCentredGreyInputOfTheModelsSize() {
        // A red 10×20 rectangle, off-centre on white.
        let photo = picture(width: 40, height: 30, background: [255, 255, 255], rectangle: (5..<15, 3..<23),
                            color: [255, 0, 0])
        let prepared = ImagePreparation.prepare(photo, channels: 1, height: 12, width: 12)
        #expect(prepared.inverted)
        #expect(prepared.contentBox == (x: 5, y: 3, width: 10, height: 20))
        #expect(prepared.input.count == 12 * 12)
        // Padded to 20×20 with 5 black columns each side, then shrunk by 20/12: columns 3 to 8 are
        // the object at full brightness, the rest background.
        for y in 0..<12 {
            let row = Array(prepared.input[(y * 12)..<((y + 1) * 12)])
            #expect(row == [0, 0, 0, 255, 255, 255, 255, 255, 255, 0, 0, 0], "row \(y)")
        }
    }

    @Test func aDarkGreyPictureIsNotInvertedAndChannelsAreRepeated() {
        let photo = PNGImage(width: 4, height: 4, channels: 1,
                             pixels: [10, 10, 10, 10, 10, 200, 200, 10, 10, 200, 200, 10, 10, 10, 10, 10])
        let prepared = ImagePreparation.prepare(photo, channels: 3, height: 2, width: 2)
        #expect(!prepared.inverted)
        #expect(prepared.contentBox == (x: 1, y: 1, width: 2, height: 2))
        #expect(prepared.input == [UInt8](repeating: 255, count: 12))
    }

    @Test func aBlankPictureKeepsItsWholeFrame() {
        let blank = PNGImage(width: 6, height: 3, channels: 1, pixels: [UInt8](repeating: 0, count: 18))
        let prepared = ImagePreparation.prepare(blank, channels: 1, height: 4, width: 4)
        #expect(prepared.contentBox == (x: 0, y: 0, width: 6, height: 3))
        #expect(prepared.input == [UInt8](repeating: 0, count: 16))
    }

    @Test func areaAveragingAveragesTheCoveredArea() {
        // 4×2 → 2×1: each output pixel is the mean of a 2×2 block.
        let halved = ImagePreparation.resizeByArea([0, 4, 8, 12, 2, 6, 10, 14], width: 4, height: 2, channels: 1,
                                                   toWidth: 2, toHeight: 1)
        #expect(halved == [3, 11])
        // 3 → 2: output 0 covers pixel 0 and a third... of pixel 1 (weights 2/3, 1/3).
        let thirds = ImagePreparation.resizeByArea([0, 3, 6], width: 3, height: 1, channels: 1, toWidth: 2, toHeight: 1)
        #expect(abs(thirds[0] - 1) < 1e-5 && abs(thirds[1] - 5) < 1e-5)
        // Enlarging repeats pixels.
        #expect(ImagePreparation.resizeByArea([7, 9], width: 2, height: 1, channels: 1, toWidth: 4, toHeight: 1) == [7, 7, 9, 9])
    }

    @Test func thumbnailsShrinkLargePicturesOnly() {
        let large = PNGImage(width: 300, height: 150, channels: 3, pixels: [UInt8](repeating: 90, count: 300 * 150 * 3))
        let thumbnail = ImagePreparation.thumbnail(large, side: 100)
        #expect(thumbnail.width == 100 && thumbnail.height == 50 && thumbnail.pixels.allSatisfy { $0 == 90 })
        let small = PNGImage(width: 5, height: 5, channels: 1, pixels: [UInt8](repeating: 1, count: 25))
        #expect(ImagePreparation.thumbnail(small, side: 100) == small)
    }
}

@Suite struct PredictActionTests {
    let model = """
        ```loom test.model as perfect
        kind: perfect
        ```
        """

    @Test func drawnTestImagesArePredictedWithTheirTopClasses() throws {
        let harness = try EvaluationHarness()
        let report = try harness.run(harness.notebook(model + """


            ```loom predict
            images: 5
            seed: 3
            ```
            """))
        let cell = report.cells[3]
        #expect(cell.status == .ran, "\(cell.failure ?? "")")
        #expect(cell.markdown.first == "**perfect** on 5 images of the test part: 5 of 5 right.")
        let table = try #require(cell.tables.first)
        #expect(table.columns == ["image", "true", "predicted", "right", "top 3"])
        #expect(table.rows.count == 5)
        #expect(table.rows.allSatisfy { $0[1] == $0[2] && $0[3] == "✓" && $0[4].split(separator: "·").count == 3 })
        let positions = table.rows.compactMap { Int($0[0]) }
        #expect(positions == positions.sorted() && Set(positions).count == 5 && positions.allSatisfy { (0..<12).contains($0) })
        #expect(cell.figures.map(\.name) == ["predictions"])
        #expect(cell.seeds == ["predict images 3"])
    }

    @Test func listedPositionsArePredictedInOrder() throws {
        let harness = try EvaluationHarness()
        let report = try harness.run(harness.notebook(model + """


            ```loom predict
            images: [11, 0, 4]
            top: 2
            ```
            """))
        let cell = report.cells[3]
        #expect(cell.status == .ran, "\(cell.failure ?? "")")
        let table = try #require(cell.tables.first)
        #expect(table.rows.map { $0[0] } == ["11", "0", "4"])
        #expect(table.rows.allSatisfy { $0[4].split(separator: "·").count == 2 })
    }

    @Test func aPositionOutsideThePartIsAnErrorAtItsItem() throws {
        let harness = try EvaluationHarness()
        let report = try harness.run(harness.notebook(model + """


            ```loom predict
            images: [0, 99]
            ```
            """))
        // Line 14 of the notebook; '99' starts at column 13.
        #expect(report.cells[3].failure == "\(harness.directory)/nb.md:14:13: predict: image 99 is outside the test part, "
                + "which has 12 images (positions 0 to 11)")
    }

    @Test func anEmptyImageListIsFoundByCheck() throws {
        let harness = try EvaluationHarness()
        let checked = harness.check(harness.notebook(model + "\n\n```loom predict\nimages: []\n```\n"))
        #expect(checked.errors.map(\.message) == ["'images' lists no positions; give a count such as 8 or positions such as [3, 17]"])
    }

    func shoe() throws -> Data {
        // A dark-blue horizontal bar on a light grey background, 60×40.
        try picture(width: 60, height: 40, background: [230, 230, 235], rectangle: (8..<52, 18..<22),
                    color: [20, 30, 90]).encode()
    }

    @Test func ownFilesAreBroughtToTheModelsConventionAndPredicted() throws {
        let harness = try EvaluationHarness()
        try harness.write(try shoe(), to: "photos/shoe.png")
        let report = try harness.run(harness.notebook(model + """


            ```loom predict
            files: photos/shoe.png
            ```
            """))
        let cell = report.cells[3]
        #expect(cell.status == .ran, "\(cell.failure ?? "")")
        let table = try #require(cell.tables.first)
        #expect(table.rows.count == 1)
        #expect(Array(table.rows[0].prefix(3)) == ["photos/shoe.png", "60×40", "light (inverted)"])
        #expect(cell.figures.map(\.name) == ["files"])
        #expect(cell.markdown.first?.hasPrefix("**perfect** on 1 file, each made grey") == true)
    }

    @Test func aMissingFileIsACheckErrorAtItsItem() throws {
        let harness = try EvaluationHarness()
        try harness.write(try shoe(), to: "photos/shoe.png")
        let checked = harness.check(harness.notebook(model + """


            ```loom predict
            files: [photos/shoe.png, photos/missing.png]
            ```
            """))
        #expect(checked.errors.map(\.description) == [
            "\(harness.directory)/nb.md:14:26: predict: the image file 'photos/missing.png' "
                + "does not exist or cannot be read (looked in '\(harness.directory)/photos'); "
                + "paths are relative to the notebook's folder"])
    }

    @Test func aFileThatIsNotAPNGIsAnErrorAtItsItem() throws {
        let harness = try EvaluationHarness()
        try harness.write(Data("not a picture".utf8), to: "notes.png")
        let report = try harness.run(harness.notebook(model + """


            ```loom predict
            files:
              - notes.png
            ```
            """))
        let failure = try #require(report.cells[3].failure)
        #expect(failure.hasPrefix("\(harness.directory)/nb.md:15:5: predict: the file 'notes.png' is not a PNG image loom can read: "))
    }

    @Test func changingAFileRunsTheCellAgain() throws {
        let harness = try EvaluationHarness()
        try harness.write(try shoe(), to: "shoe.png")
        let text = harness.notebook(model + "\n\n```loom predict\nfiles: shoe.png\n```\n")
        #expect(try harness.run(text).cells[3].status == .ran)
        #expect(try harness.run(text).cells[3].status == .cached)
        try harness.write(try picture(width: 30, height: 30, background: [0, 0, 0], rectangle: (10..<20, 2..<28),
                                      color: [255, 255, 255]).encode(), to: "shoe.png")
        #expect(try harness.run(text).cells[3].status == .ran)
    }
}
