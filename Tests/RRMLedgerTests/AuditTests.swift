import Foundation
import GRDB
import Testing

@testable import RRMAnalysis
@testable import RRMFormat
@testable import RRMSimulation
@testable import RRMStore

/// The auditor's check: accepts a ledger that grows, refuses one that shrank, forked or was rewritten.
@Suite struct AuditTests {
    @Test func acceptsAGrowingLedger() throws {
        let temp = try TemporaryLedger()
        let signer = TreeFixtures.signer()
        try temp.append(TreeFixtures.models(5))
        _ = try temp.ledger.recordCheckpoint(signer: signer)
        let first = try temp.ledger.audit(verifier: signer.verifier, origin: nil, trusted: nil)
        #expect(first.outcome == .trustedOnFirstUse)
        let same = try temp.ledger.audit(verifier: signer.verifier, origin: nil, trusted: first.checkpoint)
        #expect(same.outcome == .unchanged)
        var trusted = first.checkpoint
        for grow in [1, 2, 10, 50] {
            try temp.append(TreeFixtures.models(grow, from: Int(trusted.size) + 1))
            _ = try temp.ledger.recordCheckpoint(signer: signer)
            let result = try temp.ledger.audit(verifier: signer.verifier, origin: nil, trusted: trusted)
            #expect(result.outcome == .extended(fromSize: trusted.size))
            trusted = result.checkpoint
        }
        #expect(trusted.size == 68)
    }

    func refusal(_ body: () throws -> Void) -> LedgerInconsistency? {
        do {
            try body()
        } catch LedgerError.inconsistentLedger(let inconsistency) {
            return inconsistency
        } catch {
            Issue.record("unexpected \(error)")
        }
        return nil
    }

    @Test func refusesARewrittenAndReSignedLedgerAsAFork() throws {
        let temp = try TemporaryLedger()
        let signer = TreeFixtures.signer()
        try temp.append(TreeFixtures.models(9))
        let trusted = try temp.ledger.audit(
            verifier: signer.verifier, origin: nil, trusted: nil,
            recording: signer)
        try TreeFixtures.forge(temp, from: 4) { $0.replacingOccurrences(of: "policy", with: "critic") }
        _ = try temp.ledger.recordCheckpoint(signer: signer)
        let sameSize = refusal { _ = try temp.ledger.audit(verifier: signer.verifier, origin: nil, trusted: trusted) }
        #expect(sameSize?.kind == .fork)
        #expect(sameSize?.detail.contains("two signed roots for size 9") == true)

        try temp.append(TreeFixtures.models(3, from: 10))
        _ = try temp.ledger.recordCheckpoint(signer: signer)
        let larger = refusal { _ = try temp.ledger.audit(verifier: signer.verifier, origin: nil, trusted: trusted) }
        #expect(larger?.kind == .fork)
        #expect(larger?.detail.contains("size 12 does not extend the trusted checkpoint of size 9") == true)
    }

    @Test func refusesAShrunkLedger() throws {
        let temp = try TemporaryLedger()
        let signer = TreeFixtures.signer()
        try temp.append(TreeFixtures.models(10))
        let trusted = try temp.ledger.audit(verifier: signer.verifier, origin: nil, trusted: nil, recording: signer)
        try temp.tamper("DELETE FROM entry WHERE seq > 7")
        let fewer = refusal { _ = try temp.ledger.audit(verifier: signer.verifier, origin: nil, trusted: trusted) }
        #expect(fewer?.kind == .shrink)
        #expect(fewer?.detail == "the ledger holds 7 entries, fewer than its checkpoint of size 10")

        try temp.tamper("DELETE FROM checkpoint; DELETE FROM merkle_node WHERE (idx + 1) << level > 7")
        _ = try temp.ledger.recordCheckpoint(signer: signer)
        let smaller = refusal { _ = try temp.ledger.audit(verifier: signer.verifier, origin: nil, trusted: trusted) }
        #expect(smaller?.kind == .shrink)
        #expect(smaller?.detail == "the ledger's newest checkpoint is of size 7, smaller than the trusted size 10")
    }

    /// FORMAT.md 8.6: fewer entries than the newest checkpoint is a shrink, also when the tree
    /// nodes of the lost tail went with it (the consistency proof from the trusted size cannot be
    /// computed then, which once made it "the derived Merkle tree is damaged").
    @Test func entriesAndNodesDeletedUnderTheNewestCheckpointAreAShrink() throws {
        let temp = try TemporaryLedger()
        let signer = TreeFixtures.signer()
        try temp.append(TreeFixtures.models(100))
        let trusted = try temp.ledger.audit(verifier: signer.verifier, origin: nil, trusted: nil, recording: signer)
        try temp.append(TreeFixtures.models(30, from: 101))
        _ = try temp.ledger.recordCheckpoint(signer: signer)
        try temp.tamper("DELETE FROM entry WHERE seq > 120; DELETE FROM merkle_node WHERE (idx + 1) << level > 120")
        let shrunk = refusal { _ = try temp.ledger.audit(verifier: signer.verifier, origin: nil, trusted: trusted) }
        #expect(shrunk?.kind == .shrink)
        #expect(shrunk?.detail == "the ledger holds 120 entries, fewer than its newest checkpoint of size 130")
    }

