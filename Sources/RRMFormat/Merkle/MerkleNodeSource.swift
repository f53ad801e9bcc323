/// Where the tree's stored nodes are read, so that roots and proofs cost a few reads instead of a rehash of the leaves.
///
/// Only perfect subtrees are ever stored or asked for: the node at `(level, index)` is the root
/// of the subtree over the `2^level` leaves `[index·2^level, (index+1)·2^level)`; level 0 holds
/// the leaf hashes. A tree of size n has exactly the nodes with `(index+1)·2^level ≤ n`, and
/// appending never changes a node once it exists, so a store can keep them forever.
public protocol MerkleNodeSource {
    /// The hash of the perfect subtree at `(level, index)`.
    ///
    /// - Throws: When the node is not stored (the tree is smaller than asked) or cannot be read.
    func node(level: Int, index: Int64) throws -> SHA256Hash
}

/// A perfect subtree's root with its position, as the frontier hands it over to be stored.
public struct MerkleNode: Hashable, Sendable, CustomStringConvertible {
    /// Height above the leaves: 0 for a leaf hash, k for a subtree of 2^k leaves.
    public let level: Int
    /// Position among the nodes of its level, counting from the left from 0.
    public let index: Int64
    public let hash: SHA256Hash

    public init(level: Int, index: Int64, hash: SHA256Hash) {
        self.level = level
        self.index = index
        self.hash = hash
    }

    public var description: String { "(\(level), \(index)) \(hash.hex)" }
}
