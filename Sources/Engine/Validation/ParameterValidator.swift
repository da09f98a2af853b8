import Notebook

/// Checks YAML nodes against declared parameter types and turns them into ``Value``s, which
/// fields then read into their Swift types (``Field``); mappings are read by ``ParameterSet/decode(_:otherNames:owner:problems:)``.
///
/// Every problem is reported with its position; validation goes on after a problem so that
/// `loom check` can list every error in a cell at once.
public enum ParameterValidator {
    /// Validates one value against a type; returns `nil` (and appends a problem) when it does not fit.
    public static func validate(_ node: ParameterNodeReader, as type: ParameterType, name: String,
                                problems: inout [ParameterProblem]) -> Value? {
        func fail(_ expected: String) -> Value? {
            problems.append(ParameterProblem(at: node.position, "'\(name)' must be \(expected), not \(shown(node))"))
            return nil
        }
        switch type {
        case .integer(let bounds):
            guard let value = node.scalarValue, case .int(let int) = value else {
                return fail(article(type.summary))
            }
            if let bounds, !bounds.contains(Double(int)) { return fail(article(type.summary)) }
            return .int(int)
        case .number(let bounds):
            guard let value = node.scalarValue, let double = value.doubleValue, value.boolValue == nil else {
                return fail(article(type.summary))
            }
            if let bounds, !bounds.contains(double) { return fail(article(type.summary)) }
            if double.isNaN { return fail(article(type.summary)) }
            return .double(double)
        case .boolean:
            guard let value = node.scalarValue, case .bool = value else { return fail("true or false") }
            return value
        case .string:
            guard let value = node.scalarValue else { return fail("text") }
            return .string(node.scalarText ?? value.description)
        case .choice(let words):
            guard node.scalarText != nil, let text = node.scalarText, words.contains(text) else {
                let hint = node.scalarText.map { Suggestions.hint(for: $0, in: words) } ?? ""
                problems.append(ParameterProblem(
                    at: node.position,
                    "'\(name)' must be one of \(words.map { "'\($0)'" }.joined(separator: ", ")), not \(shown(node))\(hint)"))
                return nil
            }
            return .string(text)
        case .list(let element, let acceptsSingle):
            if let items = node.items {
                var values: [Value] = []
                var ok = true
                for item in items {
                    if let value = validate(item, as: element, name: name, problems: &problems) {
                        values.append(value)
                    } else {
                        ok = false
                    }
                }
                return ok ? .list(values) : nil
            }
            if acceptsSingle, let value = validate(node, as: element, name: name, problems: &problems) {
                return .list([value])
            }
            return acceptsSingle ? nil : fail("a list of \(element.summary)")
        case .record:
            preconditionFailure("'\(name)': a mapping is read by its own ParameterSet (Field(_:_:record:doc:)), not as a value")
        case .either(let alternatives):
            for alternative in alternatives {
                var scratch: [ParameterProblem] = []
                if let value = validate(node, as: alternative, name: name, problems: &scratch), scratch.isEmpty {
                    return value
                }
            }
            return fail(alternatives.map { article($0.summary) }.joined(separator: " or "))
        case .custom(let custom):
            var nested: [ParameterProblem] = []
            let value = custom.parse(node, &nested)
            problems += nested
            if value == nil, nested.isEmpty { return fail(custom.summary) }
            return nested.isEmpty ? value : nil
        }
    }

    /// `an integer ≥ 1`, `a number in [0, 1]`.
    static func article(_ summary: String) -> String {
        if summary.hasPrefix("one of") || summary.hasPrefix("true") { return summary }
        let vowel = summary.first.map { "aeiou".contains($0) } ?? false
        return (vowel ? "an " : "a ") + summary
    }

    /// How a given value reads in a message: `-3`, `'five'`, `a list`.
    static func shown(_ node: ParameterNodeReader) -> String {
        switch node.node {
        case .scalar:
            guard let text = node.scalarText else { return "nothing" }
            if case .string? = node.scalarValue { return "'\(text)'" }
            return text
        case .null: return "nothing"
        default: return node.kindDescription
        }
    }
}

extension String {
    /// The text with its first letter lower-cased, for docs quoted inside messages.
    public var lowercasedFirst: String {
        guard let first else { return self }
        return first.lowercased() + dropFirst()
    }
}
