import Foundation
import Testing
@testable import Figures

@Suite struct ImageGridCaptionTests {
    static let captions = ["T-shirt/top (Shirt)", "Trouser", "Pullover (Coat)", "Ankle boot (Sneaker)", "Coat",
                           "Sandal (Sneaker)", "Bag", "a-very-long-unbreakable-caption-word", "Dress (Coat)", "Shirt"]

    static func grid(columns: Int, framed: Bool, rowLabels: Bool = false) -> ImageGrid {
        let picture = [UInt8](repeating: 128, count: 28 * 28)
        let images = captions.enumerated().map { index, caption in
            GridImage(pixels: picture, width: 28, height: 28, caption: caption,
                      frame: framed ? (index % 3 == 0 ? .wrong : .correct) : nil)
        }
        return ImageGrid(images: images, columns: columns,
                         rowLabels: rowLabels ? (0..<10).map { "row \($0)" } : nil, title: "Captions")
    }

    /// Figures wider than their pictures (the reported case), about right, and narrow.
    @Test(arguments: [(1400.0, 220.0, 5, true), (900.0, 180.0, 10, false), (824.0, 288.0, 5, true),
                      (400.0, 300.0, 5, false), (1200.0, 400.0, 4, false)])
    func captionBoxesNeverOverlapAnythingElse(width: Double, height: Double, columns: Int, framed: Bool) throws {
        for rowLabels in [false, true] {
            let grid = Self.grid(columns: columns, framed: framed, rowLabels: rowLabels)
            let canvas = try testCanvas(width: width, height: height)
            let frame = Rect(x: 0, y: 0, width: width, height: height)
            let cells = grid.layout(on: canvas, in: frame).cells
            let boxes = grid.captionBoxes(on: canvas, in: frame)
            #expect(boxes.allSatisfy { !$0.isEmpty && $0.count <= 2 })
            let pictures = cells.map { $0.image.inset(top: -3, left: -3, bottom: -3, right: -3) }   // frames included
            for (i, own) in boxes.enumerated() {
                for box in own {
                    #expect(frame.contains(box), "caption \(i) leaves the figure")
                    for (j, picture) in pictures.enumerated() {
                        #expect(!box.intersects(picture), "caption \(i) covers picture \(j)")
                    }
                    for other in boxes[(i + 1)...].joined() {
                        #expect(!box.intersects(other), "caption \(i) overlaps a neighbour's caption")
                    }
                }
            }
        }
    }

    @Test func aWideFigureWidensColumnsInsteadOfLettingCaptionsCollide() throws {
        let grid = Self.grid(columns: 5, framed: true)
        let canvas = try testCanvas(width: 1400, height: 220)
        let frame = Rect(x: 0, y: 0, width: 1400, height: 220)
        let cells = grid.layout(on: canvas, in: frame).cells
        let boxes = grid.captionBoxes(on: canvas, in: frame)
        // The case that used to overlap: captions wider than the picture pitch.
        let pitch = cells[1].image.midX - cells[0].image.midX
        #expect(boxes.joined().contains { $0.width > cells[0].image.width + 6 + ImageGrid.gap })
        #expect(boxes.joined().allSatisfy { $0.width <= pitch - ImageGrid.gap + 1e-9 })
        // Captions keep one line when the frame has room for them.
        #expect(boxes.prefix(7).allSatisfy { $0.count == 1 })
    }

    @Test func captionsThatCannotFitAreShortenedWithAnEllipsis() throws {
        let canvas = try testCanvas()
        let font = Font(size: Theme.standard.tickSize)
        let lines = canvas.captionLines("one two three four five six seven", font: font, width: 40, maximumLines: 2)
        #expect(lines.count == 2)
        #expect(lines.last?.hasSuffix("…") == true)
        #expect(lines.allSatisfy { canvas.measure($0, font: font).width <= 40 })
        #expect(canvas.captionLines("Bag", font: font, width: 40, maximumLines: 2) == ["Bag"])
        #expect(canvas.captionLines("", font: font, width: 40, maximumLines: 2).isEmpty)
    }

