import Foundation
import GRDB
import Testing

@testable import RRMAnalysis
@testable import RRMFormat
@testable import RRMStore

/// `Ledger.recordCheckpoint`: signs what the tree holds, records it once, never signs a fork.
@Suite struct CheckpointRecordingTests {
    @Test func signsTheTreeHeadWithTheLedgersOriginAndRecordsIt() throws {
        let temp = try TemporaryLedger()
        try temp.append(TreeFixtures.models(11))
        let signer = TreeFixtures.signer()
        let recording = try temp.ledger.recordCheckpoint(signer: signer)
        #expect(recording.isNew)
        let verified = try VerifiedCheckpoint.open(recording.checkpoint.note, verifier: signer.verifier, origin: try temp.ledger.origin())
        #expect(verified.size == 11)
        #expect(verified.rootHash == (try temp.ledger.treeHead()).rootHash)
        #expect(try temp.ledger.newestCheckpoint() == recording.checkpoint)
        #expect(try temp.ledger.checkpoint(size: 11) == recording.checkpoint)

        let again = try temp.ledger.recordCheckpoint(signer: signer)
        #expect(!again.isNew && again.checkpoint == recording.checkpoint)
        #expect(throws: LedgerError.checkpointExists(size: 11, signedBy: signer.description)) {
            try temp.ledger.recordCheckpoint(signer: TreeFixtures.signer("other"))
        }
        try temp.append(TreeFixtures.models(2, from: 12))
        #expect(try temp.ledger.recordCheckpoint(signer: signer).checkpoint.size == 13)
        #expect(try temp.ledger.checkpoints().map(\.size) == [11, 13])
    }

    @Test func refusesAnEmptyLedger() throws {
        let temp = try TemporaryLedger()
        #expect(throws: LedgerError.emptyLedger(path: temp.path)) { try temp.ledger.recordCheckpoint(signer: TreeFixtures.signer()) }
    }

    @Test func refusesToSignATreeThatDoesNotExtendTheLastCheckpoint() throws {
        let temp = try TemporaryLedger()
        try temp.append(TreeFixtures.models(8))
        let signer = TreeFixtures.signer()
        _ = try temp.ledger.recordCheckpoint(signer: signer)
        try temp.append(TreeFixtures.models(4, from: 9))
        // Entries 1…8 rewritten, their hashes and the tree recomputed, the checkpoint kept.
        let checkpoints = try temp.ledger.checkpoints()
        try TreeFixtures.forge(temp, from: 3) { $0.replacingOccurrences(of: "policy", with: "critic") }
        try temp.tamper(
            "INSERT INTO checkpoint (size, root, note, signed_at) VALUES (8, x'\(checkpoints[0].rootHash.hex)', '\(checkpoints[0].note)', 'then')"
        )
        let before = try temp.contentDigest()
        #expect {
            try temp.ledger.recordCheckpoint(signer: signer)
        } throws: { error in
            guard case LedgerError.inconsistentLedger(let inconsistency) = error else { return false }
            return inconsistency.kind == .rewrite && inconsistency.detail.contains("does not extend the checkpoint of size 8")
        }
        #expect(try temp.contentDigest() == before)
        let report = try temp.ledger.verify(VerificationOptions(deep: true))
        #expect(report.faults.contains { $0.kind == .rewritten && $0.seq == 8 })
    }
}
