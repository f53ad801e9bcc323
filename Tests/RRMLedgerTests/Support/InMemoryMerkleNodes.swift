@testable import RRMFormat
@testable import RRMSimulation
@testable import RRMStore

/// The ledger's node table, stood in for by an array per level that counts reads, to show proofs read O(log n) nodes.
///
/// It refuses reads beyond `limit` leaves, so tests also see that a proof for a tree of n leaves
/// reads only that tree's nodes.
final class InMemoryMerkleNodes: MerkleNodeSource {
    struct Missing: Error, Equatable {
        let level: Int
        let index: Int64
    }

    struct OutOfOrder: Error {
        let node: MerkleNode
    }

    private(set) var levels: [[SHA256Hash]] = []
    private(set) var reads = 0
    /// Reads of nodes not wholly within the first `limit` leaves throw `Missing`.
    var limit: Int64 = .max

    init() {}

    /// A store holding every perfect subtree of the naive tree's first n leaves.
    convenience init(_ naive: NaiveMerkleTree, size n: Int) {
        self.init()
        for (position, hash) in naive.perfectSubtrees(n).sorted(by: { ($0.key.level, $0.key.index) < ($1.key.level, $1.key.index) }) {
            try! store(MerkleNode(level: position.level, index: Int64(position.index), hash: SHA256Hash(bytes: hash)!))
        }
    }

    func node(level: Int, index: Int64) throws -> SHA256Hash {
        reads += 1
        guard level < 64, (index + 1) << level <= limit, level < levels.count, index < levels[level].count else {
            throw Missing(level: level, index: index)
        }
        return levels[level][Int(index)]
    }

    /// Stores a node; nodes of a level must come in order, as the frontier hands them over.
    func store(_ node: MerkleNode) throws {
        while levels.count <= node.level { levels.append([]) }
        guard node.index == levels[node.level].count else { throw OutOfOrder(node: node) }
        levels[node.level].append(node.hash)
    }

    var count: Int { levels.reduce(0) { $0 + $1.count } }

    var allNodes: Set<MerkleNode> {
        var nodes = Set<MerkleNode>()
        for (level, hashes) in levels.enumerated() {
            for (index, hash) in hashes.enumerated() {
                nodes.insert(MerkleNode(level: level, index: Int64(index), hash: hash))
            }
        }
        return nodes
    }

    /// Runs `body` counting only its reads, with reads limited to the first `size` leaves.
    func measuringReads<T>(upTo size: Int64, _ body: () throws -> T) rethrows -> (result: T, reads: Int) {
        let (savedLimit, savedReads) = (limit, reads)
        limit = size
        reads = 0
        defer { (limit, reads) = (savedLimit, savedReads) }
        return (try body(), reads)
    }
}
