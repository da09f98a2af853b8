import Foundation
import Testing
@testable import Figures

@Suite struct ColorScienceTests {
    /// Pairs from Sharma, Wu and Dalal (2005), "The CIEDE2000 color-difference formula", table 1.
    @Test(arguments: [
        (LabColor(l: 50, a: 2.6772, b: -79.7751), LabColor(l: 50, a: 0, b: -82.7485), 2.0425),
        (LabColor(l: 50, a: 0, b: 0), LabColor(l: 50, a: -1, b: 2), 2.3669),
        (LabColor(l: 50, a: 2.5, b: 0), LabColor(l: 73, a: 25, b: -18), 27.1492),
        (LabColor(l: 60.2574, a: -34.0099, b: 36.2677), LabColor(l: 60.4626, a: -34.1751, b: 39.4387), 1.2644),
        (LabColor(l: 2.0776, a: 0.0795, b: -1.1350), LabColor(l: 0.9033, a: -0.0636, b: -0.5514), 0.9082),
    ])
    func ciede2000MatchesThePublishedPairs(first: LabColor, second: LabColor, expected: Double) {
        #expect(abs(first.difference(to: second) - expected) < 1e-4)
        #expect(abs(second.difference(to: first) - expected) < 1e-4)
    }

    @Test func labOfKnownColours() {
        let white = Color.white.lab
        #expect(abs(white.l - 100) < 1e-3 && abs(white.a) < 1e-3 && abs(white.b) < 1e-3)
        let red = Color(hex: 0xFF0000).lab
        #expect(abs(red.l - 53.24) < 0.02 && abs(red.a - 80.09) < 0.05 && abs(red.b - 67.20) < 0.05)
    }

    @Test func simulationKeepsGreysAndMergesRedWithGreen() {
        for vision in ColorVision.allCases {
            let grey = Color(grey: 0.5).simulated(vision)
            #expect(abs(grey.red - 0.5) < 0.01 && abs(grey.green - 0.5) < 0.01 && abs(grey.blue - 0.5) < 0.01)
        }
        // A red and a green of similar lightness are far apart normally, close under deuteranopia.
        let red = Color(hex: 0xC04040), green = Color(hex: 0x60A040)
        #expect(red.difference(to: green) > 40)
        #expect(red.difference(to: green, vision: .deuteranopia) < red.difference(to: green) / 2)
    }
}

@Suite struct PaletteTests {
    @Test func classPaletteHasTenColoursApartForEveryVision() throws {
        let palette = Theme.colorblindPalette
        #expect(palette.count == 10)
        #expect(Set(palette).count == 10)
        let normal = try #require(palette.closestPair(vision: .normal))
        #expect(normal.difference >= 20, "closest pair \(normal.first), \(normal.second): ΔE \(normal.difference)")
        for vision in [ColorVision.protanopia, .deuteranopia] {
            let closest = try #require(palette.closestPair(vision: vision))
            #expect(closest.difference >= 11.5,
                    "\(vision): colours \(closest.first) and \(closest.second) are only ΔE \(closest.difference) apart")
        }
        let tritan = try #require(palette.closestPair(vision: .tritanopia))
        #expect(tritan.difference >= 10)
    }

    @Test func everyClassColourStandsOutOnWhite() {
        for (index, color) in Theme.colorblindPalette.enumerated() {
            for vision in ColorVision.allCases {
                // Under tritanopia the yellow turns a pale pink, the one colour nearer white.
                let least = vision == .tritanopia ? 15.0 : 25.0
                #expect(color.difference(to: .white, vision: vision) >= least, "colour \(index) under \(vision)")
            }
        }
    }

    @Test func seabornsColorblindPaletteFailsTheSameCheck() throws {
        // The palette used before: its Coat and Shirt pinks, and a pair under protanopia, are too close.
        let old = [0x0173B2, 0xDE8F05, 0x029E73, 0xD55E00, 0xCC78BC, 0xCA9161, 0xFBAFE4, 0x949494, 0xECE133, 0x56B4E9]
            .map { Color(hex: $0) }
        let closest = try #require(old.closestPair(vision: .protanopia))
        #expect(closest.difference < 11.5)
    }
}
