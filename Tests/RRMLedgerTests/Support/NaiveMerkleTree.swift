import Crypto

/// RFC 9162's recursive MTH, PATH and PROOF transcribed literally: the independent implementation the tree is checked against.
///
/// It works over the list of leaves with byte arrays and swift-crypto directly, sharing no code
/// with `MerkleTreeMath`, `MerkleFrontier` or the verifier. Only MTH is memoised, so that checking
/// every size up to a few hundred stays fast; the recursions themselves are the RFC's.
final class NaiveMerkleTree {
    let leaves: [[UInt8]]
    private var memo: [Range<Int>: [UInt8]] = [:]

    init(leaves: [[UInt8]]) {
        self.leaves = leaves
    }

    /// `count` distinct leaves, "leaf 0", "leaf 1", …
    convenience init(count: Int) {
        self.init(leaves: (0..<count).map { Array("leaf \($0)".utf8) })
    }

    static func sha256(_ bytes: [UInt8]) -> [UInt8] { Array(SHA256.hash(data: bytes)) }

    /// The largest power of two smaller than n (n > 1).
    static func split(_ n: Int) -> Int {
        var k = 1
        while k << 1 < n { k <<= 1 }
        return k
    }

    /// MTH(D[range]).
    func mth(_ range: Range<Int>) -> [UInt8] {
        if let known = memo[range] { return known }
        let hash: [UInt8]
        switch range.count {
        case 0: hash = Self.sha256([])
        case 1: hash = Self.sha256([0x00] + leaves[range.lowerBound])
        default:
            let k = Self.split(range.count)
            let middle = range.lowerBound + k
            hash = Self.sha256([0x01] + mth(range.lowerBound..<middle) + mth(middle..<range.upperBound))
        }
        memo[range] = hash
        return hash
    }

    /// MTH of the first n leaves.
    func root(_ n: Int) -> [UInt8] { mth(0..<n) }

    /// PATH(m, D[n]).
    func path(_ m: Int, _ n: Int) -> [[UInt8]] { path(m, 0..<n) }

    private func path(_ m: Int, _ range: Range<Int>) -> [[UInt8]] {
        if range.count == 1 { return [] }
        let k = Self.split(range.count)
        let middle = range.lowerBound + k
        if m < k {
            return path(m, range.lowerBound..<middle) + [mth(middle..<range.upperBound)]
        } else {
            return path(m - k, middle..<range.upperBound) + [mth(range.lowerBound..<middle)]
        }
    }

    /// PROOF(m, D[n]) = SUBPROOF(m, D[n], true), for 0 < m ≤ n.
    func proof(_ m: Int, _ n: Int) -> [[UInt8]] { subproof(m, 0..<n, true) }

    private func subproof(_ m: Int, _ range: Range<Int>, _ b: Bool) -> [[UInt8]] {
        if m == range.count { return b ? [] : [mth(range)] }
        let k = Self.split(range.count)
        let middle = range.lowerBound + k
        if m <= k {
            return subproof(m, range.lowerBound..<middle, b) + [mth(middle..<range.upperBound)]
        } else {
            return subproof(m - k, middle..<range.upperBound, false) + [mth(range.lowerBound..<middle)]
        }
    }

    /// Every perfect subtree of the tree of the first n leaves, keyed by (level, index).
    func perfectSubtrees(_ n: Int) -> [NodePosition: [UInt8]] {
        var nodes: [NodePosition: [UInt8]] = [:]
        var level = 0
        while 1 << level <= n {
            var index = 0
            while (index + 1) << level <= n {
                nodes[NodePosition(level: level, index: index)] = mth(index << level..<(index + 1) << level)
                index += 1
            }
            level += 1
        }
        return nodes
    }

    struct NodePosition: Hashable {
        let level: Int
        let index: Int
    }
}
