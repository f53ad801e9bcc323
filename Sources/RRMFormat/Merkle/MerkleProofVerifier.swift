/// RFC 9162's proof checks (sections 2.1.3.2 and 2.1.4.2) to the letter, so that any other RFC 9162 verifier agrees.
///
/// An auditor needs nothing but the proof, the sizes and the roots. Each check throws a
/// `MerkleProofError` naming what failed; returning normally means verified.
public enum MerkleProofVerifier {
    /// Verifies that `leafHash` is leaf `index` of the tree of `size` leaves whose root is `root`.
    ///
    /// - Throws: `MerkleProofError` saying which check failed.
    public static func verifyInclusion(
        leafHash: SHA256Hash, index: Int64, size: Int64, proof: [SHA256Hash], root: SHA256Hash
    ) throws(MerkleProofError) {
        // Step 1 (a negative index is outside the tree too).
        guard index >= 0, index < size else { throw .indexBeyondSize(index: index, size: size) }
        // Steps 2 and 3: fn and sn are the positions of the running node and of the last node
        // at the current level; r is the running hash.
        var fn = index
        var sn = size - 1
        var r = leafHash
        // Step 4.
        for p in proof {
            guard sn != 0 else { throw .proofTooLong(count: proof.count) }
            if fn & 1 == 1 || fn == sn {
                r = MerkleHash.nodeHash(p, r)
                // On the right edge with no sibling: climb until a level where there is one.
                while fn & 1 == 0 && fn != 0 {
                    fn >>= 1
                    sn >>= 1
                }
            } else {
                r = MerkleHash.nodeHash(r, p)
            }
            fn >>= 1
            sn >>= 1
        }
        // Step 5.
        guard sn == 0 else { throw .proofTooShort(count: proof.count) }
        guard r == root else { throw .rootMismatch }
    }

    /// Verifies that the tree of `newSize` leaves and root `newRoot` extends, unchanged, that of `oldSize` and `oldRoot`.
    ///
    /// Equal sizes need an empty proof and equal roots; old size 0 needs an empty proof and the
    /// empty tree's root as `oldRoot` (every tree extends the empty tree). An old size above the
    /// new size is refused whatever the proof: a ledger does not shrink.
    ///
    /// - Throws: `MerkleProofError` saying which check failed.
    public static func verifyConsistency(
        oldSize: Int64, newSize: Int64, oldRoot: SHA256Hash, newRoot: SHA256Hash, proof: [SHA256Hash]
    ) throws(MerkleProofError) {
        guard oldSize >= 0 else { throw .negativeTreeSize(oldSize) }
        guard oldSize <= newSize else { throw .oldSizeBeyondNewSize(oldSize: oldSize, newSize: newSize) }
        if oldSize == newSize || oldSize == 0 {
            // Outside the RFC's algorithm, which requires 0 < first < second.
            guard proof.isEmpty else { throw .proofTooLong(count: proof.count) }
            if oldSize == 0 {
                guard oldRoot == MerkleHash.emptyRoot else { throw .oldRootMismatch }
                if newSize == 0, newRoot != MerkleHash.emptyRoot { throw .newRootMismatch }
            } else {
                guard oldRoot == newRoot else { throw .rootsDifferAtEqualSize }
            }
            return
        }
        // Step 1.
        guard let first = proof.first else { throw .proofTooShort(count: 0) }
        // Step 2: when the old tree is a perfect subtree of the new one, the proof leaves its
        // root out; it is the first node of the path.
        let oldIsPerfect = oldSize & (oldSize - 1) == 0
        let path = oldIsPerfect ? proof[...] : proof.dropFirst()
        // Step 3.
        var fn = oldSize - 1
        var sn = newSize - 1
        // Step 4.
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        // Step 5: fr rebuilds the old root, sr the new one.
        var fr = oldIsPerfect ? oldRoot : first
        var sr = fr
        // Step 6.
        for c in path {
            guard sn != 0 else { throw .proofTooLong(count: proof.count) }
            if fn & 1 == 1 || fn == sn {
                fr = MerkleHash.nodeHash(c, fr)
                sr = MerkleHash.nodeHash(c, sr)
                while fn & 1 == 0 && fn != 0 {
                    fn >>= 1
                    sn >>= 1
                }
            } else {
                sr = MerkleHash.nodeHash(sr, c)
            }
            fn >>= 1
            sn >>= 1
        }
        // Step 7.
        guard sn == 0 else { throw .proofTooShort(count: proof.count) }
        guard fr == oldRoot else { throw .oldRootMismatch }
        guard sr == newRoot else { throw .newRootMismatch }
    }

