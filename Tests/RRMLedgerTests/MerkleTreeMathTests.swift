import Testing

@testable import RRMAnalysis
@testable import RRMFormat
@testable import RRMStore

@Suite struct MerkleTreeMathTests {
    /// Every size from 0 to this is cross-checked against the naive tree, with every index and
    /// every old size.
    static let largestCheckedSize = 300

    /// Bit length of n - 1: the height of the tree of n leaves.
    static func height(_ n: Int64) -> Int { n <= 1 ? 0 : Int64.bitWidth - (n - 1).leadingZeroBitCount }

    @Test func rootsMatchTheNaiveTreeForEverySize() throws {
        let naive = NaiveMerkleTree(count: Self.largestCheckedSize)
        let nodes = InMemoryMerkleNodes(naive, size: Self.largestCheckedSize)
        let math = MerkleTreeMath(nodes: nodes)
        var mismatches: [Int] = []
        for n in 0...Self.largestCheckedSize {
            let (root, reads) = try nodes.measuringReads(upTo: Int64(n)) { try math.rootHash(size: Int64(n)) }
            if root.bytes != naive.root(n) || reads != n.nonzeroBitCount { mismatches.append(n) }
        }
        #expect(mismatches.isEmpty, "sizes \(mismatches.prefix(10))")
    }

    @Test func inclusionProofsMatchTheNaiveTreeAndVerifyForEverySizeAndIndex() throws {
        let naive = NaiveMerkleTree(count: Self.largestCheckedSize)
        let nodes = InMemoryMerkleNodes(naive, size: Self.largestCheckedSize)
        let math = MerkleTreeMath(nodes: nodes)
        var checked = 0
        var mismatches: [String] = []
        for n in 1...Self.largestCheckedSize {
            let size = Int64(n)
            let root = SHA256Hash(bytes: naive.root(n))!
            for m in 0..<n {
                let (proof, reads) = try nodes.measuringReads(upTo: size) { try math.inclusionProof(index: Int64(m), size: size) }
                checked += 1
                if proof.map(\.bytes) != naive.path(m, n) { mismatches.append("PATH(\(m), D[\(n)])") }
                if reads > 2 * Self.height(size) { mismatches.append("PATH(\(m), D[\(n)]) read \(reads) nodes") }
                let leaf = MerkleHash.leafHash(naive.leaves[m])
                do {
                    try MerkleProofVerifier.verifyInclusion(leafHash: leaf, index: Int64(m), size: size, proof: proof, root: root)
                } catch {
                    mismatches.append("PATH(\(m), D[\(n)]) refused: \(error)")
                }
            }
        }
        #expect(checked == Self.largestCheckedSize * (Self.largestCheckedSize + 1) / 2)
        #expect(mismatches.isEmpty, "\(mismatches.count) failures: \(mismatches.prefix(10))")
    }

    @Test func consistencyProofsMatchTheNaiveTreeAndVerifyForEveryPairOfSizes() throws {
        let naive = NaiveMerkleTree(count: Self.largestCheckedSize)
        let nodes = InMemoryMerkleNodes(naive, size: Self.largestCheckedSize)
        let math = MerkleTreeMath(nodes: nodes)
        var checked = 0
        var mismatches: [String] = []
        for n in 0...Self.largestCheckedSize {
            let newSize = Int64(n)
            let newRoot = SHA256Hash(bytes: naive.root(n))!
            for m in 0...n {
                let oldSize = Int64(m)
                let (proof, reads) = try nodes.measuringReads(upTo: newSize) {
                    try math.consistencyProof(oldSize: oldSize, newSize: newSize)
                }
                checked += 1
                // The RFC defines PROOF for 0 < m ≤ n; from the empty tree there is nothing to show.
                let expected = m == 0 ? [] : naive.proof(m, n)
                if proof.map(\.bytes) != expected { mismatches.append("PROOF(\(m), D[\(n)])") }
                if reads > 2 * Self.height(newSize) + 1 { mismatches.append("PROOF(\(m), D[\(n)]) read \(reads) nodes") }
                do {
                    try MerkleProofVerifier.verifyConsistency(
                        oldSize: oldSize, newSize: newSize, oldRoot: SHA256Hash(bytes: naive.root(m))!, newRoot: newRoot, proof: proof)
                } catch {
                    mismatches.append("PROOF(\(m), D[\(n)]) refused: \(error)")
                }
            }
        }
        #expect(checked == (Self.largestCheckedSize + 1) * (Self.largestCheckedSize + 2) / 2)
        #expect(mismatches.isEmpty, "\(mismatches.count) failures: \(mismatches.prefix(10))")
    }

    @Test func rootsAndProofsMatchThePublishedVectors() throws {
        let math = MerkleTreeMath(nodes: try MerkleTestVectors.nodes())
        for size in 0...8 {
            #expect(try math.rootHash(size: Int64(size)) == MerkleTestVectors.root(size), "size \(size)")
        }
        for vector in MerkleTestVectors.inclusionProofs {
            let proof = try math.inclusionProof(index: vector.index, size: vector.size)
            #expect(proof.map(\.hex) == vector.proof, "leaf \(vector.index) of \(vector.size)")
        }
        for vector in MerkleTestVectors.consistencyProofs {
            let proof = try math.consistencyProof(oldSize: vector.oldSize, newSize: vector.newSize)
            #expect(proof.map(\.hex) == vector.proof, "\(vector.oldSize) to \(vector.newSize)")
        }
    }

