/// One signature line of a signed note, `— <key name> <base64(key hash ‖ signature)>`, kept
/// apart from the text so a note can be cosigned and its signatures checked one by one.
public struct NoteSignature: Sendable, Hashable, CustomStringConvertible {
    /// The name of the key that claims to have signed.
    public let keyName: String
    /// The key hash the line starts with; with the name it picks the verifier.
    public let keyHash: UInt32
    /// The signature bytes after the key hash (64 for Ed25519; other algorithms differ).
    public let signature: [UInt8]

    /// A signature line from its parts.
    public init(keyName: String, keyHash: UInt32, signature: [UInt8]) {
        self.keyName = keyName
        self.keyHash = keyHash
        self.signature = signature
    }

    /// The line as it is written in a note, without the final newline.
    public var line: String {
        "\u{2014} \(keyName) \(NoteKey.base64(NoteKey.hashBytes(keyHash) + signature))"
    }

    /// The signing key's identity in messages, `<name>+<hash>`.
    public var description: String { "\(keyName)+\(NoteKey.hashText(keyHash))" }
}
