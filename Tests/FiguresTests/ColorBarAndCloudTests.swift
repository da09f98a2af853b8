import Foundation
import Testing
@testable import Figures

@Suite struct ColorBarTests {
    /// Two rows of three 8×8 pictures: a grey row and a viridis row, each with its colour bar.
    static func grid() -> ImageGrid {
        let grey = (0..<3).map { _ in GridImage(pixels: (0..<64).map { UInt8($0 * 4) }, width: 8, height: 8, caption: "g") }
        let colored = (0..<3).map { _ in
            GridImage(pixels: [UInt8](repeating: 90, count: 192), width: 8, height: 8, channels: 3, caption: "v")
        }
        return ImageGrid(images: grey + colored, columns: 3, rowLabels: ["mean", "std"], pictureSide: 64,
                         colorBars: [ColorBar(colorMap: .gray, range: 0...0.8, label: "mean", rows: 0..<1),
                                     ColorBar(colorMap: .viridis, range: 0...0.4, label: "std", rows: 1..<2)])
    }

    @Test func barsStandRightOfThePicturesBesideTheirRows() throws {
        let grid = Self.grid()
        let size = grid.preferredSize
        let canvas = try testCanvas(width: size.width, height: size.height)
        let frame = Rect(x: 0, y: 0, width: size.width, height: size.height)
        let cells = grid.layout(on: canvas, in: frame).cells
        let bars = grid.colorBarRects(on: canvas, in: frame).compactMap { $0 }
        #expect(bars.count == 2)
        let right = cells.map(\.image.maxX).max() ?? 0
        for (row, bar) in bars.enumerated() {
            #expect(bar.x > right)
            let pictures = cells[(row * 3)..<(row * 3 + 3)].map(\.image)
            #expect(abs(bar.y - pictures[0].y) < 0.01 && abs(bar.maxY - pictures[0].maxY) < 0.01)
            // The bar's ticks and label fit the figure.
            #expect(bar.x + grid.colorBars[row].width(on: canvas, height: bar.height) <= frame.maxX + 0.5)
        }
        #expect(bars[0].maxY < bars[1].y)
    }

    @Test func theGradientRunsFromTheLowColourAtTheBottomToTheHighAtTheTop() throws {
        let grid = Self.grid()
        let size = grid.preferredSize
        let image = try Figure(grid, size: size).render()
        let canvas = try testCanvas(width: size.width, height: size.height)
        let bars = grid.colorBarRects(on: canvas, in: Rect(x: 0, y: 0, width: size.width, height: size.height))
        let viridis = try #require(bars[1])
        let x = Int(viridis.midX)
        // Two points in from each end of a 64-point bar: 3% of the map.
        #expect(matches(image, x: x, y: Int(viridis.y + 2), ColorMap.viridis.color(at: 0.97), tolerance: 16))
        #expect(matches(image, x: x, y: Int(viridis.maxY - 2), ColorMap.viridis.color(at: 0.03), tolerance: 16))
        let grey = try #require(bars[0])
        #expect(matches(image, x: Int(grey.midX), y: Int(grey.y + 2), .white, tolerance: 12))
        #expect(matches(image, x: Int(grey.midX), y: Int(grey.maxY - 2), .black, tolerance: 12))
        // Tick labels are drawn: dark text pixels right of the bar.
        var dark = 0
        for y in Int(viridis.y)..<Int(viridis.maxY) {
            for x in Int(viridis.maxX + 4)..<min(image.width, Int(viridis.maxX + 40)) where image.pixel(x: x, y: y).allSatisfy({ $0 < 100 }) {
                dark += 1
            }
        }
        #expect(dark > 20)
    }

    @Test func everyBarHasAtLeastTwoTicksInItsRange() {
        for range in [0...0.8, 0...0.45, -1...1, 0...9, 0...0.0137] {
            for height in [40.0, 64, 84, 300] {
                let bar = ColorBar(colorMap: .viridis, range: range)
                let ticks = bar.ticks(count: ColorBar.tickCount(height: height))
                #expect(ticks.values.filter { range.contains($0) }.count >= 2, "\(range) at \(height) pt")
            }
        }
    }

    @Test func aGridWithoutBarsKeepsItsWidth() {
        var grid = Self.grid()
        let with = grid.preferredSize.width
        grid.colorBars = []
        #expect(grid.preferredSize.width < with - 30)
    }

