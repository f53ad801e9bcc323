import Foundation
import RRMLedger

/// Reads the verifier key `--key` names: a verifier key file, or the key text itself
/// (`name+hash+keydata`), as auditors are often given it.
///
/// - Throws: `LedgerError.keyFile` (66 when there is no such file, 65 when it is not a verifier key).
func readVerifierKey(_ argument: String) throws(LedgerError) -> NoteVerifier {
    if KeyFile.isPrivateKeyText(argument) { throw .keyFile(.privateKeyGiven(source: "the key text given")) }
    if !FileManager.default.fileExists(atPath: argument), let key = try? NoteVerifier(parsing: argument) { return key }
    do {
        return try KeyFile.readVerifier(at: argument)
    } catch {
        throw .keyFile(error)
    }
}

/// Reads the private key file `--key` names, refusing one that others can read.
///
/// - Throws: `LedgerError.keyFile`.
func readSigner(_ path: String) throws(LedgerError) -> NoteSigner {
    do {
        return try KeyFile.readSigner(at: path)
    } catch {
        throw .keyFile(error)
    }
}

/// Reads a whole text file, or standard input for "-", up to `limit` bytes (`SmallFile`: an
/// oversized input is refused before it is read whole).
///
/// - Throws: `LedgerError.unreadableInput` (66) when it cannot be read; `.proofRefused` (65)
///   when it is larger than `limit` or not UTF-8.
func readTextFile(_ path: String, limit: Int) throws(LedgerError) -> String {
    let source = path == "-" ? "standard input" : path
    let bytes: [UInt8]
    do {
        bytes = try SmallFile.read(path, limit: limit)
    } catch .tooLarge(let size, let limit) {
        throw .proofRefused(source: source, .malformed(line: nil, SmallFile.Failure.tooLarge(bytes: size, limit: limit).detail))
    } catch {
        throw .unreadableInput(source: path, detail: error.detail)
    }
    guard let text = String(validating: bytes, as: UTF8.self) else {
        throw .proofRefused(source: source, .malformed(line: nil, "not valid UTF-8"))
    }
    return text
}

/// Refuses an `--out` file that exists, unless `--force`: early, before the work that would
/// write it. The refusal that holds under races is the one `writeOutput` and export make when
/// they put the file in place.
///
/// - Throws: `LedgerError.alreadyExists` (73).
func refuseExistingOutput(_ path: String, force: Bool) throws(LedgerError) {
    var status = stat()
    if !force && lstat(path, &status) == 0 { throw .alreadyExists(path: path) }
}

/// Writes an `--out` file whole (`FilePublishing`): it appears complete or not at all, and an
/// existing file is refused, even one another command created meanwhile, unless `force`.
///
/// - Throws: `LedgerError.alreadyExists` (73), `.storage` (74).
func writeOutput(_ bytes: [UInt8], to path: String, force: Bool) throws(LedgerError) {
    guard let (operation, code) = FilePublishing.write(bytes, to: path, replacing: force) else { return }
    if code == EEXIST && operation == "link" { throw .alreadyExists(path: path) }
    throw .storage(path: path, detail: "\(operation): \(String(cString: strerror(code)))")
}

extension Output {
    /// Prints text that already ends in a newline (a signed note, a proof) exactly as it is.
    static func verbatim(_ text: String) {
        print(text, terminator: "")
    }
}

extension KeyFileError {
    /// The documented exit code of each key file failure (docs/CLI.md).
    var exitCode: Int32 {
        switch self {
        case .alreadyExists: return 73  // EX_CANTCREAT
        case .notFound: return 66  // EX_NOINPUT
        case .unprotected, .notARegularFile, .tooLarge, .malformedKey, .privateKeyGiven: return 65  // EX_DATAERR
        case .privateKeyTextGiven: return 64  // EX_USAGE
        case .system: return 74  // EX_IOERR
        }
    }
}

extension VerifiedCheckpoint {
    /// The checkpoint as JSON: origin, size, root (base64, as in the note; and hex, as in archive
    /// manifests) and signer.
    var json: JSONValue {
        [
            "origin": .string(checkpoint.origin), "size": .number(Double(size)),
            "root": .string(checkpoint.rootHash.base64), "root_hex": .string(checkpoint.rootHash.hex),
            "signed_by": .string(signer.description),
        ]
    }
}
