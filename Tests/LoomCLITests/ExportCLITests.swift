import Foundation
import Testing
import _LoomTestSupport

extension Project {
    /// Load, split, a tiny CNN trained for `$epochs` epochs, and its evaluation.
    var training: String {
        """
        # Tiny study

        ```loom params
        epochs: 1
        ```

        ```loom load as images
        dataset: \(data.directory)
        ```

        Between the cells.

        ```loom split as parts
        seed: 1
        ```

        ```loom train.cnn as cnn
        layers:
          - conv: {filters: 4, kernel: 3}
          - batchnorm
          - relu
          - maxpool: 2
          - flatten
          - dense: 10
        epochs: $epochs
        batch-size: 32
        ```

        ```loom evaluate
        model: cnn
        mistakes: 4
        ```
        """
    }

    func json(_ arguments: String...) throws -> Any {
        let result = try Loom.run(arguments, in: root)
        #expect(result.status == 0, "\(result.standardError)")
        return try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8))
    }

    /// Runs git in the project; returns its trimmed output.
    @discardableResult
    func git(_ arguments: String...) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-C", root, "-c", "user.name=loom", "-c", "user.email=loom@example.org"] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// Lines of a plain-text table, with runs of spaces squeezed to one, for comparing rows.
func squeezed(_ text: String) -> [String] {
    text.split(separator: "\n").map { line in
        line.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
    }
}

