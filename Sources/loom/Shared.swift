import ArgumentParser
import Actions
import Engine
import Foundation
import Notebook

/// Where the cache lives; shared by every command that reads it.
struct CacheOptions: ParsableArguments {
    @Option(name: .customLong("cache"), help: ArgumentHelp("The cache database.", valueName: "path"))
    var path = "cache/loom.sqlite"

    func open() throws -> Cache {
        do {
            return try Cache(path: path)
        } catch let error as CacheError {
            throw LoomFailure(message: error.description)
        }
    }
}

/// Notebook parameters from the command line: `-p epochs=10 -p seed=3`.
struct NotebookParameterOptions: ParsableArguments {
    @Option(name: .customShort("p"),
            help: ArgumentHelp("Override a notebook parameter declared in a 'loom params' cell (repeatable).",
                               valueName: "name=value"))
    var parameters: [String] = []

    func validate() throws {
        for parameter in parameters where !parameter.contains("=") || parameter.hasPrefix("=") {
            throw ValidationError("'-p \(parameter)' must be written as NAME=VALUE, for example '-p epochs=10'.")
        }
    }

    var overrides: [String: String] {
        var result: [String: String] = [:]
        for parameter in parameters {
            guard let equals = parameter.firstIndex(of: "=") else { continue }
            result[String(parameter[..<equals])] = String(parameter[parameter.index(after: equals)...])
        }
        return result
    }
}

/// A failure already explained to the user: printed to standard error, exit status 1.
struct LoomFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// Reads, parses and checks a notebook, printing every diagnostic.
///
/// - Returns: the checked notebook, or `nil` (after printing errors) when it has errors.
func loadAndCheck(_ path: String, overrides: [String: String] = [:],
                  registry: ActionRegistry = BuiltInActions.registry) throws -> CheckedNotebook {
    let document: NotebookDocument
    do {
        document = try NotebookDocument.read(path: path)
    } catch {
        throw LoomFailure(message: error.description)
    }
    return Checker.check(document, registry: registry, overrides: overrides)
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// Prints diagnostics to standard error; returns whether there were errors.
@discardableResult
func report(_ diagnostics: [Diagnostic]) -> Bool {
    for diagnostic in diagnostics {
        printError(diagnostic.severity == .warning ? "\(diagnostic) (warning)" : diagnostic.description)
    }
    return diagnostics.contains { $0.severity == .error }
}

/// Checks `--force` selectors against the notebooks; one that picks no cell is a usage error
/// (exit 64) with a suggestion.
func validateForce(_ selectors: [String], in notebooks: [CheckedNotebook]) throws {
    do {
        try ForceSelector.validate(selectors, in: notebooks.map(\.document))
    } catch {
        throw ValidationError(error.description)
    }
}
