/// Roots and proofs of any stored tree size from O(log n) node reads, so a proof never rehashes the ledger.
///
/// Roots are RFC 9162 section 2.1.1's MTH, inclusion proofs section 2.1.3.1's PATH and
/// consistency proofs section 2.1.4.1's PROOF.
///
/// Every subtree the RFC's recursive definitions (MTH, PATH, SUBPROOF) need covers leaves
/// `[start, end)` with `start` a multiple of a power of two at least `end - start`: either a
/// stored perfect subtree, or one on the right edge of the tree, which is the fold from the right
/// of the perfect subtrees its length decomposes into (largest first), exactly as MTH splits it.
public struct MerkleTreeMath<Nodes: MerkleNodeSource> {
    /// Where the perfect subtrees are read.
    public let nodes: Nodes

    public init(nodes: Nodes) {
        self.nodes = nodes
    }

    /// MTH of the first `size` leaves; the empty tree's root is SHA-256 of no bytes.
    ///
    /// - Throws: What the node source throws, for instance when it holds fewer than `size` leaves.
    public func rootHash(size: Int64) throws -> SHA256Hash {
        guard size >= 0 else { throw MerkleProofError.negativeTreeSize(size) }
        return size == 0 ? MerkleHash.emptyRoot : try subtreeHash(start: 0, end: size)
    }

    /// PATH(index, D[size]): the sibling hashes from leaf `index` up to the root, nearest the leaf first.
    ///
    /// - Throws: `MerkleProofError.indexBeyondSize` unless `0 ≤ index < size`, or what the node
    ///   source throws.
    public func inclusionProof(index: Int64, size: Int64) throws -> [SHA256Hash] {
        guard index >= 0, index < size else { throw MerkleProofError.indexBeyondSize(index: index, size: size) }
        return try path(leaf: index, fromLevel: 0, size: size)
    }

    /// PROOF(oldSize, D[newSize]): the hashes showing that the tree of `newSize` leaves extends that of `oldSize`.
    ///
    /// Empty when the sizes are equal or the old tree is empty.
    ///
    /// - Throws: `MerkleProofError.negativeTreeSize`, `.oldSizeBeyondNewSize` unless
    ///   `oldSize ≤ newSize`, or what the node source throws.
    public func consistencyProof(oldSize: Int64, newSize: Int64) throws -> [SHA256Hash] {
        guard oldSize >= 0 else { throw MerkleProofError.negativeTreeSize(oldSize) }
        guard oldSize <= newSize else { throw MerkleProofError.oldSizeBeyondNewSize(oldSize: oldSize, newSize: newSize) }
        guard oldSize > 0, oldSize < newSize else { return [] }
        // The old tree's rightmost perfect subtree: the old root is it folded with the perfect
        // subtrees to its left, so proving where it sits in the new tree proves both roots.
        let level = oldSize.trailingZeroBitCount
        let index = (oldSize >> level) - 1
        var proof: [SHA256Hash] = []
        if index != 0 {
            // The old size is not a power of two: the subtree is not the old root itself, so
            // the verifier is given it (SUBPROOF's `b` flag is false by the time it is reached).
            proof.append(try nodes.node(level: level, index: index))
        }
        proof += try path(leaf: oldSize - 1, fromLevel: level, size: newSize)
        return proof
    }

    /// The siblings of the subtree at `fromLevel` holding leaf `leaf`, up to the root of the tree of `size` leaves.
    ///
    /// Below level `inner`, where the leaf's path meets the path of the last leaf, every sibling
    /// is a stored perfect subtree except possibly the topmost, which lies on the right edge.
    /// From `inner` up the path runs along the right edge, whose nodes have a (perfect) left
    /// sibling exactly where the leaf's position at that level is odd.
    private func path(leaf: Int64, fromLevel: Int, size: Int64) throws -> [SHA256Hash] {
        let inner = Int64.bitWidth - (leaf ^ (size - 1)).leadingZeroBitCount
        var proof: [SHA256Hash] = []
        proof.reserveCapacity(max(0, inner - fromLevel) + (leaf >> inner).nonzeroBitCount)
        var level = fromLevel
        while level < inner {
            let sibling = (leaf >> level) ^ 1
            let start = sibling << level
            if size - start >= Int64(1) << level {
                proof.append(try nodes.node(level: level, index: sibling))
            } else {
                proof.append(try subtreeHash(start: start, end: size))
            }
            level += 1
        }
        while leaf >> level != 0 {
            let position = leaf >> level
            if position & 1 == 1 {
                proof.append(try nodes.node(level: level, index: position ^ 1))
            }
            level += 1
        }
        return proof
    }

    /// MTH of leaves `[start, end)`: the perfect subtrees it decomposes into, read from the right and folded.
    ///
    /// `start` must be a multiple of a power of two at least `end - start`.
    func subtreeHash(start: Int64, end: Int64) throws -> SHA256Hash {
        precondition(start < end, "empty subtree [\(start), \(end))")
        var remaining = end - start
        var cursor = end
        var folded: SHA256Hash?
        while remaining != 0 {
            let level = remaining.trailingZeroBitCount
            cursor -= Int64(1) << level
            remaining &= remaining - 1
            let part = try nodes.node(level: level, index: cursor >> level)
            folded = folded.map { MerkleHash.nodeHash(part, $0) } ?? part
        }
        return folded!
    }
}

extension MerkleTreeMath: Sendable where Nodes: Sendable {}
