import Foundation
import GRDB
import Testing

@testable import RRMFormat
@testable import RRMStore

/// docs/vectors/tree-v1.json: rrm-ledger reproduces every byte of the published tree, checkpoint
/// and proof vectors (computed independently in Python when they were made), and the published
/// proofs verify with the published verifier key.
@Suite struct TreeVectorTests {
    struct Vectors: Decodable {
        struct Node: Decodable {
            let level: Int
            let index: Int
            let hash: String
        }
        let origin: String
        let events: [String]
        let entry_hashes: [String]
        let leaf_hashes: [String]
        let stored_nodes: [Node]
        let roots: [String]
        let test_private_key: String
        let verifier_key: String
        let checkpoint_3: String
        let checkpoint_7: String
        let inclusion_proof_entry_5: String
        let consistency_proof_3_to_7: String
    }

    static func vectors() throws -> Vectors {
        try JSONDecoder().decode(Vectors.self, from: Data(try RepositoryFiles.text("docs/vectors/tree-v1.json").utf8))
    }

    @Test func theLedgerReproducesTheTreeCheckpointsAndProofs() throws {
        let vectors = try Self.vectors()
        let temp = try TemporaryLedger()
        try temp.tamper("UPDATE ledger_info SET value = '\(vectors.origin)' WHERE key = 'origin'")
        let signer = try NoteSigner(parsing: vectors.test_private_key)
        #expect(signer.verifier.keyText == vectors.verifier_key)

        try temp.append(vectors.events[0..<3].joined(separator: "\n") + "\n")
        #expect(try temp.ledger.recordCheckpoint(signer: signer).checkpoint.note == vectors.checkpoint_3)
        try temp.append(vectors.events[3...].joined(separator: "\n") + "\n")
        #expect(try temp.ledger.recordCheckpoint(signer: signer).checkpoint.note == vectors.checkpoint_7)

        let hashes = try TreeFixtures.entryHashes(temp)
        #expect(hashes.map { Hex.encode($0) } == vectors.entry_hashes)
        #expect(hashes.map { MerkleHash.leafHash($0).hex } == vectors.leaf_hashes)
        let stored = try TreeFixtures.storedNodes(temp)
        #expect(stored.count == vectors.stored_nodes.count)
        for node in vectors.stored_nodes {
            #expect(stored[NaiveMerkleTree.NodePosition(level: node.level, index: node.index)].map { Hex.encode($0) } == node.hash)
        }
        for (size, root) in vectors.roots.enumerated() {
            #expect(try temp.ledger.rootHash(size: Int64(size)).hex == root, "size \(size)")
        }
        #expect(try temp.ledger.inclusionProofBundle(id: "label-0b").text == vectors.inclusion_proof_entry_5)
        #expect(try temp.ledger.consistencyProofBundle(oldSize: 3).text == vectors.consistency_proof_3_to_7)
    }

    @Test func thePublishedProofsVerifyWithThePublishedKey() throws {
        let vectors = try Self.vectors()
        let verifier = try NoteVerifier(parsing: vectors.verifier_key)
        let inclusion = try InclusionProofBundle(parsing: vectors.inclusion_proof_entry_5)
        #expect(try inclusion.verify(with: verifier, origin: vectors.origin).rootHash.hex == vectors.roots[7])
        #expect(inclusion.entryHash.hex == vectors.entry_hashes[4])
        let consistency = try ConsistencyProofBundle(parsing: vectors.consistency_proof_3_to_7)
        let verified = try consistency.verify(with: verifier, origin: vectors.origin)
        #expect(verified.oldCheckpoint?.note == vectors.checkpoint_3)
        #expect(consistency.oldRoot.hex == vectors.roots[3])
    }
}
