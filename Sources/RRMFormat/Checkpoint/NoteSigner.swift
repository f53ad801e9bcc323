import Crypto
import Foundation

/// The ledger's private Ed25519 key under a name, read from the private key text
/// `PRIVATE+KEY+<name>+<hash>+<base64(0x01 ‖ 32-byte seed)>`, that signs note texts.
///
/// Only the seed is stored; `description` never shows it, so a signer can be logged safely.
public struct NoteSigner: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The key name, as it appears in signature lines.
    public let name: String
    /// The key hash of the matching verifier key.
    public let keyHash: UInt32
    private let seed: [UInt8]
    private let publicKey: [UInt8]

    /// Reads a private key text, deriving the public key and checking that the key hash matches it.
    ///
    /// - Throws: `NoteKeyError` naming the first thing that is wrong; never the key itself.
    public init(parsing privateKeyText: String) throws(NoteKeyError) {
        guard privateKeyText.hasPrefix(NoteKey.privateKeyPrefix) else { throw .missingPrivateKeyPrefix }
        let rest = privateKeyText.dropFirst(NoteKey.privateKeyPrefix.count)
        let (name, hash, keyData) = try NoteKey.splitKeyText(rest)
        guard keyData[0] == NoteKey.ed25519Algorithm else { throw .unknownAlgorithm(keyData[0]) }
        guard keyData.count == 1 + NoteKey.ed25519KeyByteCount else { throw .wrongKeyLength(keyData.count - 1) }
        try self.init(name: name, seed: Array(keyData.dropFirst()))
        guard hash == keyHash else { throw .keyHashMismatch(stated: hash, computed: keyHash) }
    }

    /// The signer of an Ed25519 private key under a name.
    ///
    /// - Throws: `NoteKeyError.invalidName`.
    public init(name: String, privateKey: Curve25519.Signing.PrivateKey) throws(NoteKeyError) {
        try self.init(name: name, seed: Array(privateKey.rawRepresentation))
    }

    private init(name: String, seed: [UInt8]) throws(NoteKeyError) {
        guard NoteKey.isValidName(name) else { throw .invalidName }
        guard let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: seed) else { throw .wrongKeyLength(seed.count) }
        self.name = name
        self.seed = seed
        self.publicKey = Array(key.publicKey.rawRepresentation)
        self.keyHash = NoteKey.keyHash(name: name, keyData: [NoteKey.ed25519Algorithm] + publicKey)
    }

    /// A new random key: the signer, its private key text (to keep secret) and its verifier key
    /// text (to give to auditors).
    ///
    /// - Throws: `NoteKeyError.invalidName`.
    public static func generate(name: String) throws(NoteKeyError) -> (
        signer: NoteSigner, privateKeyText: String, verifierKeyText: String
    ) {
        let signer = try NoteSigner(name: name, privateKey: Curve25519.Signing.PrivateKey())
        return (signer, signer.privateKeyText, signer.verifier.keyText)
    }

    /// The verifier that checks this signer's signatures.
    public var verifier: NoteVerifier {
        // The name and key length were checked when the signer was made.
        try! NoteVerifier(name: name, publicKey: publicKey)
    }

    /// The private key text, `PRIVATE+KEY+<name>+<hash>+<key data>`: for the key file only.
    var privateKeyText: String {
        "\(NoteKey.privateKeyPrefix)\(name)+\(NoteKey.hashText(keyHash))+\(NoteKey.base64([NoteKey.ed25519Algorithm] + seed))"
    }

    /// The signature line of this key over exactly the UTF-8 bytes of `text`.
    ///
    /// It does not check that `text` is a valid note text; `SignedNote.sign` does.
    ///
    /// - Throws: `NoteKeyError.signingFailed` if the cryptographic library refuses.
    public func sign(_ text: String) throws(NoteKeyError) -> NoteSignature {
        do {
            let key = try Curve25519.Signing.PrivateKey(rawRepresentation: seed)
            let signature = try key.signature(for: Array(text.utf8))
            return NoteSignature(keyName: name, keyHash: keyHash, signature: Array(signature))
        } catch {
            throw .signingFailed
        }
    }

    /// The key's identity, `<name>+<hash>`, never its secret.
    public var description: String { "\(name)+\(NoteKey.hashText(keyHash))" }

    /// As `description`: the secret stays out of debug output too.
    public var debugDescription: String { "NoteSigner(\(description))" }

    /// Only the name and key hash, so `dump` and test failure messages do not print the seed.
    public var customMirror: Mirror { Mirror(self, children: ["name": name, "keyHash": NoteKey.hashText(keyHash)]) }
}
