import Foundation

/// What kind of number a fact is, for showing it and its changes.
public enum FactKind: String, Sendable, Codable, Hashable, CaseIterable {
    /// A plain number (a loss, an F1 score).
    case number
    /// A share in `0...1`, shown as a percentage (an accuracy).
    case fraction
    /// A whole count (mistakes, epochs, parameters).
    case count
    /// A duration in seconds.
    case seconds
}

/// One named number a cell published while it ran (`accuracy`, `seconds`), recorded with every
/// run so that runs can be listed and compared.
public struct Fact: Sendable, Codable, Hashable {
    /// The fact's name, unique within its cell (`accuracy`, `macro-f1`).
    public var name: String
    public var value: Double
    public var kind: FactKind

    public init(name: String, value: Double, kind: FactKind) {
        self.name = name
        self.value = value
        self.kind = kind
    }

    /// `92.3%`, `0.2231`, `5,600`, `44.6 s`.
    public var formattedValue: String { Fact.format(value, kind: kind) }

    /// A value of this kind as text.
    public static func format(_ value: Double, kind: FactKind) -> String {
        guard value.isFinite else { return "\(value)" }
        switch kind {
        case .number:
            return String(format: "%.4g", value)
        case .fraction:
            return String(format: "%.2f%%", value * 100)
        case .count:
            return grouped(Int(value.rounded()))
        case .seconds:
            return duration(value)
        }
    }

    /// `8.42 s`, `44.6 s`, `10 min 06 s`, `1 h 02 min`: seconds as a reader says them.
    static func duration(_ seconds: Double) -> String {
        if seconds < 60 { return String(format: seconds < 10 ? "%.2f s" : "%.1f s", seconds) }
        let whole = Int(seconds.rounded())
        if whole < 3600 { return String(format: "%d min %02d s", whole / 60, whole % 60) }
        let minutes = Int((seconds / 60).rounded())
        return String(format: "%d h %02d min", minutes / 60, minutes % 60)
    }

    /// A change of this kind as text, with its sign: `+1.20 pt`, `-0.0123`, `+3`, `-2.5 s`.
    public static func formatDelta(_ delta: Double, kind: FactKind) -> String {
        guard delta.isFinite else { return "\(delta)" }
        let sign = delta > 0 ? "+" : delta < 0 ? "-" : "±"
        let size = abs(delta)
        switch kind {
        case .number: return sign + String(format: "%.4g", size)
        case .fraction: return sign + String(format: "%.2f pt", size * 100)
        case .count: return sign + grouped(Int(size.rounded()))
        case .seconds: return sign + String(format: size < 10 ? "%.2f s" : "%.1f s", size)
        }
    }

    /// `12,345`
    static func grouped(_ value: Int) -> String {
        let digits = String(abs(value))
        var result = ""
        for (offset, character) in digits.enumerated() {
            if offset > 0 && (digits.count - offset) % 3 == 0 { result += "," }
            result.append(character)
        }
        return (value < 0 ? "-" : "") + result
    }
}

extension ActionContext {
    /// Publishes a fact about this cell's result (`accuracy`, `seconds`): recorded with the cell
    /// in the cache (so a cached cell reports the same facts) and with every run, for `loom runs`
    /// and `loom diff`. Publishing a name again replaces its value.
    ///
    /// - Parameters:
    ///   - fact: the name, lower-case words joined by `-` (`best-validation-accuracy`).
    ///   - value: the number.
    ///   - kind: how to show it and its changes.
    public func publish(fact: String, value: Double, kind: FactKind = .number) {
        record(Fact(name: fact, value: value, kind: kind))
    }
}

extension ActionContext {
    /// Publishes a text fact (`best-model`: `cnn`), stored with the cell like numeric facts, so that
    /// prose can show it (`` `{loom} cmp.best-model` ``). Publishing a name again replaces it.
    public func publish(fact: String, text: String) {
        recordText(name: fact, value: text)
    }
}

/// A fact an action promises to publish, as `loom actions NAME` lists it and `loom check` checks
/// inline values against.
public struct FactDeclaration: Sendable, Hashable {
    /// How the fact's value reads.
    public enum Kind: String, Sendable, Hashable {
        case count, number, percentage, duration, text

        /// The kind a published numeric fact of this declaration has.
        public var factKind: FactKind? {
            switch self {
            case .count: .count
            case .number: .number
            case .percentage: .fraction
            case .duration: .seconds
            case .text: nil
            }
        }
    }

    /// The name (`accuracy`), or for a family the prefix before its dynamic suffix (`recall`).
    public var name: String
    public var kind: Kind
    public var doc: String
    /// Whether the fact is a family published once per suffix (`recall.Shirt`, `recall.Bag`).
    public var isFamily: Bool
    /// What the suffix of a family names (`class`), for help.
    public var suffix: String?

    public init(_ name: String, _ kind: Kind, doc: String) {
        self.name = name
        self.kind = kind
        self.doc = doc
        self.isFamily = false
        self.suffix = nil
    }

    /// A family of facts, one per `suffix` (`recall.Shirt`).
    public static func family(_ name: String, suffix: String, _ kind: Kind, doc: String) -> FactDeclaration {
        var declaration = FactDeclaration(name, kind, doc: doc)
        declaration.isFamily = true
        declaration.suffix = suffix
        return declaration
    }

    /// `recall.CLASS` or `accuracy`, as help and did-you-mean show it.
    public var displayName: String { isFamily ? "\(name).\((suffix ?? "name").uppercased())" : name }

    /// Whether a fact published or referred to as `fact` belongs to this declaration.
    public func covers(_ fact: String) -> Bool {
        isFamily ? fact.hasPrefix(name + ".") && fact.count > name.count + 1 : fact == name
    }
}
