import Foundation
import Testing
@testable import Figures

@Suite struct FigureTests {
    @Test(arguments: [1.0, 2.0])
    func pixelSizeIsPointsTimesScale(scale: Double) throws {
        let figure = Figure(BarChart(categories: ["a", "b"], values: [1, 2]), size: Size(width: 300, height: 200), scale: scale)
        let image = try figure.render()
        #expect(image.width == Int(300 * scale) && image.height == Int(200 * scale))
        #expect(image.channels == 3)
        #expect(Array(image.pixel(x: 0, y: 0)) == [255, 255, 255])
        #expect(Array(image.pixel(x: image.width - 1, y: image.height - 1)) == [255, 255, 255])
    }

    @Test func theSameFigureGivesTheSameBytes() throws {
        let chart = LineChart(series: [.init(name: "train", values: [0.9, 0.5, 0.3]), .init(name: "val", values: [1, 0.7, 0.6])],
                              title: "Loss", xLabel: "epoch", yLabel: "loss")
        let first = try Figure(chart, title: "Run").renderPNG()
        let second = try Figure(chart, title: "Run").renderPNG()
        #expect(first == second)
        #expect(try PNGImage.decode(first) == Figure(chart, title: "Run").render())
    }

    @Test(arguments: [Size(width: 0, height: 100), Size(width: 100, height: 20_000), Size(width: .nan, height: 10)])
    func impossibleSizesThrow(size: Size) {
        #expect(throws: FiguresError.self) { try Figure(BarChart(categories: ["a"], values: [1]), size: size).render() }
    }

    @Test func writeReportsAMissingFolder() {
        let url = URL(fileURLWithPath: "/nonexistent-loom-folder/figure.png")
        #expect {
            try Figure(BarChart(categories: ["a"], values: [1])).write(to: url)
        } throws: { error in
            guard case .writeFailed(let path, _)? = error as? FiguresError else { return false }
            return path == "/nonexistent-loom-folder/figure.png"
        }
    }
}

@Suite struct ChartPixelTests {
    @Test func barHeightsAreProportionalToValues() throws {
        let chart = BarChart(categories: ["a", "b", "c"], values: [1, 2, 4])
        let image = try Figure(chart).render()
        let blue = Theme.standard.color(0)
        // Runs of columns containing the bar colour are the bars; their tallest column is the height.
        var heights: [Int] = []
        var inBar = false
        for x in 0..<image.width {
            let count = (0..<image.height).filter { matches(image, x: x, y: $0, blue) }.count
            if count > 0 {
                if !inBar { heights.append(0); inBar = true }
                heights[heights.count - 1] = max(heights[heights.count - 1], count)
            } else {
                inBar = false
            }
        }
        #expect(heights.count == 3)
        guard heights.count == 3 else { return }
        #expect(abs(Double(heights[1]) / Double(heights[0]) - 2) < 0.05)
        #expect(abs(Double(heights[2]) / Double(heights[0]) - 4) < 0.08)
    }

    @Test func lineSeriesColoursAppearWhereTheirDataLie() throws {
        let chart = LineChart(series: [.init(name: "rising", values: [0, 0.25, 0.5, 0.75, 1]),
                                       .init(name: "falling", values: [1, 0.75, 0.5, 0.25, 0])],
                              markers: false, legendPlacement: .hidden)
        let image = try Figure(chart).render()
        for (index, rising) in [(0, true), (1, false)] {
            let found = positions(of: Theme.standard.color(index), in: image)
            #expect(found.count > 200)
            let third = image.width / 3
            let leftY = mean(found.filter { $0.x < third }.map(\.y))
            let rightY = mean(found.filter { $0.x > 2 * third }.map(\.y))
            // Canvas y grows downwards: a rising series is lower on the left.
            #expect(rising ? leftY > rightY + 100 : rightY > leftY + 100)
        }
    }

    @Test func heatmapCellsFollowTheColourMap() throws {
        let chart = Heatmap(values: [0, 0.5, 1], rows: 1, columns: 3, colorMap: .viridis)
        let image = try Figure(chart).render()
        let centres = [0.0, 0.5, 1.0].map { value -> Double in
            let found = positions(of: ColorMap.viridis.color(at: value), in: image, tolerance: 2)
            #expect(found.count > 1000, "value \(value) is not painted in its colour")
            return mean(found.map(\.x))
        }
        #expect(centres[0] < centres[1] && centres[1] < centres[2])
    }