    /// RFC 9162 section 2.1.5 (as RFC 6962 section 2.1.3), the tree of seven leaves d0…d6:
    ///
    ///                 hash
    ///                /    \
    ///               k      l
    ///              / \    / \
    ///             g   h  i   j
    ///            / \ / \ / \  |
    ///            a b c d e f d6
    @Test func rfc9162SevenLeafExample() throws {
        let data = (0..<7).map { Array("d\($0)".utf8) }
        let leaf = data.map { MerkleHash.leafHash($0) }
        let (a, b, c, d, e, f, j) = (leaf[0], leaf[1], leaf[2], leaf[3], leaf[4], leaf[5], leaf[6])
        let g = MerkleHash.nodeHash(a, b)
        let h = MerkleHash.nodeHash(c, d)
        let i = MerkleHash.nodeHash(e, f)
        let k = MerkleHash.nodeHash(g, h)
        let l = MerkleHash.nodeHash(i, j)
        let hash = MerkleHash.nodeHash(k, l)

        let math = MerkleTreeMath(nodes: InMemoryMerkleNodes(NaiveMerkleTree(leaves: data), size: 7))
        #expect(try math.rootHash(size: 7) == hash)
        // "The inclusion proof for d0 is [b, h, l]", "for d3 is [c, g, l]", "for d4 is
        // [f, j, k]", "for d6 is [i, k]".
        #expect(try math.inclusionProof(index: 0, size: 7) == [b, h, l])
        #expect(try math.inclusionProof(index: 3, size: 7) == [c, g, l])
        #expect(try math.inclusionProof(index: 4, size: 7) == [f, j, k])
        #expect(try math.inclusionProof(index: 6, size: 7) == [i, k])
        // hash0 = MTH(d0…d2) = H(g, c), hash1 = MTH(d0…d3) = k, hash2 = MTH(d0…d5) = H(k, i).
        #expect(try math.rootHash(size: 3) == MerkleHash.nodeHash(g, c))
        #expect(try math.rootHash(size: 4) == k)
        #expect(try math.rootHash(size: 6) == MerkleHash.nodeHash(k, i))
        // "The consistency proof between hash0 and hash is PROOF(3, D[7]) = [c, d, g, l]",
        // "between hash1 and hash is PROOF(4, D[7]) = [l]", "between hash2 and hash is
        // PROOF(6, D[7]) = [i, j, k]".
        #expect(try math.consistencyProof(oldSize: 3, newSize: 7) == [c, d, g, l])
        #expect(try math.consistencyProof(oldSize: 4, newSize: 7) == [l])
        #expect(try math.consistencyProof(oldSize: 6, newSize: 7) == [i, j, k])
    }

    @Test func refusesImpossibleRequests() throws {
        let nodes = try MerkleTestVectors.nodes()
        let math = MerkleTreeMath(nodes: nodes)
        #expect(throws: MerkleProofError.indexBeyondSize(index: 8, size: 8)) { try math.inclusionProof(index: 8, size: 8) }
        #expect(throws: MerkleProofError.indexBeyondSize(index: 0, size: 0)) { try math.inclusionProof(index: 0, size: 0) }
        #expect(throws: MerkleProofError.oldSizeBeyondNewSize(oldSize: 5, newSize: 4)) {
            try math.consistencyProof(oldSize: 5, newSize: 4)
        }
        // The store holds 8 leaves: a larger tree cannot be proved from it.
        #expect(throws: InMemoryMerkleNodes.Missing.self) { try math.rootHash(size: 9) }
        #expect(throws: InMemoryMerkleNodes.Missing.self) { try math.inclusionProof(index: 0, size: 9) }
        #expect(throws: InMemoryMerkleNodes.Missing.self) { try math.consistencyProof(oldSize: 3, newSize: 9) }
    }

    /// A tree far larger than the naive tree can check: built by the frontier, its proofs
    /// checked by the verifier against the frontier's roots, and their reads counted.
    @Test func proofsOnALargeTreeVerifyAndReadLogarithmicallyFewNodes() throws {
        let count: Int64 = (1 << 17) + 12345
        let nodes = InMemoryMerkleNodes()
        var frontier = MerkleFrontier()
        var roots: [Int64: SHA256Hash] = [:]
        let sizes: Set<Int64> = [1, 2, 3, 1000, 4096, 65535, 65536, 65537, 100_000, 1 << 17, count - 1, count]
        var leafHashes: [SHA256Hash] = []
        for index in 0..<count {
            let leafHash = MerkleHash.leafHash(Array("entry \(index)".utf8))
            leafHashes.append(leafHash)
            try frontier.append(leafHash: leafHash, store: nodes.store)
            if sizes.contains(frontier.size) { roots[frontier.size] = frontier.rootHash }
        }
        let math = MerkleTreeMath(nodes: nodes)
        var checked = 0
        for size in sizes {
            let (root, rootReads) = try nodes.measuringReads(upTo: size) { try math.rootHash(size: size) }
            #expect(root == roots[size])
            #expect(rootReads == size.nonzeroBitCount)
            for index in Set([0, 1, size / 3, size / 2, max(size, 2) - 2, size - 1]) where index < size {
                let (proof, reads) = try nodes.measuringReads(upTo: size) { try math.inclusionProof(index: index, size: size) }
                #expect(reads <= 2 * Self.height(size))
                try MerkleProofVerifier.verifyInclusion(
                    leafHash: leafHashes[Int(index)], index: index, size: size, proof: proof, root: root)
                checked += 1
            }
            for oldSize in sizes where oldSize <= size {
                let (proof, reads) = try nodes.measuringReads(upTo: size) { try math.consistencyProof(oldSize: oldSize, newSize: size) }
                #expect(reads <= 2 * Self.height(size) + 1)
                try MerkleProofVerifier.verifyConsistency(
                    oldSize: oldSize, newSize: size, oldRoot: roots[oldSize]!, newRoot: root, proof: proof)
                checked += 1
            }
        }
        #expect(checked > 100)
    }
}
