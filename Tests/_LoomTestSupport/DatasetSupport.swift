import Foundation

/// Small IDX fixtures for the Dataset tests, made in a fresh temporary folder.
///
/// The bytes are built by hand (big-endian header, then the payload) so that tests of the
/// reader do not depend on the module's own writer.
public struct DatasetFixtures: Sendable {
    /// The folder that holds this fixture's files; unique per instance.
    public let directory: String

    /// Creates an empty temporary folder.
    public init() {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("loom-dataset-\(UUID().uuidString)").path
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        directory = path
    }

    /// The path of `name` inside ``directory``.
    public func path(_ name: String) -> String {
        directory + "/" + name
    }

    /// Writes `bytes` to `name` in ``directory`` and returns its path.
    @discardableResult
    public func write(_ bytes: [UInt8], to name: String) -> String {
        let file = path(name)
        let created = FileManager.default.createFile(atPath: file, contents: Data(bytes))
        precondition(created, "Could not create the fixture file \(file).")
        return file
    }

    /// The bytes of the file `name` in ``directory``.
    public func read(_ name: String) -> [UInt8] {
        [UInt8](FileManager.default.contents(atPath: path(name)) ?? Data())
    }

    /// Deletes ``directory`` and everything in it.
    public func remove() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// An IDX file's bytes: `0x00 0x00 typeCode dimensions.count`, the big-endian sizes, then
    /// `payload` as it is (it need not match the sizes: that is for the error tests).
    public static func idxBytes(typeCode: UInt8 = 0x08, dimensions: [Int], payload: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = [0, 0, typeCode, UInt8(dimensions.count)]
        for size in dimensions {
            let value = UInt32(size)
            bytes += [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
        }
        return bytes + payload
    }

    /// `count` deterministic pseudo-random bytes from `seed` (a linear congruential sequence).
    public static func bytes(count: Int, seed: UInt64) -> [UInt8] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
    }
}
