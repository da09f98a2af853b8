import Engine
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

    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ])
    func sha256MatchesTheStandardVectors(input: String, digest: String) {
        #expect(SHA256.hex(input) == digest)
    }

    @Test func sha256OfAMillionAs() {
        var hasher = SHA256()
        for _ in 0..<1000 { hasher.update(Array(repeating: UInt8(ascii: "a"), count: 1000)) }
        #expect(hasher.finalizeHex() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
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
