import Actions
import Dataset
import Engine
import Figures
import Foundation
import NeuralNet
import Notebook
import TensorCore

/// The fuzz targets: each takes arbitrary bytes and must return (or throw inside) without
/// trapping, hanging or allocating without bound.
///
/// One binary holds all of them; `LOOM_FUZZ_TARGET` picks one (`make fuzz` runs each in turn).
enum FuzzTarget: String, CaseIterable {
    /// The notebook parser, the executed-notebook writer and the HTML export.
    case notebook
    /// A cell body's YAML parameters.
    case yaml
    /// The IDX reader (plain and gzip).
    case idx
    /// The PNG reader.
    case png
    /// The cache's result decoders: datasets, splits, models, checkpoints, tensors, outputs.
    case results

    func run(_ data: Data) {
        switch self {
        case .notebook:
            let text = String(decoding: data, as: UTF8.self)
            let document = NotebookDocument.parse(path: "fuzz.md", text: text)
            var outputs: [Int: CellOutput] = [:]
            for cell in document.cells { outputs[cell.index] = CellOutput(markdown: "out \(cell.index)") }
            let executed = document.executed(outputs: outputs, summary: CellOutput(markdown: "summary"))
            _ = NotebookDocument.parse(path: "fuzz.md", text: executed)
            _ = HTMLPage.render(markdown: text, title: "fuzz", baseDirectory: "/nonexistent")
        case .yaml:
            // A fence longer than any the body could hold keeps the whole input in one cell.
            let fence = String(repeating: "`", count: 64)
            // The first byte picks the action whose declarations check the parameters.
            let names = BuiltInActions.registry.names
            let action = names[Int(data.first ?? 0) % names.count]
            let body = String(decoding: data.dropFirst(), as: UTF8.self)
            let document = NotebookDocument.parse(path: "fuzz.md", text: "\(fence)loom \(action)\n\(body)\n\(fence)\n")
            _ = Checker.check(document, registry: BuiltInActions.registry)
        case .idx:
            let path = FuzzFiles.path(data.starts(with: [0x1F, 0x8B]) ? "fuzz-idx.gz" : "fuzz-idx")
            guard (try? data.write(to: URL(fileURLWithPath: path))) != nil else { return }
            // A small cap keeps the fuzzer's memory limit for real bugs, not for honest large claims.
            _ = try? IDXArray.read(contentsOf: path, as: .any, maximumPayload: 64 << 20)
        case .png:
            _ = try? PNGImage.decode(data)
        case .results:
            guard let selector = data.first else { return }
            let rest = Data(data.dropFirst())
            switch selector % 7 {
            case 0: _ = try? DatasetValue.decoded(from: rest)
            case 1: _ = try? SplitValue.decoded(from: rest)
            case 2: _ = try? ModelValue.decoded(from: rest)
            case 3: _ = try? TrainedModel(serializedBytes: rest)
            case 4: _ = try? TrainingCheckpoint(serializedBytes: rest)
            case 5: _ = try? Tensor(serializedBytes: rest)
            default: _ = try? JSONDecoder().decode([OutputItem].self, from: rest)
            }
        }
    }
}

/// Scratch files for targets that read from a path.
enum FuzzFiles {
    static let directory: String = {
        let path = NSTemporaryDirectory() + "loom-fuzz-\(getpid())"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()

    static func path(_ name: String) -> String { directory + "/" + name }
}

/// The target named by `LOOM_FUZZ_TARGET`.
let selectedTarget: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["LOOM_FUZZ_TARGET"] ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        FileHandle.standardError.write(Data(("loom-fuzz: set LOOM_FUZZ_TARGET to one of "
            + FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ") + "\n").utf8))
        exit(64)
    }
    return target
}()
