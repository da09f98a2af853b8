import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a file that loom wants to read was not read.
public enum FileAccessError: Error, Equatable, Sendable, CustomStringConvertible, LocalizedError {
    /// Nothing exists at the path.
    case missing(path: String)
    /// The path names a folder, a device, a FIFO or a socket, not a regular file.
    case notRegularFile(path: String, kind: String)
    /// The file is larger than what loom reads for this purpose.
    case tooLarge(path: String, size: Int, limit: Int)
    /// The system refused to open or read it.
    case unreadable(path: String, reason: String)

    public var description: String {
        switch self {
        case .missing(let path):
            return "'\(path)' does not exist."
        case let .notRegularFile(path, kind):
            return "'\(path)' is \(kind), not a regular file; loom reads only regular files, so give the path of a file."
        case let .tooLarge(path, size, limit):
            return "'\(path)' is \(size) bytes, more than the \(limit) bytes loom reads for it; check that it is the right file."
        case let .unreadable(path, reason):
            return "'\(path)' cannot be read: \(reason)."
        }
    }

    public var errorDescription: String? { description }
}

/// Reading files safely: only regular files, never more than a limit, never blocking on a FIFO.
///
/// A device such as `/dev/zero` or a named pipe among the data files (or given as a notebook)
/// would make a plain read wait or run forever; every file loom reads goes through here (or
/// through ``check(atPath:)`` before a library opens it), so such a path is an error naming it.
public enum RegularFile {
    /// What is at `path` in words (`a folder`, `a FIFO`), or `nil` for a regular file.
    ///
    /// - Throws: ``FileAccessError/missing(path:)`` when nothing is there.
    public static func kind(atPath path: String) throws(FileAccessError) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else {
            if errno == ENOENT || errno == ENOTDIR { throw .missing(path: path) }
            throw .unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        return describe(mode: info.st_mode)
    }

    /// Checks that `path` is a regular file (following links); returns its size.
    @discardableResult
    public static func check(atPath path: String) throws(FileAccessError) -> Int {
        var info = stat()
        guard stat(path, &info) == 0 else {
            if errno == ENOENT || errno == ENOTDIR { throw .missing(path: path) }
            throw .unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        if let kind = describe(mode: info.st_mode) { throw .notRegularFile(path: path, kind: kind) }
        return Int(info.st_size)
    }

    /// Opens a regular file for reading without blocking (a FIFO is refused, not waited on).
    ///
    /// - Returns: an open descriptor the caller closes, and the file's size.
    public static func open(atPath path: String) throws(FileAccessError) -> (descriptor: Int32, size: Int) {
        let descriptor = Foundation.open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else {
            if errno == ENOENT || errno == ENOTDIR { throw .missing(path: path) }
            if errno == EISDIR { throw .notRegularFile(path: path, kind: "a folder") }
            throw .unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            throw .unreadable(path: path, reason: reason)
        }
        if let kind = describe(mode: info.st_mode) {
            close(descriptor)
            throw .notRegularFile(path: path, kind: kind)
        }
        // Back to blocking reads for a regular file.
        let flags = fcntl(descriptor, F_GETFL)
        if flags >= 0 { _ = fcntl(descriptor, F_SETFL, flags & ~O_NONBLOCK) }
        return (descriptor, Int(info.st_size))
    }

    /// The whole file, if it is a regular file of at most `limit` bytes.
    public static func read(atPath path: String, limit: Int) throws(FileAccessError) -> Data {
        let (descriptor, size) = try open(atPath: path)
        defer { close(descriptor) }
        guard size <= limit else { throw .tooLarge(path: path, size: size, limit: limit) }
        var data = Data(count: size)
        var total = 0
        var failure: String?
        data.withUnsafeMutableBytes { buffer in
            while total < size {
                let count = Foundation.read(descriptor, buffer.baseAddress! + total, size - total)
                if count < 0 {
                    if errno == EINTR { continue }
                    failure = String(cString: strerror(errno))
                    return
                }
                if count == 0 { break }
                total += count
            }
        }
        if let failure { throw .unreadable(path: path, reason: failure) }
        // A file that shrank while being read: keep what is there.
        if total < size { data.removeSubrange(total...) }
        return data
    }

    static func describe(mode: mode_t) -> String? {
        switch mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFDIR: return "a folder"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFIFO: return "a FIFO (named pipe)"
        case S_IFSOCK: return "a socket"
        default: return "not a file"
        }
    }
}
