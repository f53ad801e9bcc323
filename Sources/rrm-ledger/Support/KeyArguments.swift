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

/// Reads a whole text file, or standard input for "-", up to `limit` bytes.
///
/// - Throws: `LedgerError.unreadableInput`.
func readTextFile(_ path: String, limit: Int) throws(LedgerError) -> String {
    let data: Data
    if path == "-" {
        data = FileHandle.standardInput.readDataToEndOfFile()
    } else {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .unreadableInput(source: path, detail: "no such file")
        }
        guard !isDirectory.boolValue, let contents = FileManager.default.contents(atPath: path) else {
            throw .unreadableInput(source: path, detail: isDirectory.boolValue ? "it is a folder" : "it cannot be read")
        }
        data = contents
    }
    guard data.count <= limit else { throw .unreadableInput(source: path, detail: "\(data.count) bytes, more than the limit of \(limit)") }
    guard let text = String(data: data, encoding: .utf8) else {
        throw .proofRefused(source: path == "-" ? "standard input" : path, .malformed(line: nil, "not valid UTF-8"))
    }
    return text
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
    /// The checkpoint as JSON: origin, size, root (base64, as in the note) and signer.
    var json: JSONValue {
        [
            "origin": .string(checkpoint.origin), "size": .number(Double(size)),
            "root": .string(checkpoint.rootHash.base64), "signed_by": .string(signer.description),
        ]
    }
}
