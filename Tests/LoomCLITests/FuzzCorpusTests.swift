import Foundation
import Testing

/// Every input in `fuzz/corpus/TARGET` (the seeds, and each crash the fuzzer ever found) goes
/// through its fuzz target again with the plain build: a crash found once stays fixed.
@Suite struct FuzzCorpusTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("fuzz/corpus").path

    static let executable = Loom.executable.deletingLastPathComponent().appendingPathComponent("loom-fuzz")

    @Test(arguments: ["notebook", "yaml", "idx", "png", "results"])
    func theCorpusReplaysWithoutACrash(target: String) throws {
        let directory = Self.corpus + "/" + target
        let count = try FileManager.default.contentsOfDirectory(atPath: directory).count
        #expect(count > 0)
        let process = Process()
        process.executableURL = Self.executable
        process.arguments = [directory]
        process.environment = ["LOOM_FUZZ_TARGET": target]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(output == "loom-fuzz: \(target): replayed \(count) inputs\n")
    }
}
