import Crypto
import Foundation

/// The rules that signed-note keys share (C2SP signed-note, golang.org/x/mod/sumdb/note): key
/// names, the 32-bit key hash that identifies a key in a signature line, and the strict base64
/// that keys and signatures are written in.
package enum NoteKey {
    /// The signature type byte of Ed25519, the only algorithm the ledger signs with.
    static let ed25519Algorithm: UInt8 = 0x01

    /// Bytes of an Ed25519 public key and of the seed a private key is kept as.
    static let ed25519KeyByteCount = 32

    /// Bytes of an Ed25519 signature.
    static let ed25519SignatureByteCount = 64

    /// The prefix that tells a private key from a verifier key at a glance.
    static let privateKeyPrefix = "PRIVATE+KEY+"

    /// Whether a key name is allowed: non-empty, without Unicode spaces, "+" or control characters.
    ///
    /// The specification forbids spaces and "+"; control characters are refused too because a
    /// note may not contain them, so a key with such a name could never sign a note.
    static func isValidName<Name: StringProtocol>(_ name: Name) -> Bool {
        !name.isEmpty
            && name.unicodeScalars.allSatisfy { scalar in
                scalar != "+" && scalar.value >= 0x20 && !scalar.properties.isWhitespace
            }
    }

    /// The key hash: the first four bytes, big-endian, of SHA-256(name ‖ 0x0A ‖ key data), where
    /// key data is the signature type byte followed by the public key.
    static func keyHash(name: String, keyData: [UInt8]) -> UInt32 {
        var hasher = SHA256()
        hasher.update(data: Array(name.utf8))
        hasher.update(data: [0x0A])
        hasher.update(data: keyData)
        let digest = Array(hasher.finalize())
        return UInt32(digest[0]) << 24 | UInt32(digest[1]) << 16 | UInt32(digest[2]) << 8 | UInt32(digest[3])
    }

    /// The key hash as written in keys: eight lowercase hex digits.
    static func hashText(_ hash: UInt32) -> String {
        Hex.encode([UInt8(hash >> 24), UInt8((hash >> 16) & 0xFF), UInt8((hash >> 8) & 0xFF), UInt8(hash & 0xFF)])
    }

    /// The key hash from exactly eight hex digits, or `nil` (no sign, no "0x", no other length).
    static func parseHashText<Text: StringProtocol>(_ text: Text) -> UInt32? {
        guard text.utf8.count == 8, let bytes = Hex.decode(String(text)) else { return nil }
        return bytes.reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// The four big-endian bytes of a key hash, as they open a signature.
    static func hashBytes(_ hash: UInt32) -> [UInt8] {
        [UInt8(hash >> 24), UInt8((hash >> 16) & 0xFF), UInt8((hash >> 8) & 0xFF), UInt8(hash & 0xFF)]
    }

    /// Standard base64 (RFC 4648 section 4) with padding.
    package static func base64(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
    }

    /// The bytes of canonical standard base64, or `nil`: anything that does not re-encode to the
    /// same text (missing padding, stray bits, whitespace, the URL alphabet) is refused, so every
    /// key, signature and root hash has exactly one written form.
    static func decodeBase64<Text: StringProtocol>(_ text: Text) -> [UInt8]? {
        let string = String(text)
        guard let data = Data(base64Encoded: string), data.base64EncodedString() == string else { return nil }
        return Array(data)
    }

    /// Splits "<name>+<hash>+<key data>" into its three parts and checks the name and the hash;
    /// the key data may itself contain "+", so only the first two "+" separate.
    static func splitKeyText(_ text: Substring) throws(NoteKeyError) -> (name: String, hash: UInt32, keyData: [UInt8]) {
        let parts = text.split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw .malformed }
        guard isValidName(parts[0]) else { throw .invalidName }
        guard let hash = parseHashText(parts[1]) else { throw .invalidKeyHash }
        guard let keyData = decodeBase64(parts[2]), !keyData.isEmpty else { throw .invalidKeyData }
        return (String(parts[0]), hash, keyData)
    }
}

/// Why a signer or verifier key text was refused. The key material itself is never repeated in
/// the description, so printing the error cannot leak a private key.
public enum NoteKeyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Not of the form `<name>+<hash>+<key data>` (for a private key, after `PRIVATE+KEY+`).
    case malformed
    /// A private key without the `PRIVATE+KEY+` prefix.
    case missingPrivateKeyPrefix
    /// The name is empty or contains a space, "+" or a control character.
    case invalidName
    /// The key hash is not exactly eight hex digits.
    case invalidKeyHash
    /// The key data is empty or not canonical standard base64.
    case invalidKeyData
    /// The key data's first byte names an algorithm other than Ed25519 (0x01).
    case unknownAlgorithm(UInt8)
    /// The Ed25519 key is not 32 bytes.
    case wrongKeyLength(Int)
    /// The key hash written in the key is not the hash of its name and public key.
    case keyHashMismatch(stated: UInt32, computed: UInt32)
    /// The cryptographic library refused to sign.
    case signingFailed

    public var description: String {
        switch self {
        case .malformed: return "malformed key: expected <name>+<hash>+<key data>"
        case .missingPrivateKeyPrefix: return "malformed private key: it does not start with \"PRIVATE+KEY+\""
        case .invalidName: return "invalid key name: it must be non-empty, without spaces, \"+\" or control characters"
        case .invalidKeyHash: return "invalid key hash: expected eight hex digits"
        case .invalidKeyData: return "invalid key data: expected standard base64 with padding"
        case .unknownAlgorithm(let byte): return "unknown key algorithm 0x\(hex2(byte)) (only Ed25519, 0x01, is supported)"
        case .wrongKeyLength(let count): return "wrong Ed25519 key length: \(count) bytes, expected 32"
        case .keyHashMismatch(let stated, let computed):
            return
                "key hash mismatch: the key says \(NoteKey.hashText(stated)) but its name and public key hash to \(NoteKey.hashText(computed))"
        case .signingFailed: return "the Ed25519 signature could not be made"
        }
    }
}
