import FileAccess
import Foundation
import Testing

@Suite struct RegularFileTests {
    static func scratch() throws -> String {
        let path = NSTemporaryDirectory() + "loom-files-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func readsARegularFile() throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Data("hello".utf8).write(to: URL(fileURLWithPath: directory + "/a.txt"))
        #expect(try RegularFile.read(atPath: directory + "/a.txt", limit: 10) == Data("hello".utf8))
        #expect(try RegularFile.check(atPath: directory + "/a.txt") == 5)
    }

    @Test func refusesEverythingElseAtOnce() throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let fifo = directory + "/pipe"
        #expect(mkfifo(fifo, 0o600) == 0)
        // Nothing writes to the FIFO: a blocking open would wait here forever.
        #expect(throws: FileAccessError.notRegularFile(path: fifo, kind: "a FIFO (named pipe)")) {
            try RegularFile.read(atPath: fifo, limit: 10)
        }
        #expect(throws: FileAccessError.notRegularFile(path: "/dev/zero", kind: "a character device")) {
            try RegularFile.read(atPath: "/dev/zero", limit: 10)
        }
        #expect(throws: FileAccessError.notRegularFile(path: directory, kind: "a folder")) {
            try RegularFile.read(atPath: directory, limit: 10)
        }
        #expect(throws: FileAccessError.missing(path: directory + "/none")) {
            try RegularFile.read(atPath: directory + "/none", limit: 10)
        }
        try Data(count: 11).write(to: URL(fileURLWithPath: directory + "/big"))
        #expect(throws: FileAccessError.tooLarge(path: directory + "/big", size: 11, limit: 10)) {
            try RegularFile.read(atPath: directory + "/big", limit: 10)
        }
    }

    @Test(arguments: [
        (FileAccessError.notRegularFile(path: "/dev/zero", kind: "a character device"),
         "'/dev/zero' is a character device, not a regular file; loom reads only regular files, so give the path of a file."),
        (.tooLarge(path: "x.png", size: 11, limit: 10),
         "'x.png' is 11 bytes, more than the 10 bytes loom reads for it; check that it is the right file."),
        (.missing(path: "x"), "'x' does not exist."),
    ])
    func messages(error: FileAccessError, text: String) {
        #expect(error.description == text)
    }
}

@Suite struct FileErrorTextTests {
    /// Foundation's raw `NSCocoaErrorDomain Code=…` errors become a few words.
    @Test(arguments: [
        (NSError(domain: NSCocoaErrorDomain, code: 640), "the disk is full"),
        (NSError(domain: NSCocoaErrorDomain, code: 642), "the file system is read-only"),
        (NSError(domain: NSCocoaErrorDomain, code: 512,
                 userInfo: [NSUnderlyingErrorKey: NSError(domain: NSPOSIXErrorDomain, code: Int(ENOSPC))]), "the disk is full"),
        (NSError(domain: NSCocoaErrorDomain, code: 512,
                 userInfo: [NSUnderlyingErrorKey: NSError(domain: NSPOSIXErrorDomain, code: Int(ENOTDIR))]),
         "a file is in the way of a folder on the path"),
        (NSError(domain: NSCocoaErrorDomain, code: 512), "the system refused it (error 512)"),
        (NSError(domain: NSCocoaErrorDomain, code: 513), "permission denied"),
    ])
    func reasons(error: NSError, text: String) {
        #expect(FileErrorText.reason(error) == text)
    }

    @Test func aRealFailureIsDescribed() throws {
        let directory = try RegularFileTests.scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Data().write(to: URL(fileURLWithPath: directory + "/file"))
        do {
            try FileManager.default.createDirectory(atPath: directory + "/file/sub", withIntermediateDirectories: true)
            Issue.record("a folder inside a file was created")
        } catch {
            #expect(!FileErrorText.reason(error).contains("NSCocoaErrorDomain"))
            #expect(!FileErrorText.reason(error).contains("Code="))
        }
    }
}