    @Test(arguments: ["Ankle boot (Sneaker)", "T-shirt/top", "Bag", "a b c d e f", "Shirt → T-shirt/top 0.99"])
    func theNarrowestTwoLineWidthWrapsIntoTwoLines(text: String) throws {
        let canvas = try testCanvas()
        let font = Font(size: Theme.standard.tickSize)
        let width = canvas.narrowestWidth(of: text, font: font, lines: 2)
        let lines = canvas.captionLines(text, font: font, width: width, maximumLines: 2)
        #expect(lines.count <= 2 && !lines.joined().contains("…"))
        #expect(lines.allSatisfy { canvas.measure($0, font: font).width <= width })
        // Half a point less and two lines no longer hold it, breaking where captions break.
        let narrower = canvas.wrap(text, font: font, width: width - 0.5, spacesOnly: text.contains(" "))
        #expect(narrower.count > 2 || narrower.contains { canvas.measure($0, font: font).width > width - 0.5 })
        #expect(canvas.narrowestWidth(of: text, font: font, lines: 1) == canvas.measure(text, font: font).width)
    }

    @Test func captionsBreakBetweenWordsBeforeInsideThem() throws {
        let canvas = try testCanvas()
        let font = Font(size: Theme.standard.tickSize)
        let text = "Shirt → T-shirt/top 0.99"
        let width = canvas.measure("T-shirt/top 0.99", font: font).width + 1
        #expect(canvas.captionLines(text, font: font, width: width, maximumLines: 2) == ["Shirt →", "T-shirt/top 0.99"])
        // Without spaces, slashes and hyphens still break.
        let narrow = canvas.measure("T-shirt/", font: font).width + 1
        #expect(canvas.captionLines("T-shirt/top", font: font, width: narrow, maximumLines: 2) == ["T-shirt/", "top"])
    }
}

@Suite struct BarChartValueTests {
    static func topK(_ values: [Double], range: ClosedRange<Double>?) -> BarChart {
        BarChart(categories: ["Shirt", "Coat", "Bag"], values: values, orientation: .horizontal, showValues: true,
                 valueDecimals: 2, valueRange: range)
    }

    @Test func panelsWithAFixedRangeShareOneScale() throws {
        let canvas = try testCanvas(width: 330, height: 160)
        let frame = Rect(x: 0, y: 0, width: 330, height: 160)
        func valueAxis(_ chart: BarChart) -> (lower: Double, upper: Double) {
            chart.layoutAxes(on: canvas, in: frame).axes.x.limits
        }
        let unsure = Self.topK([0.5, 0.3, 0.2], range: 0...1)
        let sure = Self.topK([1, 0, 0], range: 0...1)
        #expect(valueAxis(unsure).lower == 0 && valueAxis(sure).lower == 0)
        #expect(abs(valueAxis(unsure).upper - valueAxis(sure).upper) < 1e-9)
        #expect(valueAxis(unsure).upper > 1)   // room for "1.00" beyond the longest possible bar
        // Without a range each panel fits its own data.
        let fitted = Self.topK([0.5, 0.3, 0.2], range: nil)
        #expect(valueAxis(fitted).upper < 0.9)
    }

    @Test func valuesOutsideTheRangeWidenTheAxis() throws {
        let canvas = try testCanvas()
        let frame = Rect(x: 0, y: 0, width: 640, height: 400)
        let chart = BarChart(categories: ["a", "b"], values: [0.4, 1.6], valueRange: 0...1)
        #expect(chart.valueLimits == (0, 1.6))
        let axis = chart.layoutAxes(on: canvas, in: frame).axes.y.limits
        #expect(axis.upper >= 1.6)
    }

