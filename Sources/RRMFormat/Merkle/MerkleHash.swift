import Crypto

/// The tree's two hashing rules (RFC 9162 section 2.1.1), prefixed so that a leaf can never pass for a node:
///
///     leaf hash = SHA-256( 0x00 ‖ leaf )
///     node hash = SHA-256( 0x01 ‖ left ‖ right )
///
/// Without the prefixes, the two children of a node could be presented as one 64-byte leaf with
/// the node's hash (a second preimage), which is why a leaf is never hashed as plain SHA-256.
public enum MerkleHash {
    /// The root of the empty tree: SHA-256 of no bytes.
    public static let emptyRoot = MerkleDigest(SHA256.hash(data: [UInt8]()))

    /// The leaf hash of a leaf's bytes.
    public static func leafHash(_ data: UnsafeRawBufferPointer) -> MerkleDigest {
        var hasher = SHA256()
        withUnsafeBytes(of: UInt8(0x00)) { hasher.update(bufferPointer: $0) }
        hasher.update(bufferPointer: data)
        return MerkleDigest(hasher.finalize())
    }

    /// The leaf hash of a leaf's bytes.
    public static func leafHash(_ data: [UInt8]) -> MerkleDigest {
        data.withUnsafeBytes { leafHash($0) }
    }

    /// The hash of an interior node from its two children, left first.
    public static func nodeHash(_ left: MerkleDigest, _ right: MerkleDigest) -> MerkleDigest {
        // One 65-byte update on the stack: cheaper than three updates, and no heap buffer.
        withUnsafeTemporaryAllocation(byteCount: 1 + 2 * MerkleDigest.byteCount, alignment: 8) { buffer in
            buffer[0] = 0x01
            left.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: buffer[1...32]).copyMemory(from: $0) }
            right.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: buffer[33...64]).copyMemory(from: $0) }
            var hasher = SHA256()
            hasher.update(bufferPointer: UnsafeRawBufferPointer(buffer))
            return MerkleDigest(hasher.finalize())
        }
    }
}

/// A leaf hash, node or root of the tree: 32 bytes held inline, so hashing and comparing them allocates nothing.
public struct MerkleDigest: Hashable, Sendable, CustomStringConvertible {
    /// Length of a digest in bytes.
    public static let byteCount = 32

    /// The 32 bytes in order; the words are storage, never read as numbers.
    private var words: (UInt64, UInt64, UInt64, UInt64)

    /// The digest with these bytes, or `nil` unless there are exactly 32 of them.
    public init?(bytes: UnsafeRawBufferPointer) {
        guard bytes.count == Self.byteCount else { return nil }
        words = (0, 0, 0, 0)
        Swift.withUnsafeMutableBytes(of: &words) { $0.copyMemory(from: bytes) }
    }

    /// The digest with these bytes, or `nil` unless there are exactly 32 of them.
    public init?(bytes: [UInt8]) {
        guard let digest = bytes.withUnsafeBytes({ MerkleDigest(bytes: $0) }) else { return nil }
        self = digest
    }

    /// The digest written as 64 hex digits (either case), or `nil` if it is anything else.
    public init?(hex: String) {
        guard let bytes = Hex.decode(hex) else { return nil }
        self.init(bytes: bytes)
    }

    /// A swift-crypto SHA-256 result.
    init(_ digest: SHA256.Digest) {
        words = (0, 0, 0, 0)
        digest.withUnsafeBytes { source in
            Swift.withUnsafeMutableBytes(of: &words) { $0.copyMemory(from: source) }
        }
    }

    /// The 32 bytes.
    public var bytes: [UInt8] { withUnsafeBytes { Array($0) } }

    /// Lowercase hex, the form hashes take in the ledger's text output.
    public var hex: String { withUnsafeBytes { Hex.encode($0) } }

    public var description: String { hex }

    /// Calls `body` with the 32 bytes, without copying them.
    public func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try Swift.withUnsafeBytes(of: words, body)
    }

    public static func == (lhs: MerkleDigest, rhs: MerkleDigest) -> Bool {
        lhs.words == rhs.words
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
        hasher.combine(words.2)
        hasher.combine(words.3)
    }
}
