import Foundation
import RRMFormat

/// The one thing an auditor keeps between runs: the last checkpoint it trusted, as a plain file
/// `checkpoint` in a folder of its own, holding the signed note exactly as received.
///
/// It is replaced atomically (a new file written, synced, then renamed over the old one), so a
/// crash leaves either the old checkpoint or the new one, never half of one. It is read back
/// with the same key and origin checks as any checkpoint received: a state file edited by hand,
/// or a key swapped since, is refused rather than trusted.
public struct TrustedCheckpointFile: Sendable {
    /// The name of the file in the folder.
    public static let fileName = "checkpoint"

    /// The folder.
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    /// The file's path.
    public var path: String { (directory as NSString).appendingPathComponent(Self.fileName) }

    /// The trusted checkpoint, or `nil` when there is none yet (first use).
    ///
    /// - Throws: `LedgerError.unreadableInput` when the file cannot be read; `.proofRefused`
    ///   when it is larger than a note may be (refused before it is read whole) or not a
    ///   checkpoint signed by `verifier` for `origin`.
    public func load(verifier: NoteVerifier, origin: String?) throws(LedgerError) -> VerifiedCheckpoint? {
        let limit = NoteLimits.standard.maxNoteBytes
        let data: [UInt8]
        do {
            data = try SmallFile.read(path, limit: limit)
        } catch .notFound {
            return nil
        } catch .tooLarge(let bytes, let limit) {
            throw .proofRefused(source: "\(path) (the trusted checkpoint)", .note(.noteTooLarge(bytes: bytes ?? limit + 1, limit: limit)))
        } catch {
            throw .unreadableInput(source: path, detail: "the trusted checkpoint cannot be read: \(error.detail)")
        }
        guard let note = String(validating: data, as: UTF8.self) else {
            throw .proofRefused(source: "\(path) (the trusted checkpoint)", .note(.invalidUTF8))
        }
        do {
            return try VerifiedCheckpoint.open(note, verifier: verifier, origin: origin)
        } catch {
            throw .proofRefused(source: "\(path) (the trusted checkpoint)", error)
        }
    }

    /// Replaces the trusted checkpoint with `note`, creating the folder (mode 0700) if needed.
    ///
    /// - Throws: `LedgerError.storage`; the old file is then left as it was.
    public func save(_ note: String) throws(LedgerError) {
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
            do {
                try FileManager.default.createDirectory(
                    atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw .storage(path: directory, detail: "cannot create the folder: \(error.localizedDescription)")
            }
        } else if !isDirectory.boolValue {
            throw .storage(path: directory, detail: "it is not a folder")
        }
        let temporary = (directory as NSString).appendingPathComponent(".\(Self.fileName).\(getpid()).\(UInt32.random(in: 0 ... .max))")
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw .storage(path: temporary, detail: String(cString: strerror(errno))) }
        func fail(_ operation: String) -> LedgerError {
            let detail = "\(operation): \(String(cString: strerror(errno)))"
            close(descriptor)
            unlink(temporary)
            return .storage(path: path, detail: detail)
        }
        let bytes = Array(note.utf8)
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw fail("write")
            }
            written += count
        }
        if fsync(descriptor) != 0 { throw fail("fsync") }
        close(descriptor)
        guard rename(temporary, path) == 0 else {
            let detail = String(cString: strerror(errno))
            unlink(temporary)
            throw .storage(path: path, detail: "rename: \(detail)")
        }
        // Make the rename itself durable.
        let folder = open(directory, O_RDONLY | O_CLOEXEC)
        if folder >= 0 {
            fsync(folder)
            close(folder)
        }
    }
}