    @Test func barsStartAtTheNearerEndOfARangeThatExcludesZero() throws {
        let canvas = try testCanvas()
        let frame = Rect(x: 0, y: 0, width: 640, height: 400)
        let chart = BarChart(categories: ["a", "b"], values: [0.85, 0.9], valueRange: 0.8...1)
        let axes = chart.layoutAxes(on: canvas, in: frame).axes
        #expect(axes.y.limits == (0.8, 1))
        let mapping = axes.layout(on: canvas, in: frame, legendOutside: false).mapping
        let bars = chart.bars(mapping: mapping, theme: .standard, baseline: chart.baseline(lower: 0.8, upper: 1))
        #expect(abs(bars[0].rect.maxY - mapping.plot.maxY) < 1e-9)
        #expect(abs(bars[1].rect.height / bars[0].rect.height - 2) < 1e-9)
    }

    @Test(arguments: [
        ([1.0, 0.5, 0.0], 2 as Int?, ["1.00", "0.50", "0.00"]),
        ([1.0, 0.0, 0.0], 2, ["1.00", "0.00", "0.00"]),
        ([0.934, 0.05, 0.016], 1, ["0.9", "0.1", "0.0"]),
        ([6000, 5836, 12], nil, ["6000", "5836", "12"]),
        ([6000, 0.5, 12], nil, ["6000.00", "0.50", "12.00"]),
        ([-0.001, -2, 3], 2, ["0.00", "\u{2212}2.00", "3.00"]),
        ([6000, 5836, 12], 0, ["6000", "5836", "12"]),
    ])
    func writtenValuesUseTheRequestedDecimalsThroughout(values: [Double], decimals: Int?, expected: [String]) {
        let chart = BarChart(categories: ["a", "b", "c"], values: values, showValues: true, valueDecimals: decimals)
        #expect(values.map(chart.valueText) == expected)
    }

    @Test func aValueOfOneIsWrittenWithItsDecimalsInThePicture() throws {
        // The widest written value decides the room beyond the bars: "1.00" needs more than "1".
        let canvas = try testCanvas(width: 330, height: 160)
        let frame = Rect(x: 0, y: 0, width: 330, height: 160)
        let explicit = Self.topK([1, 0, 0], range: nil).layoutAxes(on: canvas, in: frame).axes.x.limits.upper
        let trimmed = BarChart(categories: ["Shirt", "Coat", "Bag"], values: [1, 0, 0], orientation: .horizontal,
                               showValues: true).layoutAxes(on: canvas, in: frame).axes.x.limits.upper
        #expect(explicit > trimmed)
    }
}