    @Test func heatmapBarUsesTheMatrixRangeAndLabel() {
        let heatmap = Heatmap(values: [-0.5, 0.2, 0.9, 0.1], rows: 2, columns: 2, colorMap: .coolwarm, colorBarLabel: "r")
        #expect(heatmap.colorBar.range == -0.9...0.9)
        #expect(heatmap.colorBar.label == "r")
    }

    @Test func theXLabelOfASquareMatrixSitsUnderItsTicksNotAtTheFrameBottom() throws {
        // A tall frame: equal aspect leaves the plot shorter than the frame.
        let names = (0..<10).map { "class \($0)" }
        let heatmap = Heatmap(values: (0..<100).map(Double.init), rows: 10, columns: 10, rowLabels: names,
                              columnLabels: names, xLabel: "predicted", yLabel: "true")
        let canvas = try testCanvas(width: 600, height: 900)
        let frame = Rect(x: 0, y: 0, width: 600, height: 900)
        let layout = heatmap.makeAxes(reservedRight: 60).layout(on: canvas, in: frame, legendOutside: false)
        let bottom = try #require(layout.xLabelBottom)
        #expect(layout.mapping.plot.maxY < frame.maxY - 200)
        #expect(bottom > layout.mapping.plot.maxY && bottom < layout.mapping.plot.maxY + 80)
    }

    @Test func largeMatricesAreSmoothedUnlessCellsAreWholePixels() {
        #expect(!Heatmap.needsSmoothing(cells: 392, points: 392, scale: 1))
        #expect(!Heatmap.needsSmoothing(cells: 392, points: 392, scale: 2))
        #expect(Heatmap.needsSmoothing(cells: 392, points: 430, scale: 1))
        #expect(Heatmap.needsSmoothing(cells: 784, points: 430, scale: 1))
    }
}

@Suite struct WordCloudSpacingTests {
    static let classes: [(String, Double)] = [
        ("T-shirt/top", 600), ("Trouser", 600), ("Pullover", 600), ("Dress", 600), ("Coat", 600),
        ("Sandal", 600), ("Shirt", 600), ("Sneaker", 600), ("Bag", 600), ("Ankle boot", 600),
    ]

    @Test(arguments: [UInt64(0), 3, 11])
    func wordsKeepTheirPaddingApart(seed: UInt64) throws {
        let cloud = WordCloud(words: Self.classes, seed: seed)
        let canvas = try testCanvas()
        let placed = cloud.layout(on: canvas, in: cloud.area(on: canvas, in: Rect(x: 0, y: 0, width: 640, height: 400)))
        #expect(placed.count == 10)
        for (i, a) in placed.enumerated() {
            #expect(a.margin == WordCloud.padding(forSize: a.font.size))
            #expect(a.margin >= 3)
            for b in placed[(i + 1)...] {
                let gap = a.margin + b.margin - 0.01
                let grown = WordCloud.inkBox(of: a).inset(top: -gap, left: -gap, bottom: -gap, right: -gap)
                #expect(!grown.intersects(WordCloud.inkBox(of: b)), "'\(a.text)' and '\(b.text)' are closer than their padding")
            }
        }
    }

    @Test func theDrawnInkStaysInsideItsBox() throws {
        // The padding strip around every word is blank, so the gap measured above is the gap seen.
        let cloud = WordCloud(words: Self.classes, seed: 0)
        let frame = Rect(x: 0, y: 0, width: 640, height: 400)
        let image = try Figure(cloud, size: Size(width: 640, height: 400)).render()
        let canvas = try testCanvas()
        for word in cloud.layout(on: canvas, in: cloud.area(on: canvas, in: frame)) {
            let ink = WordCloud.inkBox(of: word).inset(top: -1.5, left: -1.5, bottom: -1.5, right: -1.5)
            for y in Int(word.box.y.rounded(.up))..<Int(word.box.maxY) {
                for x in Int(word.box.x.rounded(.up))..<Int(word.box.maxX) {
                    let centre = Point(x: Double(x) + 0.5, y: Double(y) + 0.5)
                    guard !ink.contains(centre) else { continue }
                    #expect(image.pixel(x: x, y: y).allSatisfy { $0 >= 235 }, "ink of '\(word.text)' at \(x), \(y)")
                }
            }
        }
    }
}
