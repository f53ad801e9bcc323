import Foundation
import GRDB
import Testing

@testable import RRMAnalysis
@testable import RRMFormat
@testable import RRMStore

/// Every kind of tampering is detected, reported with the right sequence number, and an intact
/// ledger is reported intact.
@Suite struct VerifyTests {
    /// The fixture pipeline, appended.
    func pipeline() throws -> TemporaryLedger {
        let temp = try TemporaryLedger()
        try temp.append(Fixture.pipeline)
        return temp
    }

    /// Verifies with every range split from one worker to one per entry, so faults at range
    /// boundaries are covered, and checks all splits agree.
    func verifyAllSplits(_ temp: TemporaryLedger, _ options: VerificationOptions = VerificationOptions()) throws -> VerificationReport {
        var reports: [VerificationReport] = []
        for workers in [1, 2, 3, 5, 13] {
            var split = options
            split.workers = workers
            split.minimumEntriesPerWorker = 1
            reports.append(try temp.ledger.verify(split))
        }
        for report in reports.dropFirst() {
            #expect(report.faults == reports[0].faults)
            #expect(report.entries == reports[0].entries)
        }
        return reports[0]
    }

    @Test func anIntactLedgerVerifies() throws {
        let temp = try pipeline()
        let report = try verifyAllSplits(temp, VerificationOptions(deep: true))
        #expect(report.isIntact)
        #expect(report.faults.isEmpty)
        #expect(report.entries == Int64(Fixture.entryCount))
        #expect(report.head == (try temp.ledger.head()))
        #expect(report.firstDamagedSeq == nil)
    }

    @Test func anEmptyLedgerVerifies() throws {
        let temp = try TemporaryLedger()
        let report = try temp.ledger.verify()
        #expect(report.isIntact)
        #expect(report.entries == 0)
        #expect(report.head == .empty)
    }

    @Test func detectsAnEditedBody() throws {
        let temp = try pipeline()
        try temp.tamper("UPDATE entry SET body = replace(body, 'human:carol', 'human:mallory') WHERE seq = 11")
        let report = try verifyAllSplits(temp)
        #expect(report.faults.map(\.kind) == [.hashMismatch])
        #expect(report.firstDamagedSeq == 11)
    }

    @Test func detectsAnEditedHash() throws {
        let temp = try pipeline()
        try temp.tamper("UPDATE entry SET hash = zeroblob(32) WHERE seq = 5")
        let report = try verifyAllSplits(temp)
        #expect(report.faults.map(\.kind) == [.hashMismatch, .brokenLink])
        #expect(report.faults.map(\.seq) == [5, 6])
        #expect(report.firstDamagedSeq == 5)
    }

    @Test func detectsADeletedEntry() throws {
        let temp = try pipeline()
        try temp.tamper("DELETE FROM entry WHERE seq = 7")
        let report = try verifyAllSplits(temp)
        #expect(report.faults.map(\.kind) == [.missingEntries])
        #expect(report.firstDamagedSeq == 7)
        #expect(report.entries == Int64(Fixture.entryCount - 1))
    }

    @Test func detectsSeveralDeletedEntries() throws {
        let temp = try pipeline()
        try temp.tamper("DELETE FROM entry WHERE seq BETWEEN 3 AND 6")
        let report = try verifyAllSplits(temp)
        #expect(report.faults.map(\.kind) == [.missingEntries])
        #expect(report.faults.first?.message == "entries 3 to 6 are missing: they were deleted")
        #expect(report.faultCount == 1)
        #expect(report.firstDamagedSeq == 3)
    }

