import Foundation

/// A colour in CIELAB (D65 white), the space in which colour differences are measured.
public struct LabColor: Equatable, Sendable {
    /// Lightness, 0 (black) ... 100 (white).
    public var l: Double
    /// Green (−) to red (+).
    public var a: Double
    /// Blue (−) to yellow (+).
    public var b: Double

    /// Creates a CIELAB colour.
    ///
    /// - Parameters:
    ///   - l: Lightness, 0...100.
    ///   - a: Green–red axis.
    ///   - b: Blue–yellow axis.
    public init(l: Double, a: Double, b: Double) {
        self.l = l
        self.a = a
        self.b = b
    }

    /// The CIEDE2000 colour difference to `other` (Sharma, Wu and Dalal, 2005), with
    /// `kL = kC = kH = 1`.
    ///
    /// About 1 is the smallest difference people notice side by side; colours of a categorical
    /// palette should be at least about 10 apart to be told apart in small marks.
    ///
    /// - Parameter other: The colour to compare with.
    public func difference(to other: LabColor) -> Double {
        func degrees(_ radians: Double) -> Double { radians * 180 / .pi }
        func radians(_ degrees: Double) -> Double { degrees * .pi / 180 }
        let c1 = hypot(a, b), c2 = hypot(other.a, other.b)
        let meanC = (c1 + c2) / 2
        let meanC7 = pow(meanC, 7)
        let g = 0.5 * (1 - (meanC7 / (meanC7 + pow(25, 7))).squareRoot())
        let a1 = (1 + g) * a, a2 = (1 + g) * other.a
        let c1p = hypot(a1, b), c2p = hypot(a2, other.b)
        func hue(_ b: Double, _ a: Double) -> Double {
            guard a != 0 || b != 0 else { return 0 }
            let h = degrees(atan2(b, a))
            return h < 0 ? h + 360 : h
        }
        let h1 = hue(b, a1), h2 = hue(other.b, a2)
        let deltaL = other.l - l
        let deltaC = c2p - c1p
        var deltaH = 0.0
        if c1p * c2p != 0 {
            deltaH = h2 - h1
            if deltaH > 180 { deltaH -= 360 } else if deltaH < -180 { deltaH += 360 }
        }
        let deltaBigH = 2 * (c1p * c2p).squareRoot() * sin(radians(deltaH) / 2)
        let meanL = (l + other.l) / 2
        let meanCp = (c1p + c2p) / 2
        var meanH = h1 + h2
        if c1p * c2p != 0 {
            if abs(h1 - h2) <= 180 {
                meanH = (h1 + h2) / 2
            } else {
                meanH = h1 + h2 < 360 ? (h1 + h2 + 360) / 2 : (h1 + h2 - 360) / 2
            }
        }
        let t = 1 - 0.17 * cos(radians(meanH - 30)) + 0.24 * cos(radians(2 * meanH))
            + 0.32 * cos(radians(3 * meanH + 6)) - 0.20 * cos(radians(4 * meanH - 63))
        let deltaTheta = 30 * exp(-pow((meanH - 275) / 25, 2))
        let meanCp7 = pow(meanCp, 7)
        let rc = 2 * (meanCp7 / (meanCp7 + pow(25, 7))).squareRoot()
        let sl = 1 + 0.015 * pow(meanL - 50, 2) / (20 + pow(meanL - 50, 2)).squareRoot()
        let sc = 1 + 0.045 * meanCp
        let sh = 1 + 0.015 * meanCp * t
        let rt = -sin(radians(2 * deltaTheta)) * rc
        let l = deltaL / sl, c = deltaC / sc, h = deltaBigH / sh
        return (l * l + c * c + h * h + rt * c * h).squareRoot()
    }
}