@Suite struct RunsCLITests {
    @Test func runsAreRecordedAndDiffedAcrossParameterValues() throws {
        let project = try Project()
        try project.write("notebooks/t.md", project.training)
        try project.git("init", "-q")
        try project.git("add", "notebooks/t.md")
        try project.git("commit", "-q", "-m", "notebook")
        for epochs in ["1", "2", "2"] {
            let run = try project.loom("run", "-q", "-p", "epochs=\(epochs)", "notebooks/t.md")
            #expect(run.status == 0, "\(run.standardError)")
        }
        let runs = try #require(try project.json("runs", "notebooks/t.md", "--json") as? [[String: Any]])
        #expect(runs.map { $0["id"] as? Int } == [3, 2, 1])
        let parameters = runs.map { ($0["parameters"] as? [[String: Any]])?.first?["value"] as? String }
        #expect(parameters == ["2", "2", "1"])
        #expect((runs[0]["parameters"] as? [[String: Any]])?.first?["overridden"] as? Bool == true)
        func cells(_ run: [String: Any]) -> [[String: Any]] { run["cells"] as? [[String: Any]] ?? [] }
        #expect(cells(runs[1]).map { $0["status"] as? String } == ["ran", "cached", "cached", "ran", "ran"])
        #expect(cells(runs[0]).map { $0["status"] as? String } == ["cached", "cached", "cached", "cached", "cached"])
        func facts(_ run: [String: Any], cell: Int) -> [String: Double] {
            let list = cells(run)[cell]["facts"] as? [[String: Any]] ?? []
            return Dictionary(uniqueKeysWithValues: list.compactMap { fact in
                (fact["name"] as? String).flatMap { name in (fact["value"] as? Double).map { (name, $0) } }
            })
        }
        #expect(Set(facts(runs[0], cell: 3).keys.filter { !$0.contains(".") }) == [
            "epochs", "seconds", "best-validation-accuracy", "parameters", "best-epoch", "seconds-per-epoch",
            "images-per-second", "final-validation-accuracy", "final-train-loss", "final-learning-rate",
            "final-validation-loss", "final-train-accuracy", "fastest-epoch-seconds", "slowest-epoch-seconds",
            "lowest-images-per-second", "highest-images-per-second",
            "kept-epoch", "kept-validation-accuracy", "kept-validation-macro-f1"])
        // The curves, one fact per epoch and curve.
        let curves = facts(runs[0], cell: 3).keys.filter { $0.contains(".") }
        #expect(Set(curves.map { String($0.prefix { $0 != "." }) }) == [
            "validation-accuracy", "validation-loss", "validation-macro-f1", "train-accuracy", "train-loss", "learning-rate"])
        #expect(curves.count == 2 * 6)
        // The most confused pair's count is there only when the model makes a mistake.
        #expect(Set(facts(runs[0], cell: 4).keys.filter { !$0.contains(".") }).subtracting(["most-confused-count", "shown-mistakes-lowest-confidence"])
                == ["accuracy", "macro-f1", "weighted-f1", "log-loss", "mistakes", "images", "accuracy-low",
                    "accuracy-high", "accuracy-margin", "ece", "mce", "macro-auc", "weakest-f1", "strongest-f1", "shown-mistakes"])
        #expect(facts(runs[0], cell: 4).keys.filter { $0.hasPrefix("recall.") }.count == 10)
        #expect(facts(runs[0], cell: 3)["epochs"] == 2 && facts(runs[2], cell: 3)["epochs"] == 1)
        // The cached run's facts are the ones stored with the cells.
        #expect(facts(runs[0], cell: 3) == facts(runs[1], cell: 3))
        #expect(facts(runs[0], cell: 4) == facts(runs[1], cell: 4))
        let head = try project.git("rev-parse", "HEAD")
        #expect(head.count == 40)
        #expect(runs.allSatisfy { $0["gitCommit"] as? String == head && $0["gitDirty"] as? Bool == false })

        let listing = try project.loom("runs", "notebooks/t.md")
        let rows = squeezed(listing.standardOutput)
        let header = rows.first ?? ""
        #expect(header == "run started notebook commit parameters ran cached failed skipped seconds images.images parts.train "
                + "cnn.epochs evaluate (cell 5).accuracy images.classes parts.validation cnn.seconds evaluate (cell 5).macro-f1",
                "\(header)")
        #expect(rows.count == 5)
        #expect(rows[2].contains("notebooks/t.md \(head.prefix(7)) epochs=2 (-p) 0 5 0 0"))

        let diff = try project.loom("diff", "notebooks/t.md", "1", "2")
        #expect(diff.status == 0, "\(diff.standardError)")
        let lines = squeezed(diff.standardOutput)
        #expect(lines.contains("Parameters that changed:"))
        #expect(lines.contains("epochs 1 2"))
        #expect(lines.contains { $0.hasPrefix("cnn train.cnn ran its parameters or inputs changed") })
        #expect(lines.contains { $0.hasPrefix("evaluate (cell 5) evaluate ran its parameters or inputs changed") })
        // The split did not run again; its facts are listed unchanged.
        #expect(!lines.contains { $0.hasPrefix("parts split") })
        #expect(lines.contains { $0.hasPrefix("parts train ") && $0.hasSuffix(" ±0") })
        #expect(lines.contains("cnn epochs 1 2 +1"))
        #expect(lines.contains { $0.hasPrefix("evaluate (cell 5) accuracy ") && $0.hasSuffix(" pt") })

        let latest = try project.loom("diff", "notebooks/t.md")
        #expect(latest.standardOutput.contains("Parameters: the same."))
        #expect(latest.standardOutput.contains("Cells that ran again: none (run 3 came from the cache)."))
        #expect(squeezed(latest.standardOutput).contains("cnn epochs 2 2 ±0"))

        let missing = try project.loom("diff", "notebooks/t.md", "1", "9")
        #expect(missing.status == 1)
        #expect(missing.standardError.contains("there is no run 9 in cache/loom.sqlite ('loom runs' lists them)."))
        try project.write("notebooks/u.md", project.quickstart)
        let single = try project.loom("diff", "notebooks/u.md")
        #expect(single.standardError.contains("notebooks/u.md has no recorded runs; 'loom diff' needs two (run the notebook again)."))
        #expect(try project.loom("run", "-q", "notebooks/u.md").status == 0)
        let other = try project.loom("diff", "notebooks/t.md", "1", "4")
        #expect(other.standardError.contains("run 4 is a run of notebooks/u.md, not of notebooks/t.md."))
        let usage = try project.loom("diff", "1", "notebooks/t.md")
        #expect(usage.status == 64)
        #expect(usage.standardError.contains("Give a notebook, two run ids, or a notebook and two run ids (as 'loom runs' lists them)."))
        let none = try project.loom("runs", "notebooks/none.md")
        #expect(none.standardOutput == "notebooks/none.md has no recorded runs in cache/loom.sqlite.\n")
        let negative = try project.loom("cache", "prune", "--keep-runs=-1")
        #expect(negative.status == 64)
        #expect(negative.standardError.contains("'--keep-runs' must be 0 or more, not -1."))

        // Edited after the commit: the run says so.
        try project.write("notebooks/t.md", project.training + "\nMore prose.\n")
        #expect(try project.loom("run", "-q", "-p", "epochs=2", "notebooks/t.md").status == 0)
        let edited = try #require(try project.json("runs", "notebooks/t.md", "--json", "--limit", "1") as? [[String: Any]])
        #expect(edited.first?["gitDirty"] as? Bool == true)

        let prune = try project.loom("cache", "prune", "--keep-runs", "1")
        #expect(prune.standardOutput.contains(" cells and 3 runs; "), "\(prune.standardOutput)")
        #expect((try project.json("runs", "--json") as? [[String: Any]])?.map { $0["id"] as? Int } == [5, 4])
    }
}

@Suite struct ExportCLITests {
    /// A project whose notebook ran with `-p epochs=2`.
    func trainedProject() throws -> Project {
        let project = try Project()
        try project.write("notebooks/t.md", project.training)
        let run = try project.loom("run", "-q", "-p", "epochs=2", "notebooks/t.md")
        #expect(run.status == 0, "\(run.standardError)")
        return project
    }

