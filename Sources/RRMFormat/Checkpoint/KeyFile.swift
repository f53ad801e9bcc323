import Foundation

/// Key files on disk, handled the way OpenSSH handles identity files: a private key is created
/// readable only by its owner and never over an existing file, and a private key file that
/// others could read is refused rather than used, because a leaked log key lets anyone forge
/// checkpoints.
public enum KeyFile {
    /// The mode a private key file is created with: read and write for the owner only.
    public static let privateKeyMode: mode_t = 0o600

    /// The mode a verifier key file is created with (before the umask): readable by everyone.
    public static let verifierKeyMode: mode_t = 0o644

    /// The largest key file read; key texts are about a hundred bytes.
    public static let maxFileBytes = 64 * 1024

    /// Whether a text is a private key's (`PRIVATE+KEY+…`), so that it is never echoed in a message.
    public static func isPrivateKeyText(_ text: String) -> Bool { text.hasPrefix(NoteKey.privateKeyPrefix) }

    /// Writes a private key text to a new file of mode 0600, followed by a newline.
    ///
    /// - Throws: `KeyFileError.alreadyExists` if anything exists at `path` (a symbolic link
    ///   included: nothing is overwritten), `.malformedKey` if `privateKeyText` is not a private
    ///   key, `.system` for other failures (a partly written file is removed).
    public static func writePrivateKey(_ privateKeyText: String, to path: String) throws(KeyFileError) {
        do {
            _ = try NoteSigner(parsing: privateKeyText)
        } catch {
            throw .malformedKey(path: path, error)
        }
        try create(path, contents: privateKeyText + "\n", mode: privateKeyMode, forceMode: true)
    }

    /// Writes a verifier key text to a new file of mode 0644 (less the umask), followed by a newline.
    ///
    /// - Throws: `KeyFileError.alreadyExists`, `.malformedKey` or `.system`, as `writePrivateKey`.
    public static func writeVerifierKey(_ verifierKeyText: String, to path: String) throws(KeyFileError) {
        do {
            _ = try NoteVerifier(parsing: verifierKeyText)
        } catch {
            throw .malformedKey(path: path, error)
        }
        try create(path, contents: verifierKeyText + "\n", mode: verifierKeyMode, forceMode: false)
    }

    /// The private key text in a file that only its owner can access, without the final newline.
    ///
    /// - Throws: `KeyFileError.unprotected` if the group or others have any permission on the
    ///   file (OpenSSH's "UNPROTECTED PRIVATE KEY FILE"), `.notFound`, `.notARegularFile`,
    ///   `.tooLarge` or `.system`.
    public static func readPrivateKey(at path: String) throws(KeyFileError) -> String {
        try read(path, requireOwnerOnly: true)
    }

    /// The signer whose private key is in a file that only its owner can access.
    ///
    /// - Throws: `KeyFileError`, as `readPrivateKey`, or `.malformedKey`.
    public static func readSigner(at path: String) throws(KeyFileError) -> NoteSigner {
        if isPrivateKeyText(path) { throw .privateKeyTextGiven }
        let text = try readPrivateKey(at: path)
        do {
            return try NoteSigner(parsing: text)
        } catch {
            throw .malformedKey(path: path, error)
        }
    }

    /// The verifier whose key text is in a file (of any permissions: it is public).
    ///
    /// - Throws: `KeyFileError.notFound`, `.notARegularFile`, `.tooLarge`, `.malformedKey` or `.system`.
    public static func readVerifier(at path: String) throws(KeyFileError) -> NoteVerifier {
        let text = try read(path, requireOwnerOnly: false)
        if isPrivateKeyText(text) { throw .privateKeyGiven(source: "'\(path)'") }
        do {
            return try NoteVerifier(parsing: text)
        } catch {
            throw .malformedKey(path: path, error)
        }
    }

