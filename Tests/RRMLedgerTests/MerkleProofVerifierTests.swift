import Crypto
import Testing

@testable import RRMAnalysis
@testable import RRMFormat
@testable import RRMSimulation
@testable import RRMStore

@Suite struct MerkleProofVerifierTests {
    typealias Verifier = MerkleProofVerifier

    // MARK: - Edge cases

    @Test func inclusionEdgeCases() throws {
        let leaf = MerkleHash.leafHash([1])
        let other = MerkleHash.leafHash([2])
        for (index, size): (Int64, Int64) in [(0, 0), (1, 0), (1, 1), (2, 1), (7, 7), (.max, 3)] {
            #expect(throws: MerkleProofError.indexBeyondSize(index: index, size: size)) {
                try Verifier.verifyInclusion(leafHash: leaf, index: index, size: size, proof: [], root: leaf)
            }
        }
        // A one-leaf tree: the root is the leaf hash and the proof is empty.
        try Verifier.verifyInclusion(leafHash: leaf, index: 0, size: 1, proof: [], root: leaf)
        #expect(throws: MerkleProofError.rootMismatch) {
            try Verifier.verifyInclusion(leafHash: leaf, index: 0, size: 1, proof: [], root: other)
        }
        #expect(throws: MerkleProofError.proofTooLong(count: 1)) {
            try Verifier.verifyInclusion(leafHash: leaf, index: 0, size: 1, proof: [other], root: leaf)
        }
        #expect(throws: MerkleProofError.proofTooShort(count: 0)) {
            try Verifier.verifyInclusion(leafHash: leaf, index: 0, size: 2, proof: [], root: MerkleHash.nodeHash(leaf, other))
        }
        try Verifier.verifyInclusion(leafHash: other, index: 1, size: 2, proof: [leaf], root: MerkleHash.nodeHash(leaf, other))
        #expect(throws: MerkleProofError.wrongHashLength(.proofElement(0), length: 31)) {
            try Verifier.verifyInclusion(leafHash: other.bytes, index: 1, size: 2, proof: [Array(leaf.bytes.dropLast())], root: leaf.bytes)
        }
        #expect(throws: MerkleProofError.wrongHashLength(.leafHash, length: 0)) {
            try Verifier.verifyInclusion(leafHash: [], index: 0, size: 1, proof: [], root: leaf.bytes)
        }
        #expect(throws: MerkleProofError.wrongHashLength(.root, length: 33)) {
            try Verifier.verifyInclusion(leafHash: leaf.bytes, index: 0, size: 1, proof: [], root: leaf.bytes + [0])
        }
    }

    @Test func consistencyEdgeCases() throws {
        let empty = MerkleHash.emptyRoot
        let one = MerkleHash.leafHash([1])
        let two = MerkleHash.nodeHash(one, MerkleHash.leafHash([2]))
        // A tree never shrinks, whatever the proof.
        for (oldSize, newSize): (Int64, Int64) in [(1, 0), (2, 1), (.max, 0)] {
            #expect(throws: MerkleProofError.oldSizeBeyondNewSize(oldSize: oldSize, newSize: newSize)) {
                try Verifier.verifyConsistency(oldSize: oldSize, newSize: newSize, oldRoot: one, newRoot: one, proof: [])
            }
        }
        // Equal sizes: an empty proof and the same root.
        try Verifier.verifyConsistency(oldSize: 0, newSize: 0, oldRoot: empty, newRoot: empty, proof: [])
        try Verifier.verifyConsistency(oldSize: 1, newSize: 1, oldRoot: one, newRoot: one, proof: [])
        try Verifier.verifyConsistency(oldSize: 2, newSize: 2, oldRoot: two, newRoot: two, proof: [])
        #expect(throws: MerkleProofError.rootsDifferAtEqualSize) {
            try Verifier.verifyConsistency(oldSize: 1, newSize: 1, oldRoot: one, newRoot: two, proof: [])
        }
        #expect(throws: MerkleProofError.proofTooLong(count: 1)) {
            try Verifier.verifyConsistency(oldSize: 1, newSize: 1, oldRoot: one, newRoot: one, proof: [one])
        }
        #expect(throws: MerkleProofError.newRootMismatch) {
            try Verifier.verifyConsistency(oldSize: 0, newSize: 0, oldRoot: empty, newRoot: one, proof: [])
        }
        // From the empty tree: an empty proof, and the old root must be the empty tree's.
        try Verifier.verifyConsistency(oldSize: 0, newSize: 1, oldRoot: empty, newRoot: one, proof: [])
        try Verifier.verifyConsistency(oldSize: 0, newSize: 2, oldRoot: empty, newRoot: two, proof: [])
        #expect(throws: MerkleProofError.oldRootMismatch) {
            try Verifier.verifyConsistency(oldSize: 0, newSize: 1, oldRoot: one, newRoot: one, proof: [])
        }
        #expect(throws: MerkleProofError.proofTooLong(count: 1)) {
            try Verifier.verifyConsistency(oldSize: 0, newSize: 1, oldRoot: empty, newRoot: one, proof: [empty])
        }
        // 0 < old < new: RFC 9162 step 1 refuses an empty proof.
        #expect(throws: MerkleProofError.proofTooShort(count: 0)) {
            try Verifier.verifyConsistency(oldSize: 1, newSize: 2, oldRoot: one, newRoot: two, proof: [])
        }
        try Verifier.verifyConsistency(oldSize: 1, newSize: 2, oldRoot: one, newRoot: two, proof: [MerkleHash.leafHash([2])])
        #expect(throws: MerkleProofError.wrongHashLength(.newRoot, length: 3)) {
            try Verifier.verifyConsistency(oldSize: 1, newSize: 2, oldRoot: one.bytes, newRoot: [1, 2, 3], proof: [])
        }
        #expect(throws: MerkleProofError.wrongHashLength(.oldRoot, length: 0)) {
            try Verifier.verifyConsistency(oldSize: 1, newSize: 2, oldRoot: [], newRoot: two.bytes, proof: [])
        }
    }

    @Test func publishedProofsVerify() throws {
        let leaves = MerkleTestVectors.leaves.map { MerkleHash.leafHash($0) }
        for vector in MerkleTestVectors.inclusionProofs {
            try Verifier.verifyInclusion(
                leafHash: leaves[Int(vector.index)].bytes, index: vector.index, size: vector.size,
                proof: vector.proof.map { Hex.decode($0)! }, root: MerkleTestVectors.root(Int(vector.size)).bytes)
        }
        for vector in MerkleTestVectors.consistencyProofs {
            try Verifier.verifyConsistency(
                oldSize: vector.oldSize, newSize: vector.newSize, oldRoot: MerkleTestVectors.root(Int(vector.oldSize)).bytes,
                newRoot: MerkleTestVectors.root(Int(vector.newSize)).bytes, proof: vector.proof.map { Hex.decode($0)! })
        }
    }

    @Test func errorsSayWhatFailed() {
        #expect(MerkleProofError.indexBeyondSize(index: 7, size: 7).description == "leaf index 7 is not in a tree of size 7")
        #expect(
            MerkleProofError.wrongHashLength(.proofElement(2), length: 31).description == "proof element 2 is 31 bytes long, not 32")
        #expect(MerkleProofError.oldSizeBeyondNewSize(oldSize: 9, newSize: 8).description.contains("cannot shrink"))
    }

    // MARK: - Corrupted proofs

    struct InclusionClaim {
        var leafHash: [UInt8]
        var index: Int64
        var size: Int64
        var proof: [[UInt8]]
        var root: [UInt8]
        var change = "genuine"

        var accepted: Bool {
            (try? Verifier.verifyInclusion(leafHash: leafHash, index: index, size: size, proof: proof, root: root)) != nil
        }
    }

    struct ConsistencyClaim {
        var oldSize: Int64
        var newSize: Int64
        var oldRoot: [UInt8]
        var newRoot: [UInt8]
        var proof: [[UInt8]]
        var change = "genuine"

        var accepted: Bool {
            (try? Verifier.verifyConsistency(oldSize: oldSize, newSize: newSize, oldRoot: oldRoot, newRoot: newRoot, proof: proof)) != nil
        }
    }

    /// Bits flipped in each proof element: every bit of the first byte, and a few further in.
    static let flippedBits: [(byte: Int, bit: Int)] = (0..<8).map { (0, $0) } + [(15, 3), (16, 0), (31, 0), (31, 7)]

    /// Every damaged version of a proof, so that each kind of damage is tried on every element.
    ///
    /// Each element with one bit flipped, removed, truncated to 31 bytes, extended to 33 or
    /// repeated; neighbouring elements swapped; the whole reversed or emptied; and foreign hashes
    /// added at the front, in the middle and at the end.
    static func damaged(_ proof: [[UInt8]], foreign: [[UInt8]]) -> [(change: String, proof: [[UInt8]])] {
        var result: [(String, [[UInt8]])] = []
        for (position, element) in proof.enumerated() {
            for (byte, bit) in flippedBits {
                var changed = proof
                changed[position][byte] ^= 1 << bit
                result.append(("element \(position) byte \(byte) bit \(bit) flipped", changed))
            }
            var changed = proof
            changed.remove(at: position)
            result.append(("element \(position) removed", changed))
            changed = proof
            changed[position] = Array(element.dropLast())
            result.append(("element \(position) truncated", changed))
            changed = proof
            changed[position] = element + [0]
            result.append(("element \(position) extended", changed))
            changed = proof
            changed.insert(element, at: position)
            result.append(("element \(position) repeated", changed))
            if position + 1 < proof.count {
                changed = proof
                changed.swapAt(position, position + 1)
                result.append(("elements \(position) and \(position + 1) swapped", changed))
            }
        }
        if proof.count > 1 { result.append(("reversed", proof.reversed())) }
        if !proof.isEmpty { result.append(("emptied", [])) }
        for (number, hash) in foreign.enumerated() {
            result.append(("foreign hash \(number) added in front", [hash] + proof))
            result.append(("foreign hash \(number) added at the end", proof + [hash]))
            var changed = proof
            changed.insert(hash, at: proof.count / 2)
            result.append(("foreign hash \(number) added in the middle", changed))
        }
        return result
    }

    /// Every wrong claim made from a genuine inclusion claim.
    ///
    /// A changed size comes with the root a checkpoint of that size would carry (see
    /// `sizeIsNotInTheRoot` for why).
    static func corruptions(of genuine: InclusionClaim, tree: NaiveMerkleTree) -> [InclusionClaim] {
        let n = Int(genuine.size)
        let i = Int(genuine.index)
        var result: [InclusionClaim] = []
        func add(_ change: String, _ edit: (inout InclusionClaim) -> Void) {
            var claim = genuine
            edit(&claim)
            claim.change = change
            result.append(claim)
        }
        add("index - 1") { $0.index = $0.index &- 1 }
        add("index + 1") { $0.index += 1 }
        add("size × 2") { $0.size *= 2 }
        add("size × 2 with its root") {
            $0.size *= 2
            $0.root = tree.root(2 * n)
        }
        add("size ÷ 2") { $0.size /= 2 }
        add("size ÷ 2 with its root") {
            $0.size /= 2
            $0.root = tree.root(n / 2)
        }
        add("size + 1 with its root") {
            $0.size += 1
            $0.root = tree.root(n + 1)
        }
        add("size - 1 with its root") {
            $0.size -= 1
            $0.root = tree.root(n - 1)
        }
        add("another leaf") { $0.leafHash = MerkleHash.leafHash(tree.leaves[(i + 1) % tree.leaves.count]).bytes }
        add("leaf hashed without its 0x00 prefix") { $0.leafHash = NaiveMerkleTree.sha256(tree.leaves[i]) }
        add("root of size + 1") { $0.root = tree.root(n + 1) }
        if n > 1 { add("root of size - 1") { $0.root = tree.root(n - 1) } }
        add("root of the empty tree") { $0.root = MerkleHash.emptyRoot.bytes }
        add("root truncated") { $0.root.removeLast() }
        let foreign = [genuine.root, MerkleHash.emptyRoot.bytes, MerkleHash.leafHash(Array("foreign".utf8)).bytes]
        for (change, proof) in damaged(genuine.proof, foreign: foreign) {
            add(change) { $0.proof = proof }
        }
        return result
    }

    /// Every wrong claim made from a genuine consistency claim (0 < old < new).
    static func corruptions(of genuine: ConsistencyClaim, tree: NaiveMerkleTree) -> [ConsistencyClaim] {
        let m = Int(genuine.oldSize)
        let n = Int(genuine.newSize)
        var result: [ConsistencyClaim] = []
        func add(_ change: String, _ edit: (inout ConsistencyClaim) -> Void) {
            var claim = genuine
            edit(&claim)
            claim.change = change
            result.append(claim)
        }
        add("old size - 1 with its root") {
            $0.oldSize -= 1
            $0.oldRoot = tree.root(m - 1)
        }
        add("old size + 1 with its root") {
            $0.oldSize += 1
            $0.oldRoot = tree.root(m + 1)
        }
        add("new size - 1 with its root") {
            $0.newSize -= 1
            $0.newRoot = tree.root(n - 1)
        }
        add("new size + 1 with its root") {
            $0.newSize += 1
            $0.newRoot = tree.root(n + 1)
        }
        add("new size × 2 with its root") {
            $0.newSize *= 2
            $0.newRoot = tree.root(2 * n)
        }
        add("sizes swapped") { swap(&$0.oldSize, &$0.newSize) }
        add("sizes and roots swapped") {
            swap(&$0.oldSize, &$0.newSize)
            swap(&$0.oldRoot, &$0.newRoot)
        }
        add("roots swapped") { swap(&$0.oldRoot, &$0.newRoot) }
        add("old root of size - 1") { $0.oldRoot = tree.root(m - 1) }
        add("old root of size + 1") { $0.oldRoot = tree.root(m + 1) }
        add("new root of size - 1") { $0.newRoot = tree.root(n - 1) }
        add("new root of size + 1") { $0.newRoot = tree.root(n + 1) }
        add("both roots from another ledger") {
            $0.oldRoot = MerkleHash.leafHash(Array("other \(m)".utf8)).bytes
            $0.newRoot = MerkleHash.leafHash(Array("other \(n)".utf8)).bytes
        }
        add("old root truncated") { $0.oldRoot.removeLast() }
        add("new root truncated") { $0.newRoot.removeLast() }
        let foreign = [genuine.oldRoot, genuine.newRoot, MerkleHash.leafHash(Array("foreign".utf8)).bytes]
        for (change, proof) in damaged(genuine.proof, foreign: foreign) {
            add(change) { $0.proof = proof }
        }
        return result
    }

    /// Tree sizes whose every index, or every old size, is corrupted; larger trees are sampled.
    static let exhaustiveSizes = 1...64
    static let sampledSizes = [100, 127, 128, 129, 255, 256, 257, 300]

    static func sampledPositions(below n: Int) -> [Int] {
        Array(Set(Array(stride(from: 0, to: n, by: 7)) + [1, n / 2, n - 2, n - 1]).filter { $0 >= 0 && $0 < n }).sorted()
    }

    @Test func everyCorruptedInclusionProofIsRefused() {
        let tree = NaiveMerkleTree(count: 2 * 300 + 2)
        var refused = 0
        var accepted: [String] = []
        var genuineRefused: [String] = []
        for n in Array(Self.exhaustiveSizes) + Self.sampledSizes {
            let positions = n <= Self.exhaustiveSizes.upperBound ? Array(0..<n) : Self.sampledPositions(below: n)
            for i in positions {
                let genuine = InclusionClaim(
                    leafHash: MerkleHash.leafHash(tree.leaves[i]).bytes, index: Int64(i), size: Int64(n), proof: tree.path(i, n),
                    root: tree.root(n))
                guard genuine.accepted else {
                    genuineRefused.append("leaf \(i) of \(n)")
                    continue
                }
                for claim in Self.corruptions(of: genuine, tree: tree) {
                    if claim.accepted { accepted.append("leaf \(i) of \(n): \(claim.change)") } else { refused += 1 }
                }
            }
        }
        #expect(genuineRefused.isEmpty, "\(genuineRefused.prefix(10))")
        #expect(accepted.isEmpty, "\(accepted.count) corrupted proofs accepted: \(accepted.prefix(10))")
        #expect(refused > 100_000)
        print("MerkleProofVerifierTests: \(refused) corrupted inclusion proofs refused")
    }

    @Test func everyCorruptedConsistencyProofIsRefused() {
        let tree = NaiveMerkleTree(count: 2 * 300 + 2)
        var refused = 0
        var accepted: [String] = []
        var genuineRefused: [String] = []
        for n in Array(Self.exhaustiveSizes) + Self.sampledSizes {
            let oldSizes = n <= Self.exhaustiveSizes.upperBound ? Array(1..<n) : Self.sampledPositions(below: n).filter { $0 > 0 }
            for m in oldSizes {
                let genuine = ConsistencyClaim(
                    oldSize: Int64(m), newSize: Int64(n), oldRoot: tree.root(m), newRoot: tree.root(n), proof: tree.proof(m, n))
                guard genuine.accepted else {
                    genuineRefused.append("\(m) to \(n)")
                    continue
                }
                for claim in Self.corruptions(of: genuine, tree: tree) {
                    if claim.accepted { accepted.append("\(m) to \(n): \(claim.change)") } else { refused += 1 }
                }
            }
        }
        #expect(genuineRefused.isEmpty, "\(genuineRefused.prefix(10))")
        #expect(accepted.isEmpty, "\(accepted.count) corrupted proofs accepted: \(accepted.prefix(10))")
        #expect(refused > 100_000)
        print("MerkleProofVerifierTests: \(refused) corrupted consistency proofs refused")
    }

    /// Why a changed size is checked with that size's root: an RFC 9162 root does not commit to the size.
    ///
    /// A proof for leaf 0 of 3 leaves, [b, c], also rebuilds the 3-leaf root when read as a proof
    /// in a tree of 4, whose path has the same shape. The size is bound to the root by the signed
    /// checkpoint, not by the hash: a verifier told the wrong size for a root has been lied to by
    /// the checkpoint, not by the proof.
    @Test func sizeIsNotInTheRoot() throws {
        let tree = NaiveMerkleTree(count: 4)
        let leaf = MerkleHash.leafHash(tree.leaves[0]).bytes
        try Verifier.verifyInclusion(leafHash: leaf, index: 0, size: 4, proof: tree.path(0, 3), root: tree.root(3))
        #expect(throws: MerkleProofError.rootMismatch) {
            try Verifier.verifyInclusion(leafHash: leaf, index: 0, size: 4, proof: tree.path(0, 3), root: tree.root(4))
        }
    }
}
