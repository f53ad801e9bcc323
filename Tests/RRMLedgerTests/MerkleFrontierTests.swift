import Testing

@testable import RRMFormat
@testable import RRMStore

@Suite struct MerkleFrontierTests {
    static let largestCheckedSize = 300

    @Test func appendingReproducesTheNaiveTreeNodeForNodeAtEverySize() throws {
        let naive = NaiveMerkleTree(count: Self.largestCheckedSize)
        let nodes = InMemoryMerkleNodes()
        var frontier = MerkleFrontier()
        #expect(frontier.rootHash.bytes == naive.root(0))
        var problems: [String] = []
        for n in 1...Self.largestCheckedSize {
            let oldSize = frontier.size
            let completed = frontier.append(leafHash: MerkleHash.leafHash(naive.leaves[n - 1]))
            for node in completed { try nodes.store(node) }

            // The leaf, then one node per trailing one bit of the old size, bottom up.
            let trailingOnes = (~oldSize).trailingZeroBitCount
            if completed.map(\.level) != Array(0...trailingOnes) { problems.append("size \(n): levels \(completed.map(\.level))") }
            if frontier.size != Int64(n) { problems.append("size \(n): frontier says \(frontier.size)") }
            if frontier.rootHash.bytes != naive.root(n) { problems.append("size \(n): root") }
            if frontier.hashes.count != n.nonzeroBitCount { problems.append("size \(n): \(frontier.hashes.count) frontier hashes") }
            // Every perfect subtree, and nothing else: 2n − popcount(n) nodes.
            if nodes.count != 2 * n - n.nonzeroBitCount { problems.append("size \(n): \(nodes.count) nodes stored") }
        }
        let expected = Set(
            naive.perfectSubtrees(Self.largestCheckedSize).map {
                MerkleNode(level: $0.key.level, index: Int64($0.key.index), hash: SHA256Hash(bytes: $0.value)!)
            })
        #expect(nodes.allNodes == expected)
        #expect(nodes.count == 2 * 300 - 300.nonzeroBitCount)
        #expect(problems.isEmpty, "\(problems.prefix(10))")
    }

    @Test func frontierReadFromTheNodesEqualsTheOneBuiltByAppending() throws {
        let naive = NaiveMerkleTree(count: Self.largestCheckedSize)
        let nodes = InMemoryMerkleNodes(naive, size: Self.largestCheckedSize)
        var appended = MerkleFrontier()
        for n in 0...Self.largestCheckedSize {
            if n > 0 { appended.append(leafHash: MerkleHash.leafHash(naive.leaves[n - 1])) }
            let (read, reads) = try nodes.measuringReads(upTo: Int64(n)) { try MerkleFrontier(size: Int64(n), nodes: nodes) }
            #expect(read == appended, "size \(n)")
            #expect(reads == n.nonzeroBitCount)
            #expect(MerkleFrontier(size: Int64(n), hashes: appended.hashes) == appended)
        }
    }

    @Test func frontiersMatchThePublishedCompactTrees() throws {
        var frontier = MerkleFrontier()
        for (size, positions) in MerkleTestVectors.frontiers.enumerated() {
            if size > 0 { frontier.append(leafHash: MerkleHash.leafHash(MerkleTestVectors.leaves[size - 1])) }
            let expected = positions.map { MerkleTestVectors.nodeHashes[$0.level][$0.index] }
            #expect(frontier.hashes.map(\.hex) == expected, "size \(size)")
            #expect(frontier.rootHash == MerkleTestVectors.root(size))
        }
    }

    @Test func appendingToAFrontierReadBackContinuesTheSameTree() throws {
        let naive = NaiveMerkleTree(count: 100)
        let nodes = InMemoryMerkleNodes(naive, size: 37)
        var frontier = try MerkleFrontier(size: 37, nodes: nodes)
        for n in 38...100 {
            try frontier.append(leafHash: MerkleHash.leafHash(naive.leaves[n - 1]), store: nodes.store)
            #expect(frontier.rootHash.bytes == naive.root(n))
        }
        #expect(nodes.allNodes.count == 2 * 100 - 100.nonzeroBitCount)
    }

    @Test func refusesAFrontierOfTheWrongShape() {
        let hash = MerkleHash.leafHash([1])
        #expect(MerkleFrontier(size: 0, hashes: []) == MerkleFrontier())
        #expect(MerkleFrontier(size: 0, hashes: [hash]) == nil)
        #expect(MerkleFrontier(size: 3, hashes: [hash]) == nil)
        #expect(MerkleFrontier(size: 4, hashes: [hash, hash]) == nil)
        #expect(MerkleFrontier(size: 5, hashes: [hash, hash])?.size == 5)
    }

    @Test func aStoreThatFailsLeavesTheFrontierAsItWas() throws {
        struct Refused: Error {}
        var frontier = MerkleFrontier()
        for index in 0..<7 { frontier.append(leafHash: MerkleHash.leafHash([UInt8(index)])) }
        let before = frontier
        var offered = 0
        #expect(throws: Refused.self) {
            try frontier.append(leafHash: MerkleHash.leafHash([7])) { node in
                offered += 1
                if node.level == 2 { throw Refused() }
            }
        }
        #expect(offered == 3)
        #expect(frontier == before)
        let completed = frontier.append(leafHash: MerkleHash.leafHash([7]))
        #expect(completed.map(\.level) == [0, 1, 2, 3])
        #expect(completed.map(\.index) == [7, 3, 1, 0])
        #expect(frontier.hashes == [completed[3].hash])
    }
}