    @Test(arguments: [ColorMap.viridis, .blues, .coolwarm, .greys])
    func colourMapsInterpolateBetweenTheirStops(map: ColorMap) {
        #expect(map.color(at: 0) == map.stops[0])
        #expect(map.color(at: 1) == map.stops[map.stops.count - 1])
        #expect(map.color(at: -3) == map.stops[0] && map.color(at: .nan) == map.stops[0])
        let middle = map.color(at: 0.5)
        let expected = map.stops.count % 2 == 1 ? map.stops[map.stops.count / 2]
            : map.stops[map.stops.count / 2 - 1].mixed(with: map.stops[map.stops.count / 2], fraction: 0.5)
        #expect(abs(middle.red - expected.red) < 1e-9 && abs(middle.blue - expected.blue) < 1e-9)
    }

    @Test func divergingHeatmapsAreCentredOnZero() {
        let chart = Heatmap(values: [-0.2, 0.6], rows: 1, columns: 2, colorMap: .coolwarm)
        #expect(chart.colorRange == -0.6...0.6)
        #expect(Heatmap(values: [2, 5], rows: 1, columns: 2).colorRange == 2...5)
    }

    @Test func imagesAreUpscaledWithCrispPixels() throws {
        let checker = GridImage(pixels: [0, 255, 255, 0], width: 2, height: 2)
        let grid = ImageGrid(images: [checker], columns: 1)
        let figure = Figure(grid, size: Size(width: 200, height: 200))
        let image = try figure.render()
        let canvas = try testCanvas(width: 200, height: 200)
        let cell = try #require(grid.layout(on: canvas, in: Rect(x: 0, y: 0, width: 200, height: 200)).cells.first)
        #expect(cell.image.width == cell.image.height)
        #expect(cell.image.width.truncatingRemainder(dividingBy: 2) == 0)   // a whole factor of the source size
        let inner = (Int(cell.image.x) + 1)..<(Int(cell.image.maxX) - 1)
        let rows = (Int(cell.image.y) + 1)..<(Int(cell.image.maxY) - 1)
        for y in rows {
            for x in inner {
                let value = image.pixel(x: x, y: y).first ?? 1
                #expect(value == 0 || value == 255)
            }
        }
        // Top-left quarter is black, top-right white.
        #expect(image.pixel(x: Int(cell.image.x + cell.image.width / 4), y: Int(cell.image.y + cell.image.height / 4)).first == 0)
        #expect(image.pixel(x: Int(cell.image.x + cell.image.width * 3 / 4), y: Int(cell.image.y + cell.image.height / 4)).first == 255)
    }

    @Test func predictionFramesUseTheirColours() throws {
        let black = [UInt8](repeating: 0, count: 28 * 28)
        let grid = ImageGrid(images: [GridImage(pixels: black, width: 28, height: 28, caption: "Bag", frame: .correct),
                                      GridImage(pixels: black, width: 28, height: 28, caption: "Coat (Shirt)", frame: .wrong)],
                             columns: 2)
        let image = try Figure(grid).render()
        let green = positions(of: .correct, in: image, tolerance: 1)
        let red = positions(of: .wrong, in: image, tolerance: 1)
        #expect(green.count > 500 && red.count > 500)
        #expect(mean(green.map(\.x)) < mean(red.map(\.x)))
    }
}

@Suite struct LayoutTests {
    @Test(arguments: [(900.0, LabelMode.horizontal), (640.0, LabelMode.wrapped), (300.0, LabelMode.rotated(45))])
    func longCategoryNamesWrapOrRotateWhenTheyWouldCollide(width: Double, mode: LabelMode) throws {
        let names = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
        let axes = CartesianAxes(title: nil, x: AxisSpec(kind: .categories(names), label: "class"),
                                 y: AxisSpec(kind: .continuous(lower: 0, upper: 1, integers: false), label: nil))
        let canvas = try testCanvas(width: width)
        let layout = axes.layout(on: canvas, in: Rect(x: 0, y: 0, width: width, height: 400), legendOutside: false)
        #expect(layout.xMode == mode)
    }

    @Test(arguments: [200.0, 320.0, 640.0])
    func longLabelsNeverReachTheEdges(width: Double) throws {
        let names = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
        let chart = BarChart(categories: names, values: names.indices.map { Double($0 * 100 + 50) },
                             title: "A rather long title for a narrow figure", categoryLabel: "class",
                             valueLabel: "images", showValues: true)
        let image = try Figure(chart, size: Size(width: width, height: 300)).render()
        if let folder = ProcessInfo.processInfo.environment["LOOM_GALLERY_OUT"] {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try image.encode().write(to: URL(fileURLWithPath: folder).appendingPathComponent("narrow-\(Int(width)).png"))
        }
        let blank = edgeIsBlank(image, band: 2)
        #expect(blank)
        let horizontal = try Figure(BarChart(categories: names, values: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
                                             orientation: .horizontal, showValues: true),
                                    size: Size(width: width, height: 300)).render()
        let blankHorizontal = edgeIsBlank(horizontal, band: 2)
        #expect(blankHorizontal)
    }