/// A form of colour vision, for checking that colours stay distinguishable.
public enum ColorVision: String, CaseIterable, Sendable {
    /// Normal trichromatic vision.
    case normal
    /// No long-wavelength (red) cones: red–green confusion, reds look dark.
    case protanopia
    /// No medium-wavelength (green) cones: the most common red–green confusion.
    case deuteranopia
    /// No short-wavelength (blue) cones: blue–yellow confusion (rare).
    case tritanopia

    /// The linear-RGB matrix of Machado, Oliveira and Fernandes (2009) at severity 1, row by row.
    var matrix: [Double] {
        switch self {
        case .normal: return [1, 0, 0, 0, 1, 0, 0, 0, 1]
        case .protanopia:
            return [0.152286, 1.052583, -0.204868, 0.114503, 0.786281, 0.099216, -0.003882, -0.048116, 1.051998]
        case .deuteranopia:
            return [0.367322, 0.860646, -0.227968, 0.280085, 0.672501, 0.047413, -0.011820, 0.042940, 0.968881]
        case .tritanopia:
            return [1.255528, -0.076749, -0.178779, -0.078411, 0.930809, 0.147602, 0.004733, 0.691367, 0.303900]
        }
    }
}

extension Color {
    /// sRGB component to linear light.
    static func linear(_ c: Double) -> Double { c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4) }
    /// Linear light to an sRGB component, clamped to 0...1.
    static func encoded(_ c: Double) -> Double {
        let v = min(max(c, 0), 1)
        return v <= 0.0031308 ? 12.92 * v : 1.055 * pow(v, 1 / 2.4) - 0.055
    }

    /// The colour in CIELAB under the D65 white point (opacity ignored).
    public var lab: LabColor {
        let r = Self.linear(red), g = Self.linear(green), b = Self.linear(blue)
        let x = (0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / 0.95047
        let y = 0.2126729 * r + 0.7151522 * g + 0.0721750 * b
        let z = (0.0193339 * r + 0.1191920 * g + 0.9503041 * b) / 1.08883
        func f(_ t: Double) -> Double { t > 216.0 / 24389 ? cbrt(t) : (24389.0 / 27 * t + 16) / 116 }
        let fx = f(x), fy = f(y), fz = f(z)
        return LabColor(l: 116 * fy - 16, a: 500 * (fx - fy), b: 200 * (fy - fz))
    }

    /// How the colour looks to someone with `vision` (Machado et al., 2009, full severity),
    /// computed on linear RGB.
    ///
    /// - Parameter vision: The form of colour vision.
    public func simulated(_ vision: ColorVision) -> Color {
        let m = vision.matrix
        let r = Self.linear(red), g = Self.linear(green), b = Self.linear(blue)
        return Color(red: Self.encoded(m[0] * r + m[1] * g + m[2] * b),
                     green: Self.encoded(m[3] * r + m[4] * g + m[5] * b),
                     blue: Self.encoded(m[6] * r + m[7] * g + m[8] * b), alpha: alpha)
    }

    /// The CIEDE2000 difference between this colour and `other` as seen with `vision`.
    ///
    /// - Parameters:
    ///   - other: The colour to compare with.
    ///   - vision: The form of colour vision, normal by default.
    public func difference(to other: Color, vision: ColorVision = .normal) -> Double {
        simulated(vision).lab.difference(to: other.simulated(vision).lab)
    }
}

extension Array where Element == Color {
    /// The smallest CIEDE2000 difference between two of the colours under `vision`, with the
    /// indices of that pair; `nil` for fewer than two colours.
    ///
    /// - Parameter vision: The form of colour vision.
    public func closestPair(vision: ColorVision) -> (difference: Double, first: Int, second: Int)? {
        guard count > 1 else { return nil }
        let labs = map { $0.simulated(vision).lab }
        var best: (difference: Double, first: Int, second: Int)?
        for i in labs.indices {
            for j in (i + 1)..<labs.count {
                let d = labs[i].difference(to: labs[j])
                if best.map({ d < $0.difference }) ?? true { best = (d, i, j) }
            }
        }
        return best
    }
}
