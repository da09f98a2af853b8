import Foundation

/// An sRGB colour with opacity, each component in 0...1.
public struct Color: Equatable, Hashable, Sendable {
    /// Red, 0...1.
    public var red: Double
    /// Green, 0...1.
    public var green: Double
    /// Blue, 0...1.
    public var blue: Double
    /// Opacity, 0 (transparent) ... 1 (opaque).
    public var alpha: Double

    /// Creates a colour from components in 0...1.
    ///
    /// - Parameters:
    ///   - red: Red, 0...1.
    ///   - green: Green, 0...1.
    ///   - blue: Blue, 0...1.
    ///   - alpha: Opacity, 1 by default.
    public init(red: Double, green: Double, blue: Double, alpha: Double = 1) {
        self.red = red
        self.green = green
        self.blue = blue
        self.alpha = alpha
    }

    /// Creates an opaque colour from a 24-bit `0xRRGGBB` value.
    ///
    /// - Parameter hex: The colour, e.g. `0x0173B2`.
    public init(hex: UInt32) {
        self.init(red: Double((hex >> 16) & 0xFF) / 255,
                  green: Double((hex >> 8) & 0xFF) / 255,
                  blue: Double(hex & 0xFF) / 255)
    }

    /// Creates an opaque grey.
    ///
    /// - Parameter grey: Lightness, 0 (black) ... 1 (white).
    public init(grey: Double) {
        self.init(red: grey, green: grey, blue: grey)
    }

    /// The same colour with another opacity.
    ///
    /// - Parameter alpha: The new opacity, 0...1.
    public func withAlpha(_ alpha: Double) -> Color {
        Color(red: red, green: green, blue: blue, alpha: alpha)
    }

    /// Linear interpolation towards `other`: `self + (other - self) * fraction`, per component.
    ///
    /// - Parameters:
    ///   - other: The colour reached at `fraction == 1`.
    ///   - fraction: How far to go, 0...1.
    public func mixed(with other: Color, fraction: Double) -> Color {
        let t = min(max(fraction, 0), 1)
        if t == 1 { return other }
        return Color(red: red + (other.red - red) * t,
                     green: green + (other.green - green) * t,
                     blue: blue + (other.blue - blue) * t,
                     alpha: alpha + (other.alpha - alpha) * t)
    }

    /// Relative luminance per WCAG 2.x: `0.2126 R + 0.7152 G + 0.0722 B` on linearised sRGB.
    ///
    /// Used to choose black or white text on a filled cell.
    public var luminance: Double {
        func linear(_ c: Double) -> Double { c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4) }
        return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)
    }

    /// A line colour that reads on top of this colour as a fill: dark grey on light and mid
    /// tones, light grey on dark ones (the brown, indigo and dark grey of the class palette).
    public var contrastingLine: Color { luminance < 0.18 ? Color(grey: 0.92) : Color(grey: 0.25) }

    /// The colour as 8-bit `(red, green, blue)` samples, rounded to nearest.
    public var rgb8: (red: UInt8, green: UInt8, blue: UInt8) {
        func byte(_ c: Double) -> UInt8 { UInt8((min(max(c, 0), 1) * 255).rounded()) }
        return (byte(red), byte(green), byte(blue))
    }

    /// Opaque white.
    public static let white = Color(grey: 1)
    /// Opaque black.
    public static let black = Color(grey: 0)
    /// The green that frames a correct prediction in an image grid (Okabe–Ito bluish green).
    public static let correct = Color(hex: 0x009E73)
    /// The red that frames a wrong prediction in an image grid (Okabe–Ito vermillion).
    public static let wrong = Color(hex: 0xD55E00)
}

/// A continuous colour map from values in 0...1 to colours.
///
/// The map interpolates linearly in sRGB between evenly spaced stops, as matplotlib's
/// `LinearSegmentedColormap.from_list` does. ``viridis`` is perceptually uniform and the
/// default for magnitudes; ``coolwarm`` is diverging (blue, white, red) for signed values
/// such as correlations; ``blues`` reads well for confusion matrices.
public struct ColorMap: Equatable, Hashable, Sendable {
    /// A short name for legends and error messages, e.g. `"viridis"`.
    public var name: String
    /// Evenly spaced colours from value 0 to value 1; at least two.
    public var stops: [Color]
    /// Whether the map is diverging (its middle is neutral), so that a heatmap centres it at 0.
    public var isDiverging: Bool

    /// Creates a colour map from evenly spaced stops.
    ///
    /// - Parameters:
    ///   - name: A short name.
    ///   - stops: At least two colours, from value 0 to value 1.
    ///   - isDiverging: Whether the middle stop is a neutral centre.
    public init(name: String, stops: [Color], isDiverging: Bool = false) {
        precondition(stops.count >= 2, "A colour map needs at least two stops.")
        self.name = name
        self.stops = stops
        self.isDiverging = isDiverging
    }

    /// The colour for `value`, clamped to 0...1.
    ///
    /// - Parameter value: Position in the map; NaN gives the first stop.
    public func color(at value: Double) -> Color {
        let t = value.isNaN ? 0 : min(max(value, 0), 1)
        let position = t * Double(stops.count - 1)
        let index = min(Int(position), stops.count - 2)
        return stops[index].mixed(with: stops[index + 1], fraction: position - Double(index))
    }

    /// matplotlib's viridis, sampled at 0, 0.1, ..., 1 (van der Walt and Smith, 2015).
    public static let viridis = ColorMap(name: "viridis", stops: [
        0x440154, 0x482475, 0x414487, 0x355F8D, 0x2A788E, 0x21918C,
        0x22A884, 0x44BF70, 0x7AD151, 0xBDDF26, 0xFDE725,
    ].map { Color(hex: $0) })

    /// ColorBrewer's 9-class sequential Blues, light to dark.
    public static let blues = ColorMap(name: "blues", stops: [
        0xF7FBFF, 0xDEEBF7, 0xC6DBEF, 0x9ECAE1, 0x6BAED6, 0x4292C6, 0x2171B5, 0x08519C, 0x08306B,
    ].map { Color(hex: $0) })

    /// Black (0) to white (1), as a grey image shows its values: the colour bar of a
    /// grey picture.
    public static let gray = ColorMap(name: "gray", stops: [Color.black, Color.white])

    /// Greys from white (0) to black (1).
    public static let greys = ColorMap(name: "greys", stops: [Color.white, Color(grey: 0.05)])

    /// A diverging map, ColorBrewer's RdBu reversed: dark blue (0), white (0.5), dark red (1).
    public static let coolwarm = ColorMap(name: "coolwarm", stops: [
        0x053061, 0x2166AC, 0x4393C3, 0x92C5DE, 0xD1E5F0, 0xF7F7F7,
        0xFDDBC7, 0xF4A582, 0xD6604D, 0xB2182B, 0x67001F,
    ].map { Color(hex: $0) }, isDiverging: true)
}
