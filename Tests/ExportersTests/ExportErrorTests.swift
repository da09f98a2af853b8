import Testing
@testable import Exporters

/// The messages of the lookup errors that the CLI tests do not reach.
@Suite struct ExportErrorTests {
    @Test func messagesSayWhatIsWrongAndWhere() {
        #expect(ExportError.unknownName(notebook: "nb.md", name: "cnn", hint: "", available: []).description
                == "nb.md: there is no cell named 'cnn'; no cell of this notebook has 'as NAME'.")
        #expect(ExportError.wrongKind(notebook: "nb.md", name: "parts", action: "split", wanted: "model", available: []).description
                == "nb.md: cell 'parts' (split) makes no model; this notebook has no cell that makes one.")
        #expect(ExportError.unreadable(notebook: "nb.md", name: "cnn", reason: "the result is missing from the cache").description
                == "nb.md: the cached result of 'cnn' cannot be read (the result is missing from the cache); run 'loom run --force cnn nb.md'.")
        #expect(ExportError.noSuchTable(notebook: "out.md", cell: 2, table: 3, tables: 2).description
                == "out.md: cell 3 has 2 tables, so there is no table 3.")
        #expect(ExportError.neverRun(notebook: "nb.md", cache: "c.sqlite").errorDescription
                == "nb.md has not been run with the cache c.sqlite; run 'loom run nb.md' first.")
    }
}
