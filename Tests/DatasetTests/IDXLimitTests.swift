import Foundation
import Testing
import _LoomTestSupport

@testable import Dataset

/// Files whose headers claim more than they hold.
@Suite struct IDXLimitTests {
    @Test func aHeaderClaimingABillionImagesIsAnErrorNotAnAllocation() throws {
        let fixtures = DatasetFixtures()
        defer { fixtures.remove() }
        let path = fixtures.write(DatasetFixtures.idxBytes(dimensions: [1_000_000_000, 28, 28], payload: [1, 2, 3]), to: "huge-idx3-ubyte")
        #expect(throws: DatasetError.unexpectedDimensions(path: path, dimensions: [1_000_000_000, 28, 28],
                                                          expected: "a payload of at most 8 GiB")) {
            try IDXArray.read(contentsOf: path, as: .images)
        }
        #expect(DatasetError.unexpectedDimensions(path: "x", dimensions: [1_000_000_000, 28, 28], expected: "a payload of at most 8 GiB")
            .description == "'x' has dimensions [1000000000 x 28 x 28]; expected a payload of at most 8 GiB.")
    }

    @Test func anUncompressedFileMustHoldItsPayloadBeforeAnythingIsAllocated() throws {
        let fixtures = DatasetFixtures()
        defer { fixtures.remove() }
        let path = fixtures.write(DatasetFixtures.idxBytes(dimensions: [3_000_000, 28, 28], payload: [UInt8](repeating: 0, count: 784)),
                                  to: "claims-idx3-ubyte")
        #expect(throws: DatasetError.truncated(path: path, payload: "pixels", expectedBytes: 3_000_000 * 784, foundBytes: 784)) {
            try IDXArray.read(contentsOf: path, as: .images)
        }
    }

    /// A small gzip file claiming 3·10^6 images: memory grows with what inflates, and the
    /// shortfall is reported.
    @Test func aSmallGzipFileClaimingMillionsOfImagesIsTruncated() throws {
        let fixtures = DatasetFixtures()
        defer { fixtures.remove() }
        let path = fixtures.path("claims-idx3-ubyte.gz")
        let real = IDXArray(dimensions: [100, 28, 28], bytes: [UInt8](repeating: 7, count: 100 * 784))
        try real.write(to: path)
        // Rewrite the header inside the gzip stream: the same images, a count of 3,000,000.
        let bytes = DatasetFixtures.idxBytes(dimensions: [3_000_000, 28, 28], payload: real.bytes)
        let raw = fixtures.write(bytes, to: "raw")
        // Compress the tampered bytes as they are (header included) with gzip itself.
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        gzip.arguments = ["sh", "-c", "gzip -c '\(raw)' > '\(path)'"]
        try gzip.run()
        gzip.waitUntilExit()
        try #require(gzip.terminationStatus == 0)
        #expect(throws: DatasetError.truncated(path: path, payload: "pixels", expectedBytes: 3_000_000 * 784,
                                               foundBytes: 100 * 784)) {
            try IDXArray.read(contentsOf: path, as: .images, maximumPayload: IDXArray.defaultMaximumPayload)
        }
    }

    @Test func aDeviceOrAFIFOIsRefusedAtOnce() throws {
        let fixtures = DatasetFixtures()
        defer { fixtures.remove() }
        let fifo = fixtures.path("train-images-idx3-ubyte.gz")
        #expect(mkfifo(fifo, 0o600) == 0)
        #expect(throws: DatasetError.unreadable(path: fifo, reason: "it is a FIFO (named pipe), not a regular file")) {
            try IDXArray.read(contentsOf: fifo, as: .images)
        }
        #expect(throws: DatasetError.unreadable(path: "/dev/zero", reason: "it is a character device, not a regular file")) {
            try IDXArray.read(contentsOf: "/dev/zero", as: .images)
        }
    }
}