    /// Creates `path` exclusively (O_CREAT | O_EXCL | O_NOFOLLOW) and writes `contents`.
    private static func create(_ path: String, contents: String, mode: mode_t, forceMode: Bool) throws(KeyFileError) {
        let descriptor = Foundation.open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        guard descriptor >= 0 else {
            let code = errno
            throw code == EEXIST ? .alreadyExists(path: path) : .system(path: path, operation: "create", errno: code)
        }
        func fail(_ operation: String) -> KeyFileError {
            let code = errno
            close(descriptor)
            unlink(path)
            return .system(path: path, operation: operation, errno: code)
        }
        // The umask can only remove bits; set the mode explicitly so the owner can read the key.
        if forceMode && fchmod(descriptor, mode) != 0 { throw fail("chmod") }
        let bytes = Array(contents.utf8)
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw fail("write")
            }
            written += count
        }
        if fsync(descriptor) != 0 { throw fail("fsync") }
        if close(descriptor) != 0 {
            let code = errno
            unlink(path)
            throw .system(path: path, operation: "close", errno: code)
        }
    }

    /// Reads a key file, checking its type and (for a private key) its permissions on the opened
    /// descriptor, so the file checked is the file read.
    private static func read(_ path: String, requireOwnerOnly: Bool) throws(KeyFileError) -> String {
        // O_NONBLOCK: opening a FIFO must not hang; it is refused below as not a regular file.
        let descriptor = Foundation.open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)
        guard descriptor >= 0 else {
            let code = errno
            throw code == ENOENT ? .notFound(path: path) : .system(path: path, operation: "open", errno: code)
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw .system(path: path, operation: "stat", errno: errno) }
        guard status.st_mode & S_IFMT == S_IFREG else { throw .notARegularFile(path: path) }
        if requireOwnerOnly && status.st_mode & 0o077 != 0 {
            throw .unprotected(path: path, mode: UInt32(status.st_mode & 0o7777))
        }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { Foundation.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .system(path: path, operation: "read", errno: errno)
            }
            if count == 0 { break }
            bytes += buffer[..<count]
            guard bytes.count <= maxFileBytes else { throw .tooLarge(path: path, limit: maxFileBytes) }
        }
        if bytes.last == 0x0A { bytes.removeLast() }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw .malformedKey(path: path, .malformed) }
        return text
    }
}

/// Why a key file could not be written or read; every case names the file.
public enum KeyFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Something already exists at the path; key files are never overwritten.
    case alreadyExists(path: String)
    /// No file at the path.
    case notFound(path: String)
    /// A private key file whose group or other permission bits are set.
    case unprotected(path: String, mode: UInt32)
    /// A directory, device, FIFO or socket where a key file was expected.
    case notARegularFile(path: String)
    /// A file larger than any key file.
    case tooLarge(path: String, limit: Int)
    /// The file's text is not a valid key of the expected kind.
    case malformedKey(path: String, NoteKeyError)
    /// A system call failed.
    case system(path: String, operation: String, errno: Int32)
    /// A private key where a verifier key was expected: `source` is the file, quoted, or says
    /// where the text was given. The key's text is never repeated.
    case privateKeyGiven(source: String)
    /// A private key's text where the path of its file was expected. The text is never repeated:
    /// a key on a command line can be read by other users (`ps`) and lands in shell histories.
    case privateKeyTextGiven

    public var description: String {
        switch self {
        case .alreadyExists(let path): return "'\(path)' already exists; refusing to overwrite it"
        case .notFound(let path): return "'\(path)' does not exist"
        case .unprotected(let path, let mode):
            let octal = String(mode, radix: 8)
            let permissions = String(repeating: "0", count: max(0, 4 - octal.count)) + octal
            return "UNPROTECTED PRIVATE KEY FILE: permissions \(permissions) for '\(path)' are too open; "
                + "a private key must be accessible only by its owner (chmod 600 '\(path)'). This key is ignored."
        case .notARegularFile(let path): return "'\(path)' is not a regular file"
        case .tooLarge(let path, let limit): return "'\(path)' is larger than \(limit) bytes; it is not a key file"
        case .malformedKey(let path, let error): return "'\(path)': \(error)"
        case .system(let path, let operation, let code): return "cannot \(operation) '\(path)': \(String(cString: strerror(code)))"
        case .privateKeyGiven(let source):
            return "\(source) is a private key, where a verifier key (PREFIX.pub) is expected; the private key is not printed, "
                + "and auditors never need it"
        case .privateKeyTextGiven:
            return "a private key's text was given where the path of its file is expected; it is not printed, "
                + "but it may now be in your shell's history: give the .key file's path"
        }
    }
}
