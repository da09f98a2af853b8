import Foundation
import Testing

@Suite struct TrustCLITests {
    @Test(arguments: [
        ("splt", "Error: --force 'splt' matches no cell of notebooks/q.md (its cells are 1–2, or a result name or action); did you mean 'split'?"),
        ("99", "Error: --force '99' matches no cell of notebooks/q.md (its cells are 1–2, or a result name or action)"),
        ("", "Error: --force needs a cell: its number, its result name or its action (for example --force 3 or --force cnn)."),
    ])
    func forceOfNothingIsAUsageError(selector: String, message: String) throws {
        let project = try Project()
        try project.write("notebooks/q.md", project.quickstart)
        for command in ["run", "plan"] {
            let result = try project.loom(command, "--force", selector, "notebooks/q.md")
            #expect(result.status == 64, "\(result.standardError)")
            #expect(result.standardError.contains(message), "\(result.standardError)")
        }
        #expect(project.read("outputs/q.md") == nil)
    }

    @Test func splitFactsShowInProseAndActionsListsThem() throws {
        let project = try Project()
        try project.write("notebooks/q.md", project.quickstart.replacingOccurrences(of: "```loom split", with: "```loom split as parts")
                          + "\n\nThe train part holds `{loom} parts.train:,` images of `{loom} parts.images`.\n")
        let run = try project.loom("run", "notebooks/q.md")
        #expect(run.status == 0, "\(run.standardError)")
        let executed = try #require(project.read("outputs/q.md"))
        let sentence = try #require(executed.split(separator: "\n").first { $0.hasPrefix("The train part holds ") })
        let numbers = sentence.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        #expect(numbers.count == 2 && numbers[0] == Int((Double(numbers[1]) * 0.8).rounded()) && numbers[1] > 0,
                "\(sentence)")
        #expect(!executed.contains("{loom}"))
        #expect(executed.contains("computed="))
        #expect(executed.contains(" on=\""))

        let help = try project.loom("actions", "evaluate")
        #expect(help.standardOutput.contains("FACTS (show one in prose as `{loom} NAME.FACT`"))
        #expect(help.standardOutput.contains("  accuracy: percentage — The share of images classified correctly."))
        #expect(help.standardOutput.contains("  recall.CLASS: percentage — The recall of one class, e.g. recall.Shirt."))
        #expect(try project.loom("actions", "train.cnn").standardOutput.contains("  final-learning-rate: number"))
    }

    @Test func checkReportsAnUnknownFactWhereItIsWritten() throws {
        let project = try Project()
        try project.write("notebooks/q.md", project.quickstart.replacingOccurrences(of: "```loom split", with: "```loom split as parts")
                          + "\n\nSee `{loom} parts.tran`.\n")
        let check = try project.loom("check", "notebooks/q.md")
        #expect(check.status != 0)
        #expect(check.standardError.contains(
            "notebooks/q.md:16:5: 'split' (cell 2, line 9) publishes no fact 'tran'; did you mean 'train'?"),
                "\(check.standardError)")
    }
}
