import Crypto
import Testing

@testable import RRMArchive
@testable import RRMFormat
@testable import RRMStore

@Suite struct MerkleHashTests {
    @Test func emptyRootIsSHA256OfNothing() {
        #expect(MerkleHash.emptyRoot.hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(MerkleHash.emptyRoot == MerkleTestVectors.root(0))
    }

    @Test func leafHashesMatchThePublishedVectors() {
        let leaves = MerkleTestVectors.leaves
        #expect(leaves.map { MerkleHash.leafHash($0).hex } == MerkleTestVectors.nodeHashes[0])
    }

    @Test func nodeHashesMatchThePublishedVectors() {
        let levels = MerkleTestVectors.nodeHashes.map { $0.map(MerkleTestVectors.digest) }
        for level in 1..<levels.count {
            for index in levels[level].indices {
                let hash = MerkleHash.nodeHash(levels[level - 1][2 * index], levels[level - 1][2 * index + 1])
                #expect(hash == levels[level][index], "node (\(level), \(index))")
            }
        }
    }

    @Test func hashesAreTheRFCFormulasOverBytes() {
        let data = Array("rrm-ledger".utf8)
        #expect(MerkleHash.leafHash(data).bytes == Array(SHA256.hash(data: [0x00] + data)))
        let left = MerkleHash.leafHash([1])
        let right = MerkleHash.leafHash([2])
        #expect(MerkleHash.nodeHash(left, right).bytes == Array(SHA256.hash(data: [0x01] + left.bytes + right.bytes)))
        #expect(MerkleHash.nodeHash(left, right) != MerkleHash.nodeHash(right, left))
    }

    @Test func digestIsExactly32Bytes() {
        let bytes = (0..<32).map { UInt8($0) }
        let digest = SHA256Hash(bytes: bytes)
        #expect(digest?.bytes == bytes)
        #expect(digest?.hex == Hex.encode(bytes))
        #expect(SHA256Hash(hex: Hex.encode(bytes)) == digest)
        #expect(SHA256Hash(hex: Hex.encode(bytes).uppercased()) == digest)
        #expect(SHA256Hash(bytes: Array(bytes.dropLast())) == nil)
        #expect(SHA256Hash(bytes: bytes + [0]) == nil)
        #expect(SHA256Hash(bytes: []) == nil)
        #expect(SHA256Hash(hex: "00") == nil)
        #expect(SHA256Hash(hex: String(repeating: "g", count: 64)) == nil)
    }

    @Test func digestsCompareAndHashByEveryByte() {
        let base = (0..<32).map { UInt8($0) }
        var seen: Set<SHA256Hash> = [SHA256Hash(bytes: base)!]
        for position in 0..<32 {
            var changed = base
            changed[position] ^= 0x80
            let digest = SHA256Hash(bytes: changed)!
            #expect(digest != SHA256Hash(bytes: base)!)
            seen.insert(digest)
        }
        #expect(seen.count == 33)
    }
}
