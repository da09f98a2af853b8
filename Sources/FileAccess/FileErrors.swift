import Foundation

/// Foundation's file errors in words: `NSCocoaErrorDomain Code=640` becomes "the disk is full".
///
/// Foundation reports a failed write as an `NSError` whose description is a raw domain and
/// code; loom shows one sentence instead, built from the POSIX error underneath when there is one.
public enum FileErrorText {
    /// Why a file operation failed, in a few words (`the disk is full`, `permission denied`).
    public static func reason(_ error: any Error) -> String {
        let error = error as NSError
        if let underlying = error.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return posix(Int32(underlying.code))
        }
        if error.domain == NSPOSIXErrorDomain { return posix(Int32(error.code)) }
        if error.domain == NSCocoaErrorDomain {
            switch error.code {
            case NSFileWriteOutOfSpaceError: return "the disk is full"
            case NSFileWriteVolumeReadOnlyError: return "the file system is read-only"
            case NSFileWriteNoPermissionError, NSFileReadNoPermissionError: return "permission denied"
            case NSFileWriteFileExistsError: return "a file of that name is in the way"
            case NSFileNoSuchFileError, NSFileReadNoSuchFileError: return "a folder on the way does not exist"
            case NSFileWriteInvalidFileNameError, NSFileReadInvalidFileNameError: return "the name is not valid here"
            default: return "the system refused it (error \(error.code))"
            }
        }
        return error.localizedDescription
    }

    static func posix(_ code: Int32) -> String {
        switch code {
        case ENOSPC: return "the disk is full"
        case EROFS: return "the file system is read-only"
        case EACCES, EPERM: return "permission denied"
        case EDQUOT: return "the disk quota is exhausted"
        case ENOTDIR: return "a file is in the way of a folder on the path"
        case EEXIST: return "a file of that name is in the way"
        default: return String(cString: strerror(code))
        }
    }
}
