import Foundation
import GRDB
import Testing

@testable import RRMAnalysis
@testable import RRMFormat
@testable import RRMStore

/// The tree append keeps in the ledger: equal, node for node, to RFC 9162's recursive definition
/// over the entry hashes; roots and proofs from it verify; damage is found and refused.
@Suite struct LedgerTreeTests {
    @Test func storedTreeEqualsANaiveRecomputationAfterBatchesOfDifferentSizes() throws {
        let temp = try TemporaryLedger()
        var appended = 0
        for batch in [1, 1, 2, 3, 7, 16, 1, 33, 64, 5, 127] {
            try temp.append(TreeFixtures.models(batch, from: appended + 1))
            appended += batch
            let naive = NaiveMerkleTree(leaves: try TreeFixtures.entryHashes(temp))
            let expected = naive.perfectSubtrees(appended).filter { $0.key.level > 0 }
            let stored = try TreeFixtures.storedNodes(temp)
            #expect(stored == expected, "after \(appended) entries")
            #expect(stored.count == appended - appended.nonzeroBitCount)
            #expect(try temp.ledger.treeHead() == TreeHead(size: Int64(appended), rootHash: SHA256Hash(bytes: naive.root(appended))!))
        }
    }

    @Test func rootsAtEverySizeAndProofsFromTheLedgerVerify() throws {
        let temp = try TemporaryLedger()
        try temp.append(TreeFixtures.models(20))
        try temp.append(TreeFixtures.models(25, from: 21))
        let naive = NaiveMerkleTree(leaves: try TreeFixtures.entryHashes(temp))
        var problems: [String] = []
        for size in Int64(0)...45 {
            let root = try temp.ledger.rootHash(size: size)
            if root.bytes != naive.root(Int(size)) { problems.append("root at \(size)") }
            guard size > 0 else { continue }
            for seq in Int64(1)...Int64(size) {
                let proof = try temp.ledger.inclusionProof(seq: seq, size: size)
                if proof.map(\.bytes) != naive.path(Int(seq - 1), Int(size)) { problems.append("inclusion \(seq) in \(size)") }
                do {
                    try MerkleProofVerifier.verifyInclusion(
                        leafHash: MerkleHash.leafHash(naive.leaves[Int(seq - 1)]), index: Int64(seq - 1), size: size, proof: proof,
                        root: root)
                } catch {
                    problems.append("inclusion \(seq) in \(size): \(error)")
                }
            }
            for old in Int64(1)...size {
                let proof = try temp.ledger.consistencyProof(oldSize: old, newSize: size)
                if proof.map(\.bytes) != naive.proof(Int(old), Int(size)) { problems.append("consistency \(old)→\(size)") }
                do {
                    try MerkleProofVerifier.verifyConsistency(
                        oldSize: old, newSize: size, oldRoot: try temp.ledger.rootHash(size: old), newRoot: root, proof: proof)
                } catch {
                    problems.append("consistency \(old)→\(size): \(error)")
                }
            }
        }
        #expect(problems.isEmpty, "\(problems.prefix(10))")
        #expect(throws: LedgerError.treeSizeBeyondLedger(size: 46, entries: 45)) { try temp.ledger.rootHash(size: 46) }
    }

    @Test func aRefusedOrDryRunBatchLeavesNoNodes() throws {
        let temp = try TemporaryLedger()
        try temp.append(TreeFixtures.models(3))
        let before = try temp.contentDigest()
        _ = try temp.append(TreeFixtures.models(9, from: 4), dryRun: true)
        #expect(throws: LedgerError.self) { try temp.append(TreeFixtures.models(4, from: 4) + "{\"kind\":\"model\"}\n") }
        #expect(try temp.contentDigest() == before)
        try temp.append(TreeFixtures.models(9, from: 4))
        #expect(try TreeFixtures.storedNodes(temp).count == 12 - 2)
    }

    @Test func eachLedgerGetsItsOwnOriginAtInit() throws {
        let (first, second) = (try TemporaryLedger(), try TemporaryLedger())
        let origins = [try first.ledger.origin(), try second.ledger.origin()].compactMap { $0 }
        #expect(origins.count == 2 && origins[0] != origins[1])
        for origin in origins {
            #expect(origin.hasPrefix("rrm-ledger/") && Hex.isLowercaseDigest(String(origin.dropFirst(11)), byteCount: 16))
            #expect(LedgerOrigin.keyName(for: origin) == origin)
        }
        #expect(LedgerOrigin.keyName(for: "a+b c\td") == "a-b-c-d")
    }

    @Test func verifyDeepDetectsAForgedAMissingAndAnExtraNode() throws {
        let temp = try TemporaryLedger()
        try temp.append(TreeFixtures.models(40))
        #expect(try temp.ledger.verify(VerificationOptions(deep: true)).isIntact)
        try temp.tamper("UPDATE merkle_node SET hash = zeroblob(32) WHERE level = 2 AND idx = 3")
        let forged = try temp.ledger.verify(VerificationOptions(deep: true))
        #expect(forged.faults.map(\.kind) == [.derivedMismatch])
        #expect(forged.faults.first?.seq == 16)
        #expect(forged.faults.first?.message.contains("level 2, index 3") == true)
        #expect(try temp.ledger.verify().isIntact, "the plain verify checks the chain only")

        try temp.tamper("DELETE FROM merkle_node WHERE level = 1 AND idx = 0; INSERT INTO merkle_node VALUES (5, 7, zeroblob(32))")
        let messages = try temp.ledger.verify(VerificationOptions(deep: true)).faults.map(\.message)
        #expect(messages.count == 3)
        #expect(messages.contains { $0.contains("level 1, index 0 is missing") })
        #expect(messages.contains { $0.contains("level 5, index 7 is not part of the tree of 40 entries") })
    }

    @Test func appendRefusesADamagedTreeAndWritesNothing() throws {
        let temp = try TemporaryLedger()
        try temp.append(TreeFixtures.models(6))
        try temp.tamper("DELETE FROM merkle_node WHERE level = 2 AND idx = 0")
        let before = try temp.contentDigest()
        #expect {
            try temp.append(TreeFixtures.models(1, from: 7))
        } throws: { error in
            guard case LedgerError.damagedTree(_, let detail) = error else { return false }
            return detail.contains("level 2, index 0 is missing")
        }
        #expect(try temp.contentDigest() == before)
    }
}
