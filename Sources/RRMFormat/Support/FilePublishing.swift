import Foundation

/// Putting a finished file in place under its final name, so that nobody sees it half-written
/// and, unless asked to replace, nothing already there is overwritten, even by a command racing
/// for the same name: the file is written under a temporary name beside the final one, then
/// linked to it with link(2), which fails when the name exists (a dangling symbolic link
/// included), or, when replacing, renamed over it.
package enum FilePublishing {
    /// A temporary name in the folder of `path` (so that link and rename stay on one file system),
    /// hidden and unique: `.NAME.partial-UUID`.
    package static func temporaryPath(beside path: String) -> String {
        let url = URL(fileURLWithPath: path)
        return url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).partial-\(UUID().uuidString)").path
    }

    /// Gives the finished file at `temporary` the name `path` and removes the temporary name;
    /// then syncs the folder, so that the new name survives a power loss.
    /// - Returns: `nil` when done, else the errno of the failure: `EEXIST` when something is at
    ///   `path` and `replacing` is false. `temporary` is left for the caller to remove.
    package static func publish(_ temporary: String, as path: String, replacing: Bool) -> Int32? {
        if replacing {
            guard rename(temporary, path) == 0 else { return errno }
        } else {
            guard link(temporary, path) == 0 else { return errno }
            unlink(temporary)
        }
        let folder = open(URL(fileURLWithPath: path).deletingLastPathComponent().path, O_RDONLY | O_CLOEXEC)
        if folder >= 0 {
            fsync(folder)
            close(folder)
        }
        return nil
    }

    /// Writes `bytes` to a new file at `path` in one step: nothing is at `path` until every byte
    /// is written and synced; nothing already there is replaced unless `replacing`.
    /// - Returns: `nil` when done, else the failed operation and its errno (`EEXIST` from "link"
    ///   when the name is taken).
    package static func write(_ bytes: [UInt8], to path: String, replacing: Bool) -> (operation: String, errno: Int32)? {
        let temporary = temporaryPath(beside: path)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { return ("create", errno) }
        defer { unlink(temporary) }
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                let code = errno
                close(descriptor)
                return ("write", code)
            }
            written += count
        }
        guard fsync(descriptor) == 0 else {
            let code = errno
            close(descriptor)
            return ("fsync", code)
        }
        close(descriptor)
        if let code = publish(temporary, as: path, replacing: replacing) { return (replacing ? "rename" : "link", code) }
        return nil
    }
}
