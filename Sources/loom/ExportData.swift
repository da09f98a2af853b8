import ArgumentParser
import Dataset
import Engine
import Exporters
import Foundation
import Notebook

extension DatasetSplit.Part: ExpressibleByArgument {}

extension Loom.Export {
    /// `loom export csv outputs/X.md --cell N|NAME [-o FILE]`
    struct CSV: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "csv",
            abstract: "Writes a table of an executed notebook's cell as CSV (RFC 4180).",
            discussion: """
                Reads the table from the executed notebook's output of the cell (a cell number, as \
                'loom plan' counts, or a result name). Bold markers around a cell are dropped and numbers \
                lose their thousands separators, so that pandas, R and spreadsheets read them as numbers.
                """)

        @Argument(help: "An executed notebook (outputs/NAME.md).")
        var notebook: String

        @Option(help: ArgumentHelp("The cell: its number or its result name.", valueName: "cell"))
        var cell: String

        @Option(help: ArgumentHelp("Which of the cell's tables (1 for the first).", valueName: "k"))
        var table: Int?

        @Option(name: .shortAndLong, help: ArgumentHelp("The CSV file (default: standard output).", valueName: "file"))
        var output: String?

        func run() throws {
            let document = try readExecuted(notebook)
            let (index, tables) = try exporting { try CSVExport.tables(inExecuted: document, cell: cell) }
            let number = table ?? 1
            guard tables.indices.contains(number - 1) else {
                throw LoomFailure(message: ExportError.noSuchTable(notebook: notebook, cell: index, table: number,
                                                                   tables: tables.count).description)
            }
            let text = CSVExport.csv(tables[number - 1])
            if table == nil && tables.count > 1 {
                printError("note: cell \(index + 1) has \(tables.count) tables; this is the first ('--table 2' for the next).")
            }
            guard let output else {
                FileHandle.standardOutput.write(Data(text.utf8))
                return
            }
            try writeExport(Data(text.utf8), to: output)
            print("wrote \(output) (\(tables[number - 1].rows.count) rows)")
        }
    }

    /// `loom export npy NOTEBOOK NAME [--part train|validation|test] -o DIR`
    struct NPY: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "npy",
            abstract: "Writes a data set's or a split's images and labels as NumPy .npy files.",
            discussion: """
                NAME is a load or split cell's 'as NAME', read from the cache as the latest run made it. \
                images.npy is float32 N×C×H×W in the scaling the models see, labels.npy int64, classes.txt \
                the class names in label order. A split without --part writes train-, validation- and \
                test- files.
                """)

        @Argument(help: "The notebook (notebooks/NAME.md).")
        var notebook: String

        @Argument(help: "The result name of a load or split cell.")
        var name: String

        @Option(help: ArgumentHelp("Only this part of a split: train, validation or test.", valueName: "part"))
        var part: DatasetSplit.Part?

        @Option(name: .shortAndLong, help: ArgumentHelp("The folder to write into.", valueName: "dir"))
        var output: String

        @OptionGroup var notebookParameters: NotebookParameterOptions

        @OptionGroup var cache: CacheOptions

        func run() throws {
            let (results, _) = try openResults(notebook, parameters: notebookParameters, cache: cache)
            let (dataset, split) = try exporting { try results.images(named: name) }
            if let part, split == nil {
                throw LoomFailure(message: ExportError.partWithoutSplit(notebook: notebook, name: name, part: part.rawValue).description)
            }
            let files = ArrayExport.files(dataset: dataset, split: split, part: part)
            for file in files {
                try writeExport(file.data, to: (output as NSString).appendingPathComponent(file.name))
            }
            print("wrote \(files.map(\.name).joined(separator: ", ")) to \(output)")
        }
    }
}

/// Reads an executed notebook for the exports that read outputs.
func readExecuted(_ path: String) throws -> NotebookDocument {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
        throw LoomFailure(message: "cannot read '\(path)': "
                          + (FileManager.default.fileExists(atPath: path) ? "it is not UTF-8 text." : "no such file."))
    }
    return NotebookDocument.parse(path: path, text: text)
}