    @Test func detectsAnInsertedEntry() throws {
        // A forger inserts a forged entry at 5 with a correct link and hash, renumbering the
        // rest; the renumbered entry's hash still commits to its old sequence number.
        let temp = try pipeline()
        let forgedBody = #"{"id":"forged","kind":"model","level":0,"role":"policy","time":"2026-01-01T00:00:04Z"}"#
        let prev = try temp.ledger.read { db in SHA256Hash(bytes: try Data.fetchOne(db, sql: "SELECT hash FROM entry WHERE seq = 4")!)! }
        let hash = ChainHash.entryHash(previous: prev, seq: 5, body: Array(forgedBody.utf8))
        try temp.tamper(
            """
            UPDATE entry SET seq = seq + 1000 WHERE seq >= 5;
            UPDATE entry SET seq = seq - 999 WHERE seq >= 1005;
            INSERT INTO entry (seq, id, kind, time, body, prev_hash, hash)
            VALUES (5, 'forged', 'model', '2026-01-01T00:00:04Z', '\(forgedBody)', x'\(prev.hex)', x'\(hash.hex)');
            """)
        let report = try verifyAllSplits(temp)
        #expect(report.firstDamagedSeq == 5)
        #expect(
            report.faults.first
                == ChainFault(
                    seq: 5, lastSeq: 5, kind: .insertedEntries,
                    message: "entry 5 was inserted: the next entry, now 6, has the hash of sequence number 5"))
        let renumbered = try #require(report.faults.first { $0.seq == 6 && $0.kind == .hashMismatch })
        #expect(renumbered.message.contains("renumbered"))
        #expect(renumbered.message.contains("inserted"))
        // The entries after the first renumbered one link to each other: no more insertions.
        #expect(report.faults.filter { $0.kind == .insertedEntries }.count == 1)
    }

    @Test func detectsSwappedEntries() throws {
        let temp = try pipeline()
        try temp.tamper(
            """
            UPDATE entry SET seq = 100 WHERE seq = 3;
            UPDATE entry SET seq = 3 WHERE seq = 4;
            UPDATE entry SET seq = 4 WHERE seq = 100;
            """)
        let report = try verifyAllSplits(temp)
        #expect(report.firstDamagedSeq == 3)
        #expect(report.faults.contains { $0.seq == 3 && $0.kind == .hashMismatch })
        #expect(report.faults.contains { $0.seq == 4 && $0.kind == .hashMismatch })
    }

    @Test func detectsAColumnThatDisagreesWithTheBody() throws {
        let temp = try pipeline()
        try temp.tamper("UPDATE entry SET id = 'label-9z' WHERE seq = 4")
        try temp.tamper("UPDATE entry SET kind = 'finding' WHERE seq = 8")
        let report = try verifyAllSplits(temp)
        #expect(report.faults.map(\.kind) == [.columnMismatch, .columnMismatch])
        #expect(report.faults.map(\.seq) == [4, 8])
        #expect(report.faults[0].message.contains("label-9z"))
    }

    @Test func detectsAForgedFirstLink() throws {
        let temp = try pipeline()
        try temp.tamper("UPDATE entry SET prev_hash = x'\(String(repeating: "11", count: 32))' WHERE seq = 1")
        let report = try verifyAllSplits(temp)
        #expect(report.faults.first?.kind == .brokenLink)
        #expect(report.firstDamagedSeq == 1)
    }

    @Test func detectsATruncatedTailAgainstASavedHead() throws {
        let temp = try pipeline()
        let saved = try temp.ledger.head()
        try temp.tamper("DELETE FROM entry WHERE seq > 10")
        // The deleted entries' derived rows name entries that no longer exist: plain verify
        // accounts for every row, so a careless truncation is found without a saved head.
        // So does the receipt of the batch, which covers entries the ledger no longer holds.
        let careless = try temp.ledger.verify()
        #expect(
            !careless.isIntact && careless.faults.allSatisfy { ($0.kind == .derivedMismatch || $0.kind == .receipt) && $0.seq == nil })
        #expect(careless.faults.contains { $0.message.hasPrefix("entry_level holds a level for entry 11, which does not exist") })
        #expect(
            careless.faults.contains {
                $0.kind == .receipt && $0.message.contains("but it ends at entry 10: entries are gone from its end")
            })
        try temp.tamper(
            "DELETE FROM edge WHERE child > 10; DELETE FROM entry_level WHERE seq > 10; DELETE FROM merkle_node WHERE (idx + 1) << level > 10; "
                + "DELETE FROM receipt WHERE first_seq > 10; UPDATE receipt SET last_seq = 10 WHERE last_seq > 10"
        )
        // Without the saved head a clean truncation is indistinguishable from a shorter ledger.
        #expect(try temp.ledger.verify().isIntact)
        let report = try temp.ledger.verify(VerificationOptions(expectedHead: saved))
        #expect(report.faults.map(\.kind) == [.truncated])
        #expect(report.firstDamagedSeq == 11)
    }

    @Test func detectsARewrittenPastAgainstASavedHead() throws {
        // The forger edits entry 11 and recomputes every later hash: the chain is consistent again.
        let temp = try pipeline()
        let saved = try temp.ledger.head()
        try rewrite(temp, editing: 11)
        #expect(try temp.ledger.verify().isIntact)
        let report = try temp.ledger.verify(VerificationOptions(expectedHead: saved))
        #expect(report.faults.map(\.kind) == [.rewritten])
        #expect(report.firstDamagedSeq == saved.seq)
    }

    @Test func deepVerificationDetectsForgedLineageAndLevels() throws {
        let temp = try pipeline()
        try temp.tamper("DELETE FROM edge WHERE child = 11 AND role = 'assisted_by'")
        try temp.tamper("UPDATE entry_level SET level = 5 WHERE seq = 9")
        try temp.tamper("INSERT INTO edge (child, role, parent) VALUES (12, 'about', 4)")
        #expect(try temp.ledger.verify().isIntact, "derived data is only checked by deep verification")
        let report = try verifyAllSplits(temp, VerificationOptions(deep: true))
        #expect(report.faults.allSatisfy { $0.kind == .derivedMismatch })
        #expect(report.firstDamagedSeq == 9)
        #expect(report.faults.contains { $0.seq == 9 && $0.message.contains("stored level is 5, but the level rule gives 1") })
        #expect(report.faults.contains { $0.seq == 11 && $0.message.contains("lineage edges") })
        #expect(report.faults.contains { $0.seq == 12 && $0.message.contains("lineage edges") })
    }

    @Test func countsEveryFaultButKeepsDetailBounded() throws {
        let temp = try TemporaryLedger()
        try temp.ledger.append(from: GeneratedLines(count: 1_500))
        try temp.tamper("UPDATE entry SET body = body || ' ' WHERE seq > 1")
        let report = try temp.ledger.verify(VerificationOptions(workers: 1))
        #expect(report.faultCount == 1_500)
        #expect(report.faults.count == ChainScan.faultLimit)
        #expect(report.firstDamagedSeq == 2)
    }

    /// Edits one body and recomputes all hashes from there, as a forger with write access would.
    func rewrite(_ temp: TemporaryLedger, editing seq: Int64) throws {
        let queue = try DatabaseQueue(path: temp.path)
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: "DROP TRIGGER entry_is_append_only_update")
            try db.execute(sql: "UPDATE entry SET body = replace(body, 'human:carol', 'human:mallory') WHERE seq = ?", arguments: [seq])
            var previous = SHA256Hash(bytes: try Data.fetchOne(db, sql: "SELECT hash FROM entry WHERE seq = ?", arguments: [seq - 1])!)!
            for row in try Row.fetchAll(db, sql: "SELECT seq, body FROM entry WHERE seq >= ? ORDER BY seq", arguments: [seq]) {
                let current: Int64 = row[0]
                let body: String = row[1]
                let hash = ChainHash.entryHash(previous: previous, seq: current, body: Array(body.utf8))
                try db.execute(
                    sql: "UPDATE entry SET prev_hash = ?, hash = ? WHERE seq = ?",
                    arguments: [Data(previous.bytes), Data(hash.bytes), current])
                previous = hash
            }
        }
    }
}