    /// `verifyInclusion` on hashes as read from a proof file, any of which may have the wrong length.
    ///
    /// - Throws: `MerkleProofError.wrongHashLength` for the first hash that is not 32 bytes,
    ///   otherwise as the other `verifyInclusion`.
    public static func verifyInclusion(
        leafHash: [UInt8], index: Int64, size: Int64, proof: [[UInt8]], root: [UInt8]
    ) throws(MerkleProofError) {
        try verifyInclusion(
            leafHash: digest(leafHash, .leafHash), index: index, size: size, proof: digests(proof), root: digest(root, .root))
    }

    /// `verifyConsistency` on hashes as read from a proof file, any of which may have the wrong length.
    ///
    /// - Throws: `MerkleProofError.wrongHashLength` for the first hash that is not 32 bytes,
    ///   otherwise as the other `verifyConsistency`.
    public static func verifyConsistency(
        oldSize: Int64, newSize: Int64, oldRoot: [UInt8], newRoot: [UInt8], proof: [[UInt8]]
    ) throws(MerkleProofError) {
        try verifyConsistency(
            oldSize: oldSize, newSize: newSize, oldRoot: digest(oldRoot, .oldRoot), newRoot: digest(newRoot, .newRoot),
            proof: digests(proof))
    }

    private static func digest(_ bytes: [UInt8], _ role: MerkleProofError.HashRole) throws(MerkleProofError) -> SHA256Hash {
        guard let digest = SHA256Hash(bytes: bytes) else { throw .wrongHashLength(role, length: bytes.count) }
        return digest
    }

    private static func digests(_ proof: [[UInt8]]) throws(MerkleProofError) -> [SHA256Hash] {
        var digests: [SHA256Hash] = []
        digests.reserveCapacity(proof.count)
        for (position, bytes) in proof.enumerated() {
            digests.append(try digest(bytes, .proofElement(position)))
        }
        return digests
    }
}

/// Why a proof was refused or could not be produced, each case with the facts its message needs.
public enum MerkleProofError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Which hash of a proof check had the wrong length.
    public enum HashRole: Sendable, Equatable, CustomStringConvertible {
        case leafHash
        case root
        case oldRoot
        case newRoot
        /// The element at this position of the proof, counting from 0.
        case proofElement(Int)

        public var description: String {
            switch self {
            case .leafHash: return "the leaf hash"
            case .root: return "the root"
            case .oldRoot: return "the old root"
            case .newRoot: return "the new root"
            case .proofElement(let position): return "proof element \(position)"
            }
        }
    }

    /// A leaf index that is negative or not below the tree size.
    case indexBeyondSize(index: Int64, size: Int64)
    /// A tree size below zero: sizes and indexes are `Int64`, and only their non-negative half is a tree.
    case negativeTreeSize(Int64)
    /// A consistency check asked of a tree that would have shrunk.
    case oldSizeBeyondNewSize(oldSize: Int64, newSize: Int64)
    /// A hash that is not 32 bytes long.
    case wrongHashLength(HashRole, length: Int)
    /// More hashes than the sizes call for.
    case proofTooLong(count: Int)
    /// Fewer hashes than the sizes call for.
    case proofTooShort(count: Int)
    /// The inclusion proof leads to another root: the leaf, index, size or proof is wrong.
    case rootMismatch
    /// The consistency proof does not rebuild the old root.
    case oldRootMismatch
    /// The consistency proof rebuilds the old root but not the new one.
    case newRootMismatch
    /// Two roots for the same tree size: one of them belongs to a fork.
    case rootsDifferAtEqualSize

    public var description: String {
        switch self {
        case .indexBeyondSize(let index, let size):
            return "leaf index \(index) is not in a tree of size \(size)"
        case .negativeTreeSize(let size):
            return "tree size \(size) is negative"
        case .oldSizeBeyondNewSize(let oldSize, let newSize):
            return "old tree size \(oldSize) is larger than new tree size \(newSize): the tree cannot shrink"
        case .wrongHashLength(let role, let length):
            return "\(role) is \(length) bytes long, not \(SHA256Hash.byteCount)"
        case .proofTooLong(let count):
            return "the proof has \(count) hashes, more than these tree sizes call for"
        case .proofTooShort(let count):
            return "the proof has \(count) hashes, fewer than these tree sizes call for"
        case .rootMismatch:
            return "the inclusion proof does not lead to the root"
        case .oldRootMismatch:
            return "the consistency proof does not lead to the old root"
        case .newRootMismatch:
            return "the consistency proof does not lead to the new root"
        case .rootsDifferAtEqualSize:
            return "the two roots differ for the same tree size"
        }
    }
}
