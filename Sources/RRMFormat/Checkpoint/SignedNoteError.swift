/// Why a signed note was refused, precisely enough for a command line to say what to fix. Line
/// numbers count from 1 over the whole note, signature lines included.
public enum SignedNoteError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The note is larger than the limit.
    case noteTooLarge(bytes: Int, limit: Int)
    /// The note is not valid UTF-8.
    case invalidUTF8
    /// A carriage return: the note was saved with CRLF line endings.
    case carriageReturn(line: Int)
    /// An ASCII control character other than newline.
    case controlCharacter(UInt8, line: Int)
    /// A line longer than the limit, in bytes without its newline.
    case lineTooLong(line: Int, bytes: Int, limit: Int)
    /// The note does not end in a newline.
    case missingFinalNewline
    /// No blank line separates the text from the signatures.
    case missingBlankLine
    /// Nothing follows the blank line, or nothing was given to sign with.
    case noSignatures
    /// More signature lines than the limit.
    case tooManySignatures(count: Int, limit: Int)
    /// A line after the blank line that does not start with an em dash (U+2014) and a space.
    case signatureLineWithoutEmDash(line: Int)
    /// A signature line whose key name is empty or contains a space or "+".
    case invalidKeyName(line: Int)
    /// A signature line whose signature is missing or not canonical standard base64.
    case invalidSignatureBase64(line: Int)
    /// A signature of fewer than 5 bytes (the 4-byte key hash and at least one signature byte).
    case signatureTooShort(line: Int, bytes: Int)
    /// A signature by a known key that does not verify: the note was altered or forged.
    case badSignature(keyName: String, keyHash: UInt32, line: Int)
    /// Two different known verifiers share the name and key hash a signature names.
    case ambiguousKey(keyName: String, keyHash: UInt32)
    /// No known key signed, but a signature carries a known key's name with another key hash:
    /// signed by a different key of that name (or its key hash was altered).
    case wrongKeyHash(keyName: String, found: UInt32, expected: [UInt32])
    /// Every signature is by a key the verifier does not know (listed as `<name>+<hash>`).
    case unknownKeysOnly(keys: [String])
    /// A text to sign that does not end in a newline.
    case textWithoutFinalNewline
    /// The cryptographic library refused to sign with this key.
    case signingFailed(keyName: String)

    public var description: String {
        switch self {
        case .noteTooLarge(let bytes, let limit): return "malformed note: \(bytes) bytes, more than the limit of \(limit)"
        case .invalidUTF8: return "malformed note: not valid UTF-8"
        case .carriageReturn(let line): return "malformed note: line \(line) contains a carriage return (CRLF line endings?)"
        case .controlCharacter(let byte, let line): return "malformed note: line \(line) contains control character 0x\(hex2(byte))"
        case .lineTooLong(let line, let bytes, let limit):
            return "malformed note: line \(line) is \(bytes) bytes long, more than the limit of \(limit)"
        case .missingFinalNewline: return "malformed note: it does not end in a newline"
        case .missingBlankLine: return "malformed note: no blank line separates the text from the signatures"
        case .noSignatures: return "malformed note: no signature lines"
        case .tooManySignatures(let count, let limit): return "malformed note: \(count) signatures, more than the limit of \(limit)"
        case .signatureLineWithoutEmDash(let line):
            return "malformed note: line \(line) is not a signature line (\"\u{2014} <key name> <signature>\")"
        case .invalidKeyName(let line): return "malformed note: line \(line) has an invalid key name"
        case .invalidSignatureBase64(let line): return "malformed note: the signature on line \(line) is not standard base64"
        case .signatureTooShort(let line, let bytes): return "malformed note: the signature on line \(line) is only \(bytes) bytes"
        case .badSignature(let name, let hash, let line):
            return "bad signature by \(name)+\(NoteKey.hashText(hash)) on line \(line): the note was altered or not signed by this key"
        case .ambiguousKey(let name, let hash): return "ambiguous key \(name)+\(NoteKey.hashText(hash)): two known keys share it"
        case .wrongKeyHash(let name, let found, let expected):
            let known = expected.map { "\(name)+\(NoteKey.hashText($0))" }.joined(separator: ", ")
            return "wrong key hash: the note is signed by \(name)+\(NoteKey.hashText(found)), but the known key is \(known)"
        case .unknownKeysOnly(let keys): return "no signature by a known key; signed only by \(keys.joined(separator: ", "))"
        case .textWithoutFinalNewline: return "cannot sign: the note text does not end in a newline"
        case .signingFailed(let name): return "cannot sign with \(name): the Ed25519 signature could not be made"
        }
    }
}