    @Test func theLegendGoesWhereThereIsNoData() throws {
        let canvas = try testCanvas()
        let axes = CartesianAxes(
            title: "t", x: AxisSpec(kind: .continuous(lower: 0, upper: 1, integers: false), label: "x"),
            y: AxisSpec(kind: .continuous(lower: 0, upper: 1, integers: false), label: "y"),
            legend: [LegendEntry(label: "series one", color: .black, symbol: .patch)])
        // Data crowd the whole upper half: the legend must sit in a lower corner.
        let layout = axes.draw(on: canvas, in: Rect(x: 0, y: 0, width: 640, height: 400), occupancy: { mapping in
            stride(from: 0.0, through: 1, by: 0.02).flatMap { x in stride(from: 0.5, through: 1, by: 0.02).map { mapping.point(x, $0) } }
        }, content: { _ in })
        let legend = try #require(layout.legendRect)
        #expect(legend.y > layout.mapping.plot.midY)
        #expect(layout.mapping.plot.contains(legend))
    }

    @Test func aLegendWithNoFreeCornerMovesOutside() throws {
        let canvas = try testCanvas()
        let axes = CartesianAxes(
            title: nil, x: AxisSpec(kind: .continuous(lower: 0, upper: 1, integers: false), label: nil),
            y: AxisSpec(kind: .continuous(lower: 0, upper: 1, integers: false), label: nil),
            legend: [LegendEntry(label: "everywhere", color: .black, symbol: .patch)])
        let layout = axes.draw(on: canvas, in: Rect(x: 0, y: 0, width: 640, height: 400), occupancy: { mapping in
            samplePoints(of: mapping.plot, spacing: 5)
        }, content: { _ in })
        let legend = try #require(layout.legendRect)
        #expect(legend.x >= layout.mapping.plot.maxX)
        #expect(legend.maxX <= 640)
    }

    @Test func gridPanelsTileTheFrame() {
        let grid = FigureGrid([BarChart(categories: ["a"], values: [1]), BarChart(categories: ["b"], values: [2]),
                               BarChart(categories: ["c"], values: [3])], columns: 2)
        let cells = grid.cells(in: Rect(x: 0, y: 0, width: 800, height: 600))
        #expect(grid.rows == 2)
        #expect(cells == [Rect(x: 0, y: 0, width: 400, height: 300), Rect(x: 400, y: 0, width: 400, height: 300),
                          Rect(x: 0, y: 300, width: 400, height: 300)])
    }
}

@Suite struct WordCloudTests {
    static let words: [(String, Double)] = [
        ("Shirt", 420), ("T-shirt/top", 310), ("Coat", 170), ("Pullover", 150), ("Ankle boot", 130),
        ("Sneaker", 120), ("Dress", 95), ("Trouser", 80), ("collar", 70), ("Sandal", 60), ("sleeve", 55),
        ("Bag", 40), ("heel", 35), ("buttons", 30), ("strap", 28), ("sole", 25), ("zip", 22),
    ]

    @Test(arguments: [UInt64(1), 7, 42])
    func wordsNeverOverlapAndStayInside(seed: UInt64) throws {
        let cloud = WordCloud(words: Self.words, seed: seed)
        let canvas = try testCanvas()
        let area = cloud.area(on: canvas, in: Rect(x: 0, y: 0, width: 640, height: 400))
        let placed = cloud.layout(on: canvas, in: area)
        #expect(placed.count == Self.words.count)
        for (i, a) in placed.enumerated() {
            #expect(area.contains(a.box), "'\(a.text)' leaves the area")
            for b in placed[(i + 1)...] { #expect(!a.box.intersects(b.box), "'\(a.text)' overlaps '\(b.text)'") }
        }
        // Heavier words are set at least as large.
        let sizes = Dictionary(uniqueKeysWithValues: placed.map { ($0.text, $0.font.size) })
        #expect((sizes["Shirt"] ?? 0) >= (sizes["zip"] ?? 0))
    }

    @Test func theLayoutIsDeterministicForASeed() throws {
        let first = try Figure(WordCloud(words: Self.words, seed: 5)).renderPNG()
        let again = try Figure(WordCloud(words: Self.words, seed: 5)).renderPNG()
        let other = try Figure(WordCloud(words: Self.words, seed: 6)).renderPNG()
        #expect(first == again)
        #expect(first != other)
    }
}
