import Foundation

/// Tick positions at "nice" numbers and their labels.
///
/// Ticks follow Heckbert's 1-2-5 rule ("Nice numbers for graph labels", *Graphics Gems*,
/// 1990): the step is the nice number nearest to `range / (targetCount − 1)`, i.e. 1, 2 or 5
/// times a power of ten, and ticks are its multiples inside the range (the axis limits stay
/// where the data put them, as in matplotlib); labels carry just enough decimals to tell
/// neighbouring ticks apart.
///
/// ```swift
/// AxisTicks(lower: 0, upper: 0.93, targetCount: 6).values   // [0, 0.2, 0.4, 0.6, 0.8]
/// ```
public struct AxisTicks: Equatable, Sendable {
    /// The distance between neighbouring ticks.
    public var step: Double
    /// Tick positions inside the range, ascending.
    public var values: [Double]
    /// One label per tick, e.g. `"0.4"`, `"1000"`, `"−2"` (with a true minus sign).
    public var labels: [String]

    /// Chooses nice ticks inside `lower...upper`.
    ///
    /// - Parameters:
    ///   - lower: The low end of the axis.
    ///   - upper: The high end of the axis; equal to `lower` gives a single tick.
    ///   - targetCount: About how many ticks are wanted (at least 2).
    ///   - integersOnly: Whether the step must be a whole number (epochs, counts).
    public init(lower: Double, upper: Double, targetCount: Int = 6, integersOnly: Bool = false) {
        precondition(lower.isFinite && upper.isFinite && lower <= upper, "An axis range must be finite and ordered.")
        guard upper > lower else {
            self.step = 1
            self.values = [lower]
            self.labels = [Self.format(lower, step: max(abs(lower), 1))]
            return
        }
        let count = max(targetCount, 2)
        var step = Self.niceNumber((upper - lower) / Double(count - 1), rounding: true)
        if integersOnly { step = max(1, step.rounded()) }
        let tolerance = step * 1e-9
        let first = (lower / step - 1e-9).rounded(.up)
        var values: [Double] = []
        var index = first
        while index * step <= upper + tolerance {
            let value = index * step
            values.append(abs(value) < tolerance ? 0 : value)
            index += 1
        }
        self.step = step
        self.values = values
        self.labels = values.map { Self.format($0, step: step) }
    }

    /// Heckbert's nice number near `x`: 1, 2, 5 or 10 times a power of ten.
    ///
    /// - Parameters:
    ///   - x: A positive number.
    ///   - rounding: `true` rounds to the nearest nice number (thresholds 1.5, 3, 7);
    ///     `false` takes the nice number at or above `x`.
    public static func niceNumber(_ x: Double, rounding: Bool) -> Double {
        precondition(x > 0 && x.isFinite, "A nice number is defined for positive finite values.")
        let exponent = floor(log10(x))
        let power = pow(10, exponent)
        let fraction = x / power
        let nice: Double
        if rounding {
            nice = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10
        } else {
            nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10
        }
        return nice * power
    }

    /// Formats a tick value with as many decimals as the step needs.
    ///
    /// Values of 10⁶ and above (or steps below 10⁻⁴) use scientific notation; negative numbers
    /// get a true minus sign (U+2212), as matplotlib writes them.
    ///
    /// - Parameters:
    ///   - value: The tick value.
    ///   - step: The distance between ticks.
    public static func format(_ value: Double, step: Double) -> String {
        let text: String
        if abs(value) >= 1e6 || (step < 1e-4 && value != 0) {
            text = String(format: "%.2g", value)
        } else {
            let decimals = max(0, Int((-log10(step) - 1e-9).rounded(.up)))
            text = String(format: "%.\(min(decimals, 6))f", value)
        }
        return text.hasPrefix("-") ? "\u{2212}" + text.dropFirst() : text
    }
}

/// Formats a data value written on a chart (a bar's value, a heatmap cell).
///
/// Values print with `decimals` places; with `trimWhole`, whole numbers print without any.
/// Negative numbers get a true minus sign, and a value that rounds to zero is never "−0.00".
func formatValue(_ value: Double, decimals: Int, trimWhole: Bool = true) -> String {
    guard value.isFinite else { return value.isNaN ? "NaN" : (value > 0 ? "∞" : "\u{2212}∞") }
    var text = trimWhole && value == value.rounded() && abs(value) < 1e15
        ? String(format: "%.0f", value) : String(format: "%.\(decimals)f", value)
    if text.hasPrefix("-"), !text.contains(where: { ("1"..."9").contains($0) }) { text.removeFirst() }
    return text.hasPrefix("-") ? "\u{2212}" + text.dropFirst() : text
}
