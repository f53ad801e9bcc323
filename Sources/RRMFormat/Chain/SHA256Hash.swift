import Crypto

/// A SHA-256 value, the ledger's one digest type: entry hashes and previous hashes, body digests,
/// Merkle leaves, nodes and roots, checkpoints' roots, archive manifests' hashes and proof files'
/// hashes are all one of these.
///
/// The 32 bytes are held inline, so hashing, comparing and storing them allocates nothing. Bytes
/// from outside (a proof file, an archive, a column of the ledger file) become one only through
/// an initializer that checks their length, so a value of this type is always 32 bytes. Named for
/// what it holds rather than `Digest`, which would collide with swift-crypto's protocol in every
/// file that imports both.
public struct SHA256Hash: Hashable, Sendable, CustomStringConvertible {
    /// Length of a digest in bytes.
    public static let byteCount = 32

    /// Thirty-two zero bytes: the `prev_hash` of entry 1 and the hash of an empty ledger's head.
    public static let zero = SHA256Hash(words: (0, 0, 0, 0))

    /// The 32 bytes in order; the words are storage, never read as numbers.
    private var words: (UInt64, UInt64, UInt64, UInt64)

    private init(words: (UInt64, UInt64, UInt64, UInt64)) {
        self.words = words
    }

    /// The digest with these bytes, or `nil` unless there are exactly 32 of them.
    public init?(bytes: UnsafeRawBufferPointer) {
        guard bytes.count == Self.byteCount else { return nil }
        words = (0, 0, 0, 0)
        Swift.withUnsafeMutableBytes(of: &words) { $0.copyMemory(from: bytes) }
    }

    /// The digest with these bytes, or `nil` unless there are exactly 32 of them.
    public init?(bytes: some Collection<UInt8>) {
        guard
            let digest = bytes.withContiguousStorageIfAvailable({ SHA256Hash(bytes: UnsafeRawBufferPointer($0)) })
                ?? Array(bytes).withUnsafeBytes({ SHA256Hash(bytes: $0) })
        else { return nil }
        self = digest
    }

    /// The digest written as 64 hex digits (either case), or `nil` if it is anything else.
    public init?(hex: some StringProtocol) {
        guard let bytes = Hex.decode(String(hex)) else { return nil }
        self.init(bytes: bytes)
    }

    /// A swift-crypto SHA-256 result.
    package init(_ digest: SHA256.Digest) {
        words = (0, 0, 0, 0)
        digest.withUnsafeBytes { source in
            Swift.withUnsafeMutableBytes(of: &words) { $0.copyMemory(from: source) }
        }
    }

    /// The SHA-256 digest of the bytes.
    public static func of(_ bytes: UnsafeRawBufferPointer) -> SHA256Hash {
        SHA256Hash(SHA256.hash(data: bytes))
    }

    /// The SHA-256 digest of the bytes.
    public static func of(_ bytes: some Collection<UInt8>) -> SHA256Hash {
        bytes.withContiguousStorageIfAvailable { of(UnsafeRawBufferPointer($0)) } ?? Array(bytes).withUnsafeBytes { of($0) }
    }

    /// The 32 bytes.
    public var bytes: [UInt8] { withUnsafeBytes { Array($0) } }

    /// Lowercase hex, the form hashes take in the ledger's text output.
    public var hex: String { withUnsafeBytes { Hex.encode($0) } }

    /// Standard base64 with padding, the form hashes take in checkpoints and proof files.
    public var base64: String { NoteKey.base64(bytes) }

    public var description: String { hex }

    /// Calls `body` with the 32 bytes, without copying them.
    public func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try Swift.withUnsafeBytes(of: words, body)
    }

    public static func == (lhs: SHA256Hash, rhs: SHA256Hash) -> Bool {
        lhs.words == rhs.words
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
        hasher.combine(words.2)
        hasher.combine(words.3)
    }
}
