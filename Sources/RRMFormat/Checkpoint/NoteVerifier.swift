import Crypto
import Foundation

/// A public key that checks note signatures, read from the verifier key text an auditor is given:
/// `<name>+<hash>+<base64(0x01 ‖ 32-byte Ed25519 public key)>`.
public struct NoteVerifier: Sendable, Hashable, CustomStringConvertible {
    /// The key name, as it appears in signature lines.
    public let name: String
    /// The first four bytes of SHA-256(name ‖ "\n" ‖ 0x01 ‖ public key), big-endian.
    public let keyHash: UInt32
    /// The raw 32-byte Ed25519 public key.
    public let publicKey: [UInt8]

    /// Reads a verifier key text, checking its name, algorithm, length and key hash.
    ///
    /// - Throws: `NoteKeyError` naming the first thing that is wrong.
    public init(parsing verifierKeyText: String) throws(NoteKeyError) {
        let (name, hash, keyData) = try NoteKey.splitKeyText(Substring(verifierKeyText))
        guard keyData[0] == NoteKey.ed25519Algorithm else { throw .unknownAlgorithm(keyData[0]) }
        guard keyData.count == 1 + NoteKey.ed25519KeyByteCount else { throw .wrongKeyLength(keyData.count - 1) }
        let computed = NoteKey.keyHash(name: name, keyData: keyData)
        guard hash == computed else { throw .keyHashMismatch(stated: hash, computed: computed) }
        self.name = name
        self.keyHash = hash
        self.publicKey = Array(keyData.dropFirst())
    }

    /// The verifier of an Ed25519 public key under a name.
    ///
    /// - Throws: `NoteKeyError.invalidName` or `.wrongKeyLength`.
    public init(name: String, publicKey: [UInt8]) throws(NoteKeyError) {
        guard NoteKey.isValidName(name) else { throw .invalidName }
        guard publicKey.count == NoteKey.ed25519KeyByteCount else { throw .wrongKeyLength(publicKey.count) }
        self.init(name: name, keyHash: NoteKey.keyHash(name: name, keyData: [NoteKey.ed25519Algorithm] + publicKey), publicKey: publicKey)
    }

    /// A verifier from parts already checked (or, in tests, deliberately inconsistent).
    init(name: String, keyHash: UInt32, publicKey: [UInt8]) {
        self.name = name
        self.keyHash = keyHash
        self.publicKey = publicKey
    }

    /// The verifier key text, `<name>+<hash>+<key data>`, to hand to auditors.
    public var keyText: String {
        "\(name)+\(NoteKey.hashText(keyHash))+\(NoteKey.base64([NoteKey.ed25519Algorithm] + publicKey))"
    }

    /// The key's identity in messages, `<name>+<hash>`.
    public var description: String { "\(name)+\(NoteKey.hashText(keyHash))" }

    /// Whether a signature line is this key's signature of the text: same name, same key hash,
    /// and a valid Ed25519 signature of the text's UTF-8 bytes.
    public func verify(text: String, signature: NoteSignature) -> Bool {
        guard signature.keyName == name, signature.keyHash == keyHash else { return false }
        return verify(message: Array(text.utf8), signature: signature.signature)
    }

    /// Whether `signature` is a valid Ed25519 signature of `message` by this key.
    func verify(message: [UInt8], signature: [UInt8]) -> Bool {
        guard signature.count == NoteKey.ed25519SignatureByteCount,
            let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey)
        else { return false }
        return key.isValidSignature(signature, for: message)
    }
}
