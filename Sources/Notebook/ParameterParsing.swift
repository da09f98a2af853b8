import Yams

/// Maps positions in a cell's body (as the YAML parser counts them) to the notebook file.
///
/// Body line `k` is file line `fenceLine + k`: cmark strips container prefixes (`> `, list
/// indentation) from a fenced block's lines but never joins or splits them. The column
/// shifts by the width of what cmark stripped, found by comparing the file line with the
/// body line (both counted in Unicode scalars, as libyaml counts columns).
struct BodyLocator {
    struct Line {
        /// The 1-based line in the notebook file.
        var fileLine: Int
        /// How many Unicode scalars of the file line come before the body text.
        var prefix: Int
    }

    /// One entry per body line, then one for the line after the body (the closing fence).
    var lines: [Line]

    /// The file position of a 1-based YAML line and column, clamped to the cell.
    func position(line: Int, column: Int) -> SourcePosition {
        precondition(!lines.isEmpty, "a body locator needs at least the line after the body")
        let entry = lines[min(max(line, 1), lines.count) - 1]
        return SourcePosition(line: entry.fileLine, column: entry.prefix + max(column, 1))
    }

    func position(of mark: Mark?) -> SourcePosition {
        position(line: mark?.line ?? 1, column: mark?.column ?? 1)
    }
}

/// Parses a cell body into parameters, reporting problems through `report`.
///
/// An empty body, or one holding only comments, is an empty mapping. A body that is not
/// valid YAML, or whose root is not a mapping, is reported and also yields an empty
/// mapping, so that the cell still exists and cell numbering stays stable.
///
/// - Parameters:
///   - body: The cell's literal content.
///   - locator: Maps YAML marks to file positions.
///   - emptyPosition: The position given to an empty mapping (the opening fence).
///   - report: Called with each problem's position and message.
/// - Returns: The parameters, always a `.mapping`.
func parseParameters(
    body: String, locator: BodyLocator, emptyPosition: SourcePosition,
    report: (SourcePosition, String) -> Void
) -> ParameterNode {
    let root: Yams.Node?
    do {
        root = try Yams.compose(yaml: body)
    } catch let error as YamlError {
        let (position, message) = describe(error, body: body, locator: locator)
        report(position, message)
        return .mapping([], emptyPosition)
    } catch {
        report(emptyPosition, "invalid YAML: \(error)")
        return .mapping([], emptyPosition)
    }
    guard let root else { return .mapping([], emptyPosition) }
    if YAMLLimits.exceedsExpansionLimit(root) {
        report(locator.position(of: root.mark),
               "the cell's YAML expands to more than \(YAMLLimits.maximumExpandedNodes) values through its aliases "
               + "('*name'); write the values out or use fewer aliases")
        return .mapping([], emptyPosition)
    }
    let converted = convert(root, locator: locator, report: report)
    guard case .mapping = converted else {
        report(converted.position,
               "the cell's body must be a YAML mapping of 'name: value' lines, not \(converted.kind)")
        return .mapping([], emptyPosition)
    }
    return converted
}

private func convert(
    _ node: Yams.Node, locator: BodyLocator, report: (SourcePosition, String) -> Void
) -> ParameterNode {
    let position = locator.position(of: node.mark)
    switch node {
    case let .scalar(scalar):
        let style = ScalarStyle(scalar.style)
        // Tags are read through `rawValue`: Yams keeps the tag as written (`""` when none).
        switch Tag.Name(rawValue: scalar.tag.rawValue) {
        case .implicit:
            if style == .plain, CoreSchema.resolve(scalar.string) == .null { return .null(position) }
            return .scalar(scalar.string, position, style)
        case .nonSpecific, .str:
            // `! text` and `!!str text` are strings however they look.
            return .scalar(scalar.string, position, style == .plain ? .doubleQuoted : style)
        default:
            report(position, "the YAML tag '\(scalar.tag.rawValue)' is not supported; write the value without a tag")
            return .scalar(scalar.string, position, style)
        }
    case let .sequence(sequence):
        reportTag(sequence.tag, expected: .seq, at: position, report: report)
        return .sequence(sequence.map { convert($0, locator: locator, report: report) }, position)
    case let .mapping(mapping):
        reportTag(mapping.tag, expected: .map, at: position, report: report)
        var entries: [ParameterEntry] = []
        for (key, value) in mapping {
            let keyPosition = locator.position(of: key.mark)
            guard case let .scalar(keyScalar) = key else {
                report(keyPosition, "a parameter name must be a single word, not a list or a mapping")
                continue
            }
            entries.append(ParameterEntry(
                key: keyScalar.string, keyPosition: keyPosition,
                value: convert(value, locator: locator, report: report)))
        }
        return .mapping(entries, position)
    case .alias:
        // Yams replaces aliases by the nodes they name; an alias node here is unexpected.
        report(position, "YAML aliases are not supported in cell parameters")
        return .null(position)
    }
}

private func reportTag(
    _ tag: Tag, expected: Tag.Name, at position: SourcePosition,
    report: (SourcePosition, String) -> Void
) {
    let name = Tag.Name(rawValue: tag.rawValue)
    guard name != .implicit, name != .nonSpecific, name != expected else { return }
    report(position, "the YAML tag '\(name.rawValue)' is not supported; write the value without a tag")
}

private func describe(_ error: YamlError, body: String, locator: BodyLocator) -> (SourcePosition, String) {
    switch error {
    case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
        let .composer(context, problem, mark, _):
        if problem == "but found another document" {
            return (locator.position(of: mark),
                    "the cell's body must be a single YAML document; remove the '---' or '...' separator")
        }
        let found = locator.position(of: mark)
        guard let context else { return (found, "invalid YAML: \(problem)") }
        // Point at where the unfinished construct starts (an unclosed `[` is noticed only at the
        // closing fence); say where the problem showed.
        let start = locator.position(of: context.mark)
        guard start != found else { return (found, "invalid YAML: \(problem) (\(context.text))") }
        return (start, "invalid YAML: \(problem) (\(context.text) that starts here; noticed at \(found))")
    case let .reader(problem, offset, _, _):
        // `offset` counts Characters from the start of the body.
        var line = 1
        var column = 1
        for character in body.prefix(offset ?? 0) {
            if character.isNewline {
                line += 1
                column = 1
            } else {
                column += character.unicodeScalars.count
            }
        }
        return (locator.position(line: line, column: column), "invalid YAML: \(problem)")
    case let .duplicatedKeysInMapping(duplicates, context):
        let names = duplicates.map { "'\($0)'" }.joined(separator: ", ")
        let noun = duplicates.count == 1 ? "key \(names) appears" : "keys \(names) appear"
        return (locator.position(of: context.mark), "the \(noun) more than once in the same mapping")
    default:
        return (locator.position(line: 1, column: 1), "invalid YAML: \(error)")
    }
}

extension ScalarStyle {
    init(_ style: Yams.Node.Scalar.Style) {
        switch style {
        case .singleQuoted: self = .singleQuoted
        case .doubleQuoted: self = .doubleQuoted
        case .literal: self = .literal
        case .folded: self = .folded
        case .any, .plain: self = .plain
        }
    }
}
