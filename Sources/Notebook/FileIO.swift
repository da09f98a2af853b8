import FileAccess

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a text file atomically: readers see the old file or the new one, never a part.
///
/// The text goes to a temporary file in the same directory (so the rename cannot cross
/// file systems), which is flushed to disk with `fsync` and then renamed over `path`
/// (`rename(2)` replaces atomically); the directory is synced too, so the rename itself
/// survives a crash. A file that already exists keeps its permissions; a new one gets
/// `0644` less the umask. On failure the temporary file is removed and `path` is untouched.
///
/// ```swift
/// try writeAtomically(executed, to: "outputs/cnn.md")
/// ```
///
/// - Parameters:
///   - text: The file's new content, written as UTF-8.
///   - path: The file to replace or create. Its directory must exist.
/// - Throws: ``NotebookError/cannotWrite(path:reason:)`` with the system's reason.
public func writeAtomically(_ text: String, to path: String) throws(NotebookError) {
    let (directory, name) = splitDirectory(path)
    let temporary = directory + "/.\(name).loom-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).tmp"

    func failure(_ what: String) -> NotebookError {
        .cannotWrite(path: path, reason: "\(what) (\(String(cString: strerror(errno))))")
    }

    var mode: mode_t = 0o644
    var existing = stat()
    if stat(path, &existing) == 0 { mode = existing.st_mode & 0o7777 }
    let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
    guard descriptor >= 0 else { throw failure("cannot create a temporary file in '\(directory)'") }
    var closed = false
    defer {
        if !closed { close(descriptor) }
    }
    do throws(NotebookError) {
        if existing.st_mode != 0 { fchmod(descriptor, mode) }
        var bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeMutableBytes { buffer in
                write(descriptor, buffer.baseAddress! + written, buffer.count - written)
            }
            if result < 0 {
                if errno == EINTR { continue }
                throw failure("cannot write the temporary file")
            }
            written += result
        }
        bytes.removeAll()
        guard fsync(descriptor) == 0 else { throw failure("cannot flush the temporary file") }
        closed = true
        guard close(descriptor) == 0 else { throw failure("cannot close the temporary file") }
        guard rename(temporary, path) == 0 else { throw failure("cannot rename the temporary file") }
    } catch {
        unlink(temporary)
        throw error
    }
    // Make the rename durable; a directory that cannot be synced is not an error.
    let directoryDescriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    if directoryDescriptor >= 0 {
        fsync(directoryDescriptor)
        close(directoryDescriptor)
    }
}

/// Splits a path into its directory (`.` for a bare name, `/` for the root) and its name.
///
/// - Parameter path: A file path.
/// - Returns: The directory, without a trailing slash except for the root, and the name.
func splitDirectory(_ path: String) -> (directory: String, name: String) {
    guard let slash = path.lastIndex(of: "/") else { return (".", path) }
    let directory = String(path[..<slash])
    return (directory.isEmpty ? "/" : directory, String(path[path.index(after: slash)...]))
}

/// The largest notebook loom reads (a notebook with embedded figures is a few megabytes).
let notebookSizeLimit = 256 << 20

/// Reads a whole notebook file: a regular file only (a FIFO or `/dev/zero` is refused at once,
/// never waited on), of at most ``notebookSizeLimit`` bytes.
///
/// - Parameter path: The file.
/// - Returns: Its bytes.
/// - Throws: ``NotebookError/cannotRead(path:reason:)`` saying what is wrong.
func readFile(atPath path: String) throws(NotebookError) -> [UInt8] {
    do {
        return [UInt8](try RegularFile.read(atPath: path, limit: notebookSizeLimit))
    } catch {
        switch error {
        case .missing: throw .cannotRead(path: path, reason: "no such file")
        case .notRegularFile(_, let kind): throw .cannotRead(path: path, reason: "it is \(kind), not a notebook file")
        case let .tooLarge(_, size, limit):
            throw .cannotRead(path: path, reason: "it is \(size) bytes, more than a notebook's limit of \(limit)")
        case .unreadable(_, let reason): throw .cannotRead(path: path, reason: reason)
        }
    }
}