    @Test func aLedgerWithoutCheckpointsIsHeldToTheTrustedRoot() throws {
        let temp = try TemporaryLedger()
        let signer = TreeFixtures.signer()
        try temp.append(TreeFixtures.models(10))
        let trusted = try temp.ledger.audit(verifier: signer.verifier, origin: nil, trusted: nil, recording: signer)
        try temp.tamper("DELETE FROM checkpoint")
        // Intact entries without checkpoints (as `import` makes): nothing to audit, nothing wrong.
        #expect(throws: LedgerError.noCheckpoint(size: nil, entries: 10)) {
            _ = try temp.ledger.audit(verifier: signer.verifier, origin: nil, trusted: trusted)
        }
        // Entries rewritten, the checkpoints deleted to hide it: the trusted root catches it.
        try temp.tamper(
            "UPDATE entry SET hash = zeroblob(32) WHERE seq = 10; UPDATE merkle_node SET hash = zeroblob(32) WHERE level = 1 AND idx = 4")
        let rewritten = refusal { _ = try temp.ledger.audit(verifier: signer.verifier, origin: nil, trusted: trusted) }
        #expect(rewritten?.kind == .rewrite)
        #expect(rewritten?.detail.hasPrefix("the ledger's entries 1…10 no longer give the root signed at size 10") == true)
        // Entries deleted as well.
        try temp.tamper("DELETE FROM entry WHERE seq > 7")
        let fewer = refusal { _ = try temp.ledger.audit(verifier: signer.verifier, origin: nil, trusted: trusted) }
        #expect(fewer?.kind == .shrink)
        #expect(fewer?.detail == "the ledger holds 7 entries, fewer than the trusted checkpoint of size 10")
        // Another ledger (another origin) without checkpoints is refused as such, not as a shrink.
        let other = try TemporaryLedger()
        let otherOrigin = try #require(try other.ledger.origin())
        #expect(throws: LedgerError.otherLog(path: other.ledger.path, origin: otherOrigin, trustedOrigin: trusted.checkpoint.origin)) {
            _ = try other.ledger.audit(verifier: signer.verifier, origin: nil, trusted: trusted)
        }
    }

    @Test func refusesEntriesRewrittenAfterSigning() throws {
        let temp = try TemporaryLedger()
        let signer = TreeFixtures.signer()
        try temp.append(TreeFixtures.models(6))
        let trusted = try temp.ledger.audit(verifier: signer.verifier, origin: nil, trusted: nil, recording: signer)
        let note = try temp.ledger.newestCheckpoint()!
        try TreeFixtures.forge(temp, from: 2) { $0.replacingOccurrences(of: "policy", with: "critic") }
        try temp.tamper("INSERT INTO checkpoint VALUES (6, x'\(note.rootHash.hex)', '\(note.note)', 'then')")
        let rewritten = refusal { _ = try temp.ledger.audit(verifier: signer.verifier, origin: nil, trusted: trusted) }
        #expect(rewritten?.kind == .rewrite)
        #expect(rewritten?.detail.contains("entries 1…6 no longer give the root signed at size 6") == true)
    }

    @Test func refusesACheckpointOfAnotherKeyOrOrigin() throws {
        let temp = try TemporaryLedger()
        let signer = TreeFixtures.signer()
        try temp.append(TreeFixtures.models(3))
        _ = try temp.ledger.recordCheckpoint(signer: signer)
        #expect {
            try temp.ledger.audit(verifier: TreeFixtures.signer("x").verifier, origin: nil, trusted: nil)
        } throws: { error in
            guard case LedgerError.proofRefused(_, let proofError) = error else { return false }
            return proofError.isVerificationFailure
        }
        #expect {
            try temp.ledger.audit(verifier: signer.verifier, origin: "rrm-ledger/elsewhere", trusted: nil)
        } throws: { error in
            guard case LedgerError.proofRefused(_, .originMismatch) = error else { return false }
            return true
        }
    }

    @Test func theTrustedCheckpointFileIsReplacedWholeAndCheckedWhenRead() throws {
        let temp = try TemporaryLedger()
        let signer = TreeFixtures.signer()
        try temp.append(TreeFixtures.models(3))
        let note = try temp.ledger.recordCheckpoint(signer: signer).checkpoint.note
        let file = TrustedCheckpointFile(directory: temp.folder.appendingPathComponent("state/deeper").path)
        #expect(try file.load(verifier: signer.verifier, origin: nil) == nil)
        try file.save(note)
        try file.save(note)
        #expect(try file.load(verifier: signer.verifier, origin: nil)?.note == note)
        #expect(try FileManager.default.contentsOfDirectory(atPath: file.directory) == ["checkpoint"])
        try Data((note + "x").utf8).write(to: URL(fileURLWithPath: file.path))
        #expect(throws: LedgerError.self) { try file.load(verifier: signer.verifier, origin: nil) }
    }
}

extension Ledger {
    /// Records a checkpoint with `recording`, then audits it on first use: the trusted checkpoint.
    fileprivate func audit(verifier: NoteVerifier, origin: String?, trusted: VerifiedCheckpoint?, recording: NoteSigner) throws
        -> VerifiedCheckpoint
    {
        _ = try recordCheckpoint(signer: recording)
        return try audit(verifier: verifier, origin: origin, trusted: trusted).checkpoint
    }
}
