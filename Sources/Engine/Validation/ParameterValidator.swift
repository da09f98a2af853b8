import Notebook

/// Checks YAML nodes against declared parameter types and turns them into ``Value``s.
///
/// Every problem is reported with its position; validation goes on after a problem so that
/// `loom check` can list every error in a cell at once.
public enum ParameterValidator {
    /// Validates a mapping against declared fields, filling in defaults.
    ///
    /// - Parameters:
    ///   - node: the mapping (a cell's body, or a nested record).
    ///   - fields: the declared parameters.
    ///   - owner: `nil` for a cell's top level, or the enclosing parameter's name for nested records,
    ///     which words messages as `unknown field 'x' of 'optimizer'`.
    ///   - problems: where problems are appended.
    /// - Returns: a `.map` in declaration order, with absent optional parameters left out.
    public static func validateRecord(_ node: ParameterNodeReader, fields: [Parameter], owner: String?,
                                      problems: inout [ParameterProblem]) -> Value {
        var entries: [ParameterEntry] = []
        if let mapping = node.entries {
            entries = mapping
        } else if !node.isNull {
            let what = owner.map { "'\($0)' must be a mapping" } ?? "a cell's body must be a mapping of parameters"
            problems.append(ParameterProblem(at: node.position, "\(what), not \(node.kindDescription)"))
            return .map([])
        }
        var seen: [String: SourcePosition] = [:]
        var given: [String: ParameterEntry] = [:]
        let names = fields.map(\.name)
        for entry in entries {
            if let first = seen[entry.key] {
                problems.append(ParameterProblem(
                    at: entry.keyPosition, "'\(entry.key)' is given twice (first at line \(first.line))"))
                continue
            }
            seen[entry.key] = entry.keyPosition
            guard names.contains(entry.key) else {
                let what = owner.map { "unknown field '\(entry.key)' of '\($0)'" } ?? "unknown parameter '\(entry.key)'"
                problems.append(ParameterProblem(at: entry.keyPosition, what + Suggestions.hint(for: entry.key, in: names)))
                continue
            }
            given[entry.key] = entry
        }
        var result: [(String, Value)] = []
        for field in fields {
            if let entry = given[field.name] {
                if let value = validate(ParameterNodeReader(entry.value), as: field.type, name: field.name,
                                        problems: &problems) {
                    result.append((field.name, value))
                }
            } else if field.isRequired {
                let what = owner.map { "'\($0)' is missing its field '\(field.name)'" }
                    ?? "missing required parameter '\(field.name)'"
                problems.append(ParameterProblem(at: node.position, "\(what) (\(field.doc.lowercasedFirst))"))
            } else if let defaultValue = field.defaultValue {
                result.append((field.name, defaultValue))
            }
        }
        return .map(result)
    }

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
        case .record(let fields):
            var nested: [ParameterProblem] = []
            let value = validateRecord(node, fields: fields, owner: name, problems: &nested)
            problems += nested
            return nested.isEmpty ? value : nil
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
    var lowercasedFirst: String {
        guard let first else { return self }
        return first.lowercased() + dropFirst()
    }
}