    @Test func modelsFromTheLatestRunAndEveryErrorOfTheLookup() throws {
        let project = try trainedProject()
        // Without -p the latest run's values are used, so the model is found.
        let onnx = try project.loom("export", "model", "notebooks/t.md", "cnn", "--format", "onnx", "-o", "m/cnn.onnx")
        #expect(onnx.status == 0, "\(onnx.standardError)")
        #expect(onnx.standardOutput == "wrote m/cnn.onnx (onnx, 1498 parameters, 10 classes)\n")
        let safetensors = try project.loom("export", "model", "notebooks/t.md", "cnn", "--format", "safetensors",
                                           "-o", "m/cnn.safetensors")
        #expect(safetensors.status == 0, "\(safetensors.standardError)")
        if PythonTools.available {
            let check = try PythonTools.json(script: """
                import json, sys, onnxruntime as ort
                from safetensors.numpy import load_file
                s = ort.InferenceSession(sys.argv[1], providers=["CPUExecutionProvider"])
                i = s.get_inputs()[0]
                print(json.dumps({"input": [i.name] + [str(d) for d in i.shape],
                                  "classes": len(json.loads(s.get_modelmeta().custom_metadata_map["class_names"])),
                                  "tensors": sorted(load_file(sys.argv[2]))}))
                """, arguments: [project.root + "/m/cnn.onnx", project.root + "/m/cnn.safetensors"]) as? [String: Any]
            #expect(check?["input"] as? [String] == ["input", "N", "1", "12", "12"])
            #expect(check?["classes"] as? Int == 10)
            #expect(check?["tensors"] as? [String] == ["layers.0.bias", "layers.0.weight", "layers.1.bias", "layers.1.running_mean",
                                                       "layers.1.running_var", "layers.1.weight", "layers.5.bias", "layers.5.weight"])
        }

        func failure(_ arguments: String...) throws -> String {
            let result = try Loom.run(arguments, in: project.root)
            #expect(result.status == 1, "\(arguments)")
            return result.standardError
        }
        #expect(try failure("export", "model", "notebooks/t.md", "cn", "--format", "onnx", "-o", "x.onnx").contains(
            "notebooks/t.md: there is no cell named 'cn'; did you mean 'cnn'? (named cells: images, parts, cnn)."))
        #expect(try failure("export", "model", "notebooks/t.md", "parts", "--format", "onnx", "-o", "x.onnx").contains(
            "notebooks/t.md: cell 'parts' (split) makes no model; cells that make one: cnn."))
        #expect(try failure("export", "model", "notebooks/t.md", "cnn", "-p", "epochs=3", "--format", "onnx", "-o", "x.onnx").contains(
            "notebooks/t.md: cell 4 'cnn' (train.cnn) is not in the cache for the notebook as it is now (parameters changed); "
                + "run 'loom run notebooks/t.md' first, with the same -p values as the export."))
        try project.write("notebooks/n.md", project.training)
        #expect(try failure("export", "model", "notebooks/n.md", "cnn", "--format", "safetensors", "-o", "x.st").contains(
            "notebooks/n.md has not been run with the cache cache/loom.sqlite; run 'loom run notebooks/n.md' first."))
        #expect(try failure("export", "npy", "notebooks/t.md", "cnn", "-o", "arrays").contains(
            "notebooks/t.md: cell 'cnn' (train.cnn) makes no dataset or split; cells that make one: images, parts."))
        #expect(try failure("export", "npy", "notebooks/t.md", "images", "--part", "test", "-o", "arrays").contains(
            "notebooks/t.md: 'images' is a dataset, not a split, so it has no 'test' part; leave out --part or name a split cell."))
        #expect(!FileManager.default.fileExists(atPath: project.root + "/x.onnx"))
    }

    @Test func tablesAndArraysOut() throws {
        let project = try trainedProject()
        let csv = try project.loom("export", "csv", "outputs/t.md", "--cell", "5", "-o", "ev.csv")
        #expect(csv.status == 0, "\(csv.standardError)")
        #expect(csv.standardError.contains("note: cell 5 has 4 tables; this is the first ('--table 2' for the next)."))
        let text = try #require(project.read("ev.csv"))
        #expect(text.hasPrefix("metric,value\r\naccuracy,0."))
        #expect(text.hasSuffix("\r\nimages,30\r\n"))
        let parts = try project.loom("export", "csv", "outputs/t.md", "--cell", "parts")
        #expect(parts.standardOutput.hasPrefix("class,train,validation,test,total\r\n"))
        #expect(parts.standardOutput.contains("\r\ntotal,240,30,30,300\r\n"))
        let noTable = try project.loom("export", "csv", "outputs/t.md", "--cell", "parts", "--table", "5")
        #expect(noTable.standardError.contains("outputs/t.md: cell 3 has 1 table, so there is no table 5."))
        let source = try project.loom("export", "csv", "notebooks/t.md", "--cell", "1")
        #expect(source.standardError.contains(
            "notebooks/t.md has no loom outputs; export an executed notebook (outputs/NAME.md, written by 'loom run')."))

        let npy = try project.loom("export", "npy", "notebooks/t.md", "parts", "-o", "arrays")
        #expect(npy.status == 0, "\(npy.standardError)")
        #expect(npy.standardOutput.contains("wrote train-images.npy, train-labels.npy, validation-images.npy"))
        let test = try project.loom("export", "npy", "notebooks/t.md", "parts", "--part", "test", "-o", "test")
        #expect(test.status == 0, "\(test.standardError)")
        #expect(project.read("test/classes.txt")?.hasPrefix("T-shirt/top\nTrouser\n") == true)
        if PythonTools.available {
            let arrays = try PythonTools.json(script: """
                import json, sys, numpy as np
                d = sys.argv[1]
                out = {}
                for name in ["train", "validation", "test"]:
                    x, y = np.load(f"{d}/arrays/{name}-images.npy"), np.load(f"{d}/arrays/{name}-labels.npy")
                    out[name] = [list(x.shape), str(x.dtype), str(y.dtype), len(y), float(x.min()), float(x.max())]
                t = np.load(f"{d}/test/images.npy")
                out["same"] = bool((t == np.load(f"{d}/arrays/test-images.npy")).all())
                print(json.dumps(out))
                """, arguments: [project.root]) as? [String: Any]
            let train = arrays?["train"] as? [Any]
            #expect(train?[0] as? [Int] == [240, 1, 12, 12])
            #expect(train?[1] as? String == "float32" && train?[2] as? String == "int64")
            #expect((train?[4] as? Double ?? -1) >= 0 && (train?[5] as? Double ?? 2) <= 1)
            #expect((arrays?["test"] as? [Any])?[3] as? Int == 30)
            #expect(arrays?["same"] as? Bool == true)
        }
    }

    /// The .ipynb is valid per nbformat's schema, with prose, YAML cells and their outputs.
    @Test(.enabled(if: PythonTools.available, Comment(rawValue: PythonTools.missing)))
    func notebooksOutValidateWithNbformat() throws {
        let project = try trainedProject()
        for assets in [false, true] {
            if assets { #expect(try project.loom("run", "-q", "--assets", "-p", "epochs=2", "notebooks/t.md").status == 0) }
            let export = try project.loom("export", "ipynb", "outputs/t.md", "-o", "t.ipynb")
            #expect(export.status == 0, "\(export.standardError)")
            let summary = try PythonTools.json(script: """
                import json, sys, nbformat
                nb = nbformat.read(sys.argv[1], as_version=4)
                nbformat.validate(nb)
                cells = [{"type": c.cell_type, "loom": c.metadata.get("loom", {}),
                          "outputs": [sorted(o.get("data", {})) for o in c.get("outputs", [])],
                          "source": c.source} for c in nb.cells]
                print(json.dumps({"major": nb.nbformat, "language": nb.metadata.language_info.name, "cells": cells}))
                """, arguments: [project.root + "/t.ipynb"]) as? [String: Any]
            #expect(summary?["major"] as? Int == 4)
            #expect(summary?["language"] as? String == "yaml")
            let cells = summary?["cells"] as? [[String: Any]] ?? []
            #expect(cells.map { $0["type"] as? String } == ["markdown", "code", "code", "markdown", "code", "code", "code", "markdown"])
            #expect(cells.first?["source"] as? String == "# Tiny study")
            #expect(cells[3]["source"] as? String == "Between the cells.")
            #expect((cells[7]["source"] as? String)?.contains("Run summary") == true)
            let train = cells[5]
            #expect((train["source"] as? String)?.hasPrefix("# loom train.cnn as cnn\nlayers:\n  - conv: {filters: 4, kernel: 3}") == true)
            let loom = train["loom"] as? [String: Any]
            #expect(loom?["action"] as? String == "train.cnn" && loom?["name"] as? String == "cnn")
            #expect(loom?["status"] as? String == (assets ? "cached" : "ran") && loom?["cell"] as? Int == 4)
            let outputs = train["outputs"] as? [[String]] ?? []
            #expect(outputs.contains(["image/png", "text/plain"]), "assets: \(assets)")
            #expect(outputs.first == ["text/html", "text/markdown", "text/plain"])
        }
        let source = try project.loom("export", "ipynb", "notebooks/t.md")
        #expect(source.status == 1)
        #expect(source.standardError.contains("notebooks/t.md has no loom outputs"))
    }
}
