import Foundation

/// Why a file could not be read or written, in words a user can act on (never Foundation's
/// "The operation could not be completed").
public enum FileProblem {
    /// Why `path` could not be read.
    public static func reading(_ path: String, _ error: any Error) -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return "no such file" }
        if isDirectory.boolValue { return "is a directory, not a file" }
        if !FileManager.default.isReadableFile(atPath: path) { return "cannot read it: permission denied" }
        if let cocoa = error as? CocoaError, [.fileReadInapplicableStringEncoding, .fileReadCorruptFile].contains(cocoa.code) {
            return "not UTF-8 text"
        }
        return "cannot read it" + systemReason(error).map { ": \($0)" }.orEmpty
    }

    /// Why `path` could not be written (or a directory created there).
    public static func writing(_ path: String, _ error: any Error) -> String {
        let parent = (path as NSString).deletingLastPathComponent
        var isDirectory: ObjCBool = false
        if !parent.isEmpty, FileManager.default.fileExists(atPath: parent, isDirectory: &isDirectory), !isDirectory.boolValue {
            return "\(parent) is a file, not a directory"
        }
        if let cocoa = error as? CocoaError {
            switch cocoa.code {
            case .fileWriteNoPermission: return "permission denied"
            case .fileWriteOutOfSpace: return "the disk is full"
            case .fileWriteVolumeReadOnly: return "the file system is read-only"
            case .fileWriteFileExists: return "a file is already there"
            default: break
            }
        }
        return "cannot write it" + systemReason(error).map { ": \($0)" }.orEmpty
    }

    /// `PATH: what went wrong` for a Foundation file error (nil for any other error), the words a
    /// user needs where no caller put the failure in context.
    public static func describe(_ error: any Error) -> String? {
        guard let cocoa = error as? CocoaError else { return nil }
        let path = (cocoa.userInfo[NSFilePathErrorKey] as? String) ?? cocoa.url?.path
        let words: String
        switch cocoa.code {
        case .fileNoSuchFile, .fileReadNoSuchFile: words = "no such file or directory"
        case .fileReadNoPermission, .fileWriteNoPermission: words = "permission denied"
        case .fileReadInapplicableStringEncoding, .fileReadCorruptFile: words = "not UTF-8 text"
        case .fileWriteOutOfSpace: words = "the disk is full"
        case .fileWriteVolumeReadOnly: words = "the file system is read-only"
        case .fileWriteFileExists: words = "a file is already there"
        default: words = systemReason(error).map { "a file operation failed: \($0)" } ?? "a file operation failed"
        }
        return path.map { "\($0): \(words)" } ?? words
    }

    /// The operating system's reason (e.g. "No space left on device"), when the error carries one.
    public static func systemReason(_ error: any Error) -> String? {
        if let posix = error as? POSIXError { return String(cString: strerror(posix.code.rawValue)) }
        let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError
        if let underlying, underlying.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(underlying.code))) }
        return nil
    }
}

extension Optional where Wrapped == String {
    var orEmpty: String { self ?? "" }
}