@Suite struct HeatmapCellTests {
    @Test func unlabelledCellsLeaveNoSeams() throws {
        // 28×28 cells of one colour on a plot whose cells fall between pixels.
        let chart = Heatmap(values: [Double](repeating: 0.5, count: 28 * 28), rows: 28, columns: 28, range: 0...1)
        let image = try Figure(chart, size: Size(width: 600, height: 500)).render()
        let colour = chart.color(for: 0.5)
        // The colour bar (right of x = 450) shows the same colour: look at the matrix only.
        let found = positions(of: colour, in: image, tolerance: 2).filter { $0.x < 450 }
        let xs = found.map(\.x), ys = found.map(\.y)
        let (left, right) = (try #require(xs.min()), try #require(xs.max()))
        let (top, bottom) = (try #require(ys.min()), try #require(ys.max()))
        #expect(right - left > 300 && bottom - top > 300)
        var seams = 0
        for y in (top + 1)..<bottom {
            for x in (left + 1)..<right where !matches(image, x: x, y: y, colour, tolerance: 2) { seams += 1 }
        }
        #expect(seams == 0)
    }

    @Test(arguments: [(28, 28), (10, 4), (784, 784)])
    func indexTicksSitAtCellCentres(rows: Int, columns: Int) throws {
        let chart = Heatmap(values: [Double](repeating: 0, count: rows * columns), rows: rows, columns: columns)
        let canvas = try testCanvas(width: 600, height: 500)
        let layout = chart.makeAxes(reservedRight: 60).layout(on: canvas, in: Rect(x: 0, y: 0, width: 600, height: 500),
                                                              legendOutside: false)
        let mapping = layout.mapping
        // The axis shows index ticks, and each one names the cell whose centre it marks.
        #expect(layout.xTicks.first?.value == 0 && layout.yTicks.first?.value == 0)
        for (row, column) in [(0, 0), (rows - 1, columns - 1), (rows / 2, columns / 3)] {
            let cell = chart.cellRect(row: row, column: column, mapping: mapping)
            #expect(abs(cell.midX - mapping.px(Double(column))) < 1e-9)
            #expect(abs(cell.midY - mapping.py(Double(row))) < 1e-9)
        }
        // The cells exactly cover the plot.
        let first = chart.cellRect(row: 0, column: 0, mapping: mapping)
        let last = chart.cellRect(row: rows - 1, column: columns - 1, mapping: mapping)
        let plot = mapping.plot
        #expect(abs(first.x - plot.x) < 1e-9 && abs(first.y - plot.y) < 1e-9)
        #expect(abs(last.maxX - plot.maxX) < 1e-9 && abs(last.maxY - plot.maxY) < 1e-9)
    }
}

@Suite struct ImageGridSizeTests {
    static func grid(pictureSide: Double, captions: Bool, labels: Bool, framed: Bool, title: String?) -> ImageGrid {
        let names = ["all"] + Gallery.classNames
        let images = names.map { name in
            GridImage(pixels: [UInt8](repeating: 90, count: 28 * 28), width: 28, height: 28,
                      caption: captions ? name : nil, frame: framed ? .correct : nil)
        }
        return ImageGrid(images: images + images, columns: names.count, rowLabels: labels ? ["mean", "std"] : nil,
                         title: title, pictureSide: pictureSide)
    }

    /// The eda mean/std grid and its relatives: at the preferred size every picture is shown at
    /// the requested whole multiple, and captions still clear their neighbours.
    @Test(arguments: [(56.0, true, true, false, nil as String?), (84, true, false, true, "Predictions"),
                      (56, false, true, false, nil), (28, true, false, false, "A title long enough to wrap in a small grid"),
                      (100, true, true, true, nil)])
    func thePreferredSizeShowsPicturesAtTheirSide(side: Double, captions: Bool, labels: Bool, framed: Bool,
                                                  title: String?) throws {
        let grid = Self.grid(pictureSide: side, captions: captions, labels: labels, framed: framed, title: title)
        let size = grid.preferredSize
        let canvas = try testCanvas(width: size.width, height: size.height)
        let frame = Rect(x: 0, y: 0, width: size.width, height: size.height)
        let cells = grid.layout(on: canvas, in: frame).cells
        let expected = side >= 28 ? 28 * (side / 28).rounded(.down) : 28
        #expect(cells.allSatisfy { $0.image.width == expected && $0.image.height == expected })
        let boxes = grid.captionBoxes(on: canvas, in: frame).joined()
        for (index, box) in boxes.enumerated() {
            #expect(frame.contains(box))
            for other in boxes.dropFirst(index + 1) where abs(other.y - box.y) < 1e-9 {
                #expect(!box.intersects(other))
            }
        }
        // Nothing larger than needed: a grid a tenth smaller could not keep the pictures' side.
        let smaller = Rect(x: 0, y: 0, width: size.width * 0.9, height: size.height * 0.9)
        #expect(grid.layout(on: canvas, in: smaller).cells.allSatisfy { $0.image.width < expected })
    }

    @Test func aFigureTitleAddsRoomAboveThePreferredSize() throws {
        let grid = Self.grid(pictureSide: 56, captions: true, labels: true, framed: false, title: nil)
        let plain = Figure(grid)
        let titled = Figure(grid, title: "Mean and std images")
        #expect(plain.size == grid.preferredSize)
        #expect(titled.size.width == plain.size.width && titled.size.height > plain.size.height + 15)
        let explicit = Figure(grid, title: "Mean and std images", size: Size(width: 500, height: 300))
        #expect(explicit.size == Size(width: 500, height: 300))
    }
}
