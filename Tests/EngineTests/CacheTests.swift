@testable import Engine
import Foundation
import Testing

@Suite struct CacheTests {
    @Test func storesAndReadsCellsAndResults() throws {
        let directory = TemporaryDirectory()
        let cache = try Cache(path: directory.file("loom.sqlite"))
        #expect(try !cache.contains(key: "k"))
        try cache.store(key: "k", action: "number", outputs: [.markdown("hi")],
                        result: (kind: "number", data: NumberValue(4).encoded()), seconds: 1.5, seeds: ["split 42"])
        #expect(try cache.contains(key: "k"))
        let cell = try #require(try cache.cell(key: "k"))
        #expect(cell.outputs == [.markdown("hi")])
        #expect(cell.seconds == 1.5)
        #expect(cell.seeds == ["split 42"])
        #expect(try NumberValue.decoded(from: try #require(try cache.resultData(key: "k"))).value == 4)
        let stats = try cache.statistics()
        #expect(stats.cells == 1 && stats.results == 1)
    }

    @Test func aFileThatIsNotADatabaseIsReportedWithHowToRecover() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("loom.sqlite")
        try Data(repeating: 0x41, count: 4096).write(to: URL(fileURLWithPath: path))
        #expect(throws: CacheError.notADatabase(path: path)) { try Cache(path: path) }
        #expect(CacheError.notADatabase(path: path).description.contains("loom cache clear"))
        // The file is left as it was.
        #expect(FileManager.default.contents(atPath: path) == Data(repeating: 0x41, count: 4096))
    }

    @Test func aForeignDatabaseIsNotTouched() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("other.sqlite")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["sqlite3", path, "CREATE TABLE people(name TEXT);"]
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0)
        #expect(throws: CacheError.foreign(path: path)) { try Cache(path: path) }
    }

    @Test func twoCachesOnOneFileWriteAtOnce() async throws {
        let directory = TemporaryDirectory()
        let path = directory.file("loom.sqlite")
        let first = try Cache(path: path)
        let second = try Cache(path: path)
        await withTaskGroup(of: Void.self) { group in
            for (index, cache) in [first, second].enumerated() {
                group.addTask {
                    for n in 0..<50 {
                        try? cache.store(key: "\(index)-\(n)", action: "a", outputs: [], result: nil, seconds: 0, seeds: [])
                    }
                }
            }
        }
        #expect(try first.statistics().cells == 100)
    }

    @Test func pruneKeepsWhatNotebooksUse() throws {
        let harness = Harness()
        _ = try harness.run(chain)
        _ = try harness.run(chain.replacingOccurrences(of: "value: 10", with: "value: 11"))
        let cache = try Cache(path: harness.cachePath)
        #expect(try cache.statistics().cells == 6)
        #expect(try cache.prune() == 2)
        harness.log.reset()
        _ = try harness.run(chain.replacingOccurrences(of: "value: 10", with: "value: 11"))
        #expect(harness.log.all.isEmpty)
    }

    @Test func cacheKeysIncludeTheFormatAndLoomsVersionForCellsAndSubResultsAlike() {
        let cell = CacheKey.cell(action: "a", version: 1, parameters: "{}", inputs: ["x": ["k1"], "y": ["k2"]], identity: nil)
        let sameCell = CacheKey.cell(action: "a", version: 1, parameters: "{}", inputs: ["y": ["k2"], "x": ["k1"]], identity: nil)
        let sub = CacheKey.subresult(action: "a", version: 1, label: "variant", identity: "{}", inputs: ["x": ["k1"], "y": ["k2"]])
        #expect(cell == sameCell)
        #expect(cell != sub)
        #expect(cell.count == 64 && cell.allSatisfy { $0.isHexDigit })
        #expect(CacheKey.format == 2)
        #expect(!LoomVersion.current.isEmpty)
    }

    @Test func blobsRoundTripAndTruncationIsAnError() throws {
        var writer = BlobWriter()
        writer.write(float32: [1, 2, 3, 4, 5, 6], shape: [2, 3])
        writer.write(uint8: [7, 8], shape: [2])
        writer.write(["a", "b"])
        var reader = BlobReader(writer.data)
        let floats = try reader.readFloat32Array()
        #expect(floats.values == [1, 2, 3, 4, 5, 6] && floats.shape == [2, 3])
        #expect(try reader.readUInt8Array().values == [7, 8])
        #expect(try reader.readStrings() == ["a", "b"])
        #expect(reader.isAtEnd)
        var short = BlobReader(writer.data.prefix(20))
        #expect(throws: BlobError.self) { try short.readFloat32Array() }
    }
}
