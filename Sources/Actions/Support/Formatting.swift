import Foundation

/// Number formatting for tables: thousands separators and fixed decimals, the same in every action.
enum Format {
    /// `70,000`
    static func count(_ value: Int) -> String {
        let digits = String(abs(value))
        var out = ""
        for (offset, character) in digits.enumerated() {
            if offset > 0, (digits.count - offset) % 3 == 0 { out.append(",") }
            out.append(character)
        }
        return value < 0 ? "-" + out : out
    }

    /// `0.803` (fixed decimals).
    static func decimal(_ value: Double, _ places: Int = 3) -> String {
        String(format: "%.\(places)f", value)
    }

    /// `80.0%`
    static func percent(_ fraction: Double, _ places: Int = 1) -> String {
        String(format: "%.\(places)f%%", fraction * 100)
    }
}
