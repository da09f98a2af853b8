import CCmarkGFM

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Renders Markdown to HTML the way GitHub does.
///
/// Uses cmark-gfm with the GitHub extensions (tables, strikethrough, autolinks, the tag
/// filter and task lists) and footnotes. Raw HTML is kept (cmark's "unsafe" mode), since
/// executed notebooks hold `<details>` blocks and images as `data:` URIs; the tag filter
/// still disarms `<script>`, `<iframe>` and the other tags GitHub filters. A code block's info
/// string after its first word is kept as `data-meta` (`loom train.cnn as cnn` → `data-meta="train.cnn as cnn"`).
///
/// ```swift
/// renderHTML(markdown: "| a |\n|---|\n| 1 |\n")   // "<table>\n<thead>…"
/// ```
///
/// - Parameter markdown: GitHub-flavoured Markdown.
/// - Returns: An HTML fragment (no `<html>` or `<body>`).
public func renderHTML(markdown: String) -> String {
    CMark.withDocument(markdown) { document, parser in
        let options = CMARK_OPT_UNSAFE | CMARK_OPT_FULL_INFO_STRING | CMark.parseOptions
        guard let html = cmark_render_html(document, options, cmark_parser_get_syntax_extensions(parser)) else {
            return ""
        }
        defer { free(html) }
        return String(cString: html)
    }
}

/// The block structure of a Markdown text, as cmark-gfm parses it: what the notebook parser
/// needs from the AST, copied into Swift values.
struct MarkdownOutline: Sendable {
    /// A block whose parent is the document.
    struct TopLevelBlock: Sendable {
        /// The 1-based line the block starts on.
        var startLine: Int
        /// For an HTML block, the first line of its text; `nil` for other blocks.
        var htmlFirstLine: String?
    }

    /// A fenced code block anywhere in the document.
    struct FencedCodeBlock: Sendable {
        /// The full info string, after cmark's unescaping.
        var info: String
        /// The content, without container prefixes and with `\n` line endings.
        var literal: String
        /// The 1-based line of the opening fence.
        var startLine: Int
        /// The 1-based end line cmark reports (the closing fence when there is one).
        var reportedEndLine: Int
        /// The number of fence characters.
        var fenceLength: Int
        /// "`" or "~".
        var fenceCharacter: Character
        /// Whether the block's parent is the document.
        var isTopLevel: Bool
        /// How many block quotes contain the block.
        var blockQuoteDepth: Int
        /// The start line of the top-level block that contains this one (itself when top-level).
        var topLevelStartLine: Int
    }

    /// Top-level blocks, by start line.
    var topLevel: [TopLevelBlock] = []
    /// Fenced code blocks, by start line.
    var fencedCodeBlocks: [FencedCodeBlock] = []

    init(_ text: String) {
        CMark.withDocument(text) { document, _ in
            var child = cmark_node_first_child(document)
            while let node = child {
                let startLine = Int(cmark_node_get_start_line(node))
                var html: String?
                if cmark_node_get_type(node) == CMARK_NODE_HTML_BLOCK {
                    let literal = cmark_node_get_literal(node).map { String(cString: $0) } ?? ""
                    html = String(literal.prefix { $0 != "\n" && $0 != "\r" })
                }
                topLevel.append(TopLevelBlock(startLine: startLine, htmlFirstLine: html))
                collectCodeBlocks(in: node, topLevelStartLine: startLine, blockQuoteDepth: 0, isTopLevel: true)
                child = cmark_node_next(node)
            }
        }
        // Footnote definitions are moved to the end of cmark's document: restore file order.
        topLevel.sort { $0.startLine < $1.startLine }
        fencedCodeBlocks.sort { $0.startLine < $1.startLine }
    }

    private mutating func collectCodeBlocks(
        in node: OpaquePointer, topLevelStartLine: Int, blockQuoteDepth: Int, isTopLevel: Bool
    ) {
        let type = cmark_node_get_type(node)
        if type == CMARK_NODE_CODE_BLOCK {
            var length: Int32 = 0
            var offset: Int32 = 0
            var character: CChar = 0
            // cmark_node_get_fenced crashes on null out-pointers: always pass all three.
            guard cmark_node_get_fenced(node, &length, &offset, &character) != 0 else { return }
            fencedCodeBlocks.append(FencedCodeBlock(
                info: cmark_node_get_fence_info(node).map { String(cString: $0) } ?? "",
                literal: cmark_node_get_literal(node).map { String(cString: $0) } ?? "",
                startLine: Int(cmark_node_get_start_line(node)),
                reportedEndLine: Int(cmark_node_get_end_line(node)),
                fenceLength: Int(length),
                fenceCharacter: Character(Unicode.Scalar(UInt8(bitPattern: character))),
                isTopLevel: isTopLevel,
                blockQuoteDepth: blockQuoteDepth,
                topLevelStartLine: topLevelStartLine))
            return
        }
        // Only blocks hold code blocks; inline children are skipped.
        guard type.rawValue & UInt32(CMARK_NODE_TYPE_MASK) == UInt32(CMARK_NODE_TYPE_BLOCK) else { return }
        let depth = blockQuoteDepth + (type == CMARK_NODE_BLOCK_QUOTE ? 1 : 0)
        var child = cmark_node_first_child(node)
        while let current = child {
            collectCodeBlocks(in: current, topLevelStartLine: topLevelStartLine, blockQuoteDepth: depth, isTopLevel: false)
            child = cmark_node_next(current)
        }
    }
}

/// The cmark-gfm setup shared by parsing and rendering.
enum CMark {
    /// Registers the core extensions once per process (Swift runs global initialisers once,
    /// thread-safely).
    private static let registration: Void = cmark_gfm_core_extensions_ensure_registered()

    /// The GFM extensions GitHub enables.
    static let extensionNames = ["table", "strikethrough", "autolink", "tagfilter", "tasklist"]

    /// Footnotes are on at GitHub, and a footnote definition can hold a code block.
    static let parseOptions = CMARK_OPT_FOOTNOTES

    /// Parses `text` and hands the document and its parser to `body`, freeing both after.
    static func withDocument<Result>(
        _ text: String, _ body: (OpaquePointer, OpaquePointer) -> Result
    ) -> Result {
        _ = registration
        guard let parser = cmark_parser_new(parseOptions) else {
            preconditionFailure("cmark-gfm could not allocate a parser")
        }
        defer { cmark_parser_free(parser) }
        for name in extensionNames {
            guard let syntaxExtension = cmark_find_syntax_extension(name) else {
                preconditionFailure("cmark-gfm lacks its core extension '\(name)'")
            }
            cmark_parser_attach_syntax_extension(parser, syntaxExtension)
        }
        var bytes = Array(text.utf8)
        bytes.withUnsafeMutableBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { characters in
                cmark_parser_feed(parser, characters.baseAddress, characters.count)
            }
        }
        guard let document = cmark_parser_finish(parser) else {
            preconditionFailure("cmark-gfm returned no document")
        }
        defer { cmark_node_free(document) }
        return body(document, parser)
    }
}
