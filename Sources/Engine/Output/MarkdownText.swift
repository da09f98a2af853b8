/// Text from data, parameters or errors, made safe to place in the executed notebook.
///
/// Class names, file names, parameter values and error messages are not Markdown written by the
/// notebook's author: a class folder named `<img src=x onerror=alert(1)>` or a class named
/// `[x](javascript:alert(2))` must show as those characters, on GitHub and in `loom export html`,
/// and never become an element or a link. Every place where such text enters the executed
/// notebook goes through one of these functions.
public enum MarkdownText {
    /// The characters that can start Markdown or HTML syntax inline (CommonMark lets any ASCII
    /// punctuation be escaped with a backslash; these are the ones that matter inline).
    static let inlineSpecials: Set<Character> = ["\\", "`", "*", "_", "[", "]", "<", ">", "&", "|", "~", "!", "#", "$"]

    /// `text` escaped so that it renders as exactly itself inline (in a paragraph, a list item,
    /// a block quote or a table cell); line breaks become spaces.
    ///
    /// ```swift
    /// MarkdownText.literal("[x](javascript:alert(2))")   // "\[x\](javascript:alert(2))"
    /// ```
    public static func literal(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            if character.isNewline {
                out.append(" ")
            } else {
                if inlineSpecials.contains(character) { out.append("\\") }
                out.append(character)
            }
        }
        return out
    }

    /// A table cell: Markdown the action wrote (`**total**`), where anything that could become
    /// HTML, a link or an image is escaped, and `|` and line breaks cannot break the row.
    ///
    /// Emphasis and code spans stay (they cannot run anything); `<`, `>`, `&`, `[`, `]`, `!` and
    /// backslashes are escaped.
    public static func tableCell(_ cell: String) -> String {
        var out = ""
        out.reserveCapacity(cell.utf8.count)
        for character in cell {
            switch character {
            case "\\", "<", ">", "&", "[", "]", "|", "!": out.append("\\"); out.append(character)
            case _ where character.isNewline: out.append(" ")
            default: out.append(character)
            }
        }
        return out
    }

    /// `text` escaped for an HTML context in the notebook (`<summary>…</summary>`, where
    /// Markdown escapes do not apply).
    public static func html(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
