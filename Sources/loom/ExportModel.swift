import ArgumentParser
import Engine
import Exporters
import Foundation

/// The formats `loom export model` writes.
enum ModelFormat: String, ExpressibleByArgument, CaseIterable {
    case onnx, safetensors
}

extension Loom.Export {
    /// `loom export model NOTEBOOK NAME --format onnx|safetensors -o FILE`
    struct Model: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "model",
            abstract: "Writes the model a cell trained as ONNX or safetensors.",
            discussion: """
                NAME is a train.cnn, train.mlp or sweep cell's 'as NAME'; the model is the one that cell \
                trained in the notebook's latest run, read from the cache (nothing is trained: a stale cell \
                is an error). Without -p, the -p values of the latest run are used. ONNX: opset 17, input \
                N×C×H×W Float32 in the data set's scaling, output logits, class names in the metadata. \
                safetensors: every parameter under PyTorch names (layers.0.weight, …).
                """)

        @Argument(help: "The notebook (notebooks/NAME.md).")
        var notebook: String

        @Argument(help: "The result name of the cell that trained the model.")
        var name: String

        @Option(help: "onnx or safetensors.")
        var format: ModelFormat

        @Option(name: .shortAndLong, help: ArgumentHelp("The file to write.", valueName: "file"))
        var output: String

        @OptionGroup var notebookParameters: NotebookParameterOptions

        @OptionGroup var cache: CacheOptions

        func run() throws {
            let (results, _) = try openResults(notebook, parameters: notebookParameters, cache: cache)
            let model = try exporting { try results.model(named: name) }
            let metadata = ["loom_notebook": notebook, "loom_cell": name, "loom_action": model.family]
            let data: Data = switch format {
            case .onnx: try exporting { try ONNXExporter.data(for: model.trained, graphName: name, metadata: metadata) }
            case .safetensors: SafetensorsExporter.data(for: model.trained, metadata: metadata)
            }
            try writeExport(data, to: output)
            print("wrote \(output) (\(format.rawValue), \(model.trained.model.parameterCount) parameters, "
                  + "\(model.trained.classCount) classes)")
        }
    }
}

/// Checks a notebook (with the given -p values, or else those of its latest run) and plans it
/// against the cache, for the exports that read cached results.
func openResults(_ notebook: String, parameters: NotebookParameterOptions,
                 cache options: CacheOptions) throws -> (NotebookResults, [String: String]) {
    let cache = try options.open()
    var overrides = parameters.overrides
    if parameters.parameters.isEmpty {
        overrides = try exporting { try NotebookResults.latestOverrides(notebook: notebook, cache: cache) }
    }
    let checked = try loadAndCheck(notebook, overrides: overrides)
    if report(checked.diagnostics) {
        throw LoomFailure(message: "\(notebook) has errors ('loom check \(notebook)' lists them); nothing was exported.")
    }
    return (NotebookResults(notebook: checked, cache: cache), overrides)
}

/// Runs an export step, turning its errors into messages for the user.
func exporting<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as LoomFailure {
        throw error
    } catch let error as ExportError {
        throw LoomFailure(message: error.description)
    } catch {
        throw LoomFailure(message: "\(error)")
    }
}

/// Writes bytes atomically (a temporary file, then a rename), creating the folder.
func writeExport(_ data: Data, to path: String) throws {
    let directory = (path as NSString).deletingLastPathComponent
    if !directory.isEmpty {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }
    do {
        try data.write(to: URL(fileURLWithPath: path), options: .atomic)
    } catch {
        throw LoomFailure(message: "cannot write '\(path)': \(error.localizedDescription)")
    }
}
