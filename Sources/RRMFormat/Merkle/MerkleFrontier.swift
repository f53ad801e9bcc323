/// The tree's right edge, all an append needs: it makes appending a leaf O(log n) hashes (amortised one), not a rehash.
///
/// A tree of n leaves is the fold from the right of one perfect subtree per set bit of n, the
/// largest leftmost; the frontier holds their roots. Appending a leaf completes the perfect
/// subtrees that end at the new size: the leaf itself, and one more per trailing one bit of the
/// old size, each the node hash of a frontier entry and the subtree completed just before it.
/// Those nodes, and only those, are new, so storing every node an append hands over keeps the
/// store complete: after n appends it holds 2n − popcount(n) nodes.
public struct MerkleFrontier: Sendable, Equatable {
    /// Number of leaves.
    public private(set) var size: Int64

    /// The roots of the perfect subtrees along the right edge, one per set bit of `size`, the
    /// largest (leftmost) first.
    public private(set) var hashes: [SHA256Hash]

    /// The frontier of the empty tree.
    public init() {
        size = 0
        hashes = []
    }

    /// A frontier saved earlier, or `nil` unless `size` is not negative and there is one hash
    /// per set bit of it.
    public init?(size: Int64, hashes: [SHA256Hash]) {
        guard size >= 0, hashes.count == size.nonzeroBitCount else { return nil }
        self.size = size
        self.hashes = hashes
    }

    /// The frontier of the first `size` leaves, read from the stored nodes (one read per set bit).
    ///
    /// - Throws: `MerkleProofError.negativeTreeSize`, or what the node source throws, for
    ///   instance when it holds fewer than `size` leaves.
    public init(size: Int64, nodes: some MerkleNodeSource) throws {
        guard size >= 0 else { throw MerkleProofError.negativeTreeSize(size) }
        var hashes: [SHA256Hash] = []
        hashes.reserveCapacity(size.nonzeroBitCount)
        var start: Int64 = 0
        // Bit 63, the sign bit, is clear.
        var level = Int64.bitWidth - 2
        while level >= 0 {
            if size >> level & 1 == 1 {
                hashes.append(try nodes.node(level: level, index: start >> level))
                start += Int64(1) << level
            }
            level -= 1
        }
        self.size = size
        self.hashes = hashes
    }

    /// MTH of the tree: the frontier folded from the right.
    public var rootHash: SHA256Hash {
        guard var root = hashes.last else { return MerkleHash.emptyRoot }
        for hash in hashes.dropLast().reversed() {
            root = MerkleHash.nodeHash(hash, root)
        }
        return root
    }

    /// Appends a leaf and hands `store` every node it completes, the leaf first, then upwards.
    ///
    /// If `store` throws, the frontier is left as it was, so it stays in step with a store whose
    /// transaction is rolled back.
    public mutating func append(leafHash: SHA256Hash, store: (MerkleNode) throws -> Void) rethrows {
        precondition(size < Int64.max, "Merkle tree full")
        let newSize = size + 1
        try store(MerkleNode(level: 0, index: size, hash: leafHash))
        var hash = leafHash
        var level = 0
        while size >> level & 1 == 1 {
            hash = MerkleHash.nodeHash(hashes[hashes.count - 1 - level], hash)
            level += 1
            try store(MerkleNode(level: level, index: (newSize >> level) - 1, hash: hash))
        }
        hashes.removeLast(level)
        hashes.append(hash)
        size = newSize
    }

    /// Appends a leaf and returns the nodes it completes, the leaf first, then upwards.
    @discardableResult
    public mutating func append(leafHash: SHA256Hash) -> [MerkleNode] {
        var completed: [MerkleNode] = []
        append(leafHash: leafHash) { completed.append($0) }
        return completed
    }
}
