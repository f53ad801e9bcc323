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
    public static let emptyRoot = SHA256Hash.of([UInt8]())

    /// The leaf hash of a leaf's bytes.
    public static func leafHash(_ data: UnsafeRawBufferPointer) -> SHA256Hash {
        var hasher = SHA256()
        withUnsafeBytes(of: UInt8(0x00)) { hasher.update(bufferPointer: $0) }
        hasher.update(bufferPointer: data)
        return SHA256Hash(hasher.finalize())
    }

    /// The leaf hash of a leaf's bytes.
    public static func leafHash(_ data: [UInt8]) -> SHA256Hash {
        data.withUnsafeBytes { leafHash($0) }
    }

    /// The leaf hash of an entry: the tree's leaves are the entries' chain hashes.
    public static func leafHash(_ entryHash: SHA256Hash) -> SHA256Hash {
        entryHash.withUnsafeBytes { leafHash($0) }
    }

    /// The hash of an interior node from its two children, left first.
    public static func nodeHash(_ left: SHA256Hash, _ right: SHA256Hash) -> SHA256Hash {
        // One 65-byte update on the stack: cheaper than three updates, and no heap buffer.
        withUnsafeTemporaryAllocation(byteCount: 1 + 2 * SHA256Hash.byteCount, alignment: 8) { buffer in
            buffer[0] = 0x01
            left.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: buffer[1...32]).copyMemory(from: $0) }
            right.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: buffer[33...64]).copyMemory(from: $0) }
            var hasher = SHA256()
            hasher.update(bufferPointer: UnsafeRawBufferPointer(buffer))
            return SHA256Hash(hasher.finalize())
        }
    }
}
