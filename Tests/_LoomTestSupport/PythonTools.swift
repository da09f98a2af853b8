import Foundation

/// The Python tools the export tests check against: `.venv-test` (onnxruntime, safetensors,
/// nbformat, numpy), which `./setup.sh --no-build --test` creates. Tests that need it are skipped,
/// with this reason, when it is absent.
public enum PythonTools {
    /// The repository root (three levels above this file).
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    public static let python = root + "/.venv-test/bin/python"

    public static var available: Bool { FileManager.default.isExecutableFile(atPath: python) }

    public static let missing = "needs .venv-test with onnxruntime, safetensors, nbformat and numpy ('./setup.sh --no-build --test' creates it)"

    /// benchmarks/.venv's Python when it has PyTorch and safetensors (the README's PyTorch snippet
    /// runs there; `make bench` installs both).
    public static var torchPython: String? {
        let candidate = root + "/benchmarks/.venv/bin/python"
        guard FileManager.default.isExecutableFile(atPath: candidate),
              (try? run(candidate, script: "import torch, safetensors, numpy")).map({ $0.status == 0 }) == true else { return nil }
        return candidate
    }

    public struct Result: Sendable {
        public var status: Int32
        public var output: String
        public var error: String
    }

    /// Runs a Python script with arguments; returns its status and outputs.
    public static func run(_ interpreter: String = python, script: String, arguments: [String] = []) throws -> Result {
        let output = try runProcess(URL(fileURLWithPath: interpreter), arguments: ["-c", script] + arguments)
        return Result(status: output.status, output: output.standardOutput, error: output.standardError)
    }

    /// Runs a script that prints one JSON value; returns it decoded.
    public static func json(_ interpreter: String = python, script: String, arguments: [String] = []) throws -> Any {
        let result = try run(interpreter, script: script, arguments: arguments)
        guard result.status == 0 else { throw ScriptFailure(message: result.error) }
        return try JSONSerialization.jsonObject(with: Data(result.output.utf8), options: [.fragmentsAllowed])
    }

    public struct ScriptFailure: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
        public init(message: String) { self.message = message }
    }
}
