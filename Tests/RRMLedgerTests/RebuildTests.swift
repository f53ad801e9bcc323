import Foundation
import GRDB
import Testing

@testable import RRMFormat
@testable import RRMSimulation
@testable import RRMStore

/// `rebuild` derives the derived tables anew from the entries, exactly as append wrote them, and
/// commits only what passes `verify --deep`'s checks.
@Suite struct RebuildTests {
    /// The pipeline fixture with a checkpoint over all of it.
    func pipeline() throws -> TemporaryLedger {
        let temp = try TemporaryLedger()
        try temp.append(Fixture.pipeline)
        _ = try temp.ledger.recordCheckpoint(signer: TreeFixtures.signer())
        return temp
    }

    /// Entries whose critiques contain `word`, through the full-text index.
    func critiquesMatching(_ word: String, in temp: TemporaryLedger) throws -> [String] {
        try temp.ledger.read { db in
            try String.fetchAll(
                db, sql: "SELECT c.id FROM entry_search s JOIN critiques c ON c.seq = s.rowid WHERE entry_search MATCH ?",
                arguments: [word])
        }
    }

    @Test func aFullRebuildRepairsEveryDerivedTableExactly() throws {
        let temp = try pipeline()
        let original = try temp.contentDigest()
        let head = try temp.ledger.head()
        try temp.tamper(
            """
            DELETE FROM edge WHERE child = 11;
            UPDATE merkle_node SET hash = zeroblob(32) WHERE level = 2 AND idx = 1;
            UPDATE entry_level SET level = 3 WHERE seq = 4;
            DELETE FROM entry_level WHERE seq = 12;
            INSERT INTO entry_search (entry_search) VALUES ('delete-all');
            """)
        let damaged = try temp.ledger.verify(VerificationOptions(deep: true))
        #expect(!damaged.isIntact)
        #expect(Set(damaged.faults.compactMap(\.seq)).isSuperset(of: [4, 8, 11, 12]))
        #expect(try critiquesMatching("empty", in: temp).isEmpty)

        let summary = try temp.ledger.rebuild()
        #expect(summary.tables == DerivedTable.allCases)
        #expect(summary.entries == Int64(Fixture.entryCount))
        // 17 references, 13 levels, 1 critique, 13 − popcount(13) = 10 nodes.
        #expect(summary.rows == [.edges: 17, .levels: 13, .search: 6, .merkle: 10])
        #expect(summary.head == head)
        #expect(try temp.contentDigest() == original)
        #expect(try critiquesMatching("empty", in: temp) == ["crit-1a"])
        let repaired = try temp.ledger.verify(VerificationOptions(deep: true))
        #expect(repaired.isIntact, "\(repaired.faults)")
        #expect(repaired.head == head)
    }

    @Test func aRebuildGivesWhatAppendWroteOnASimulatedPipeline() throws {
        let temp = try TemporaryLedger()
        var parameters = SimulationParameters()
        parameters.outputsPerLevel = 60
        parameters.levels = 3
        _ = try SimulationRun.intoLedger(temp.ledger, parameters: parameters)
        let appended = try temp.contentDigest()
        let summary = try temp.ledger.rebuild()
        #expect(summary.entries > 500)
        #expect(try temp.contentDigest() == appended)
        for table in DerivedTable.allCases {
            _ = try temp.ledger.rebuild([table])
            #expect(try temp.contentDigest() == appended, "rebuilding \(table) alone")
        }
    }

    @Test(arguments: [
        (DerivedTable.edges, "DELETE FROM edge WHERE role = 'assisted_by'"),
        (.levels, "UPDATE entry_level SET level = level + 1 WHERE seq > 6"),
        (.search, "INSERT INTO entry_search (entry_search) VALUES ('delete-all')"),
        (.merkle, "DELETE FROM merkle_node WHERE level = 1"),
    ])
    func rebuildingOneTableRepairsIt(table: DerivedTable, damage: String) throws {
        let temp = try pipeline()
        let original = try temp.contentDigest()
        try temp.tamper(damage)
        #expect(try temp.contentDigest() != original)
        let summary = try temp.ledger.rebuild([table])
        #expect(summary.tables == [table])
        #expect(Array(summary.rows.keys) == [table])
        #expect(try temp.contentDigest() == original)
        #expect(try temp.ledger.verify(VerificationOptions(deep: true)).isIntact)
    }

    @Test func rebuildingOneTableOfALedgerDamagedElsewhereRollsBack() throws {
        let temp = try pipeline()
        try temp.tamper("DELETE FROM edge WHERE child = 11; UPDATE merkle_node SET hash = zeroblob(32) WHERE level = 1 AND idx = 0")
        let damaged = try temp.contentDigest()
        let error = try #require(throws: LedgerError.self) { _ = try temp.ledger.rebuild([.merkle]) }
        guard case .rebuildRefused(let path, let count, let first) = error else {
            Issue.record("not a refused rebuild: \(error)")
            return
        }
        #expect(path == temp.path)
        #expect(count == 1)
        #expect(first.seq == 11)
        #expect(first.kind == .derivedMismatch)
        #expect(first.message.hasPrefix("lineage edges [] differ"))
        #expect(try temp.contentDigest() == damaged, "a refused rebuild changes nothing, not even the table it rebuilt")
    }

    @Test func aRebuildRefusesALedgerWhoseEntriesDoNotVerify() throws {
        let temp = try pipeline()
        try temp.tamper("UPDATE entry_level SET level = 7 WHERE seq = 2")
        try temp.tamper("UPDATE entry SET body = replace(body, 'human:alice', 'human:mallory') WHERE seq = 4")
        let damaged = try temp.contentDigest()
        let error = try #require(throws: LedgerError.self) { _ = try temp.ledger.rebuild() }
        guard case .rebuildRefused(_, _, let first) = error else {
            Issue.record("not a refused rebuild: \(error)")
            return
        }
        #expect(first.seq == 4)
        #expect(first.kind == .hashMismatch)
        #expect(error.description.contains("does not verify, so its derived data was not rebuilt"))
        #expect(try temp.contentDigest() == damaged)
    }

    @Test func aRebuildRefusesALedgerRewrittenAfterItsCheckpoint() throws {
        let temp = try pipeline()
        // A forger edits a label and recomputes every later hash; the checkpoint stays.
        try Tampering.forge(temp.path) { db in
            try db.execute(sql: #"UPDATE entry SET body = replace(body, '"value":"A"', '"value":"B"') WHERE seq = 5"#)
            try Tampering.rechain(db, from: 5)
        }
        #expect(try temp.ledger.verify().isIntact, "the chain alone cannot tell")
        let error = try #require(throws: LedgerError.self) { _ = try temp.ledger.rebuild() }
        guard case .rebuildRefused(_, _, let first) = error else {
            Issue.record("not a refused rebuild: \(error)")
            return
        }
        #expect(first.kind == .rewritten)
    }

    @Test func aRebuildOfABodyThatIsNoEventNamesTheEntry() throws {
        let temp = try pipeline()
        // Hash and all recomputed: only the derivation can tell.
        try Tampering.forge(temp.path) { db in
            try db.execute(sql: "UPDATE entry SET body = '{\"id\":\"out-0b\"}' WHERE seq = 3")
            try Tampering.rechain(db, from: 3)
        }
        let error = try #require(throws: LedgerError.self) { _ = try temp.ledger.rebuild() }
        guard case .rebuildRefused(_, 1, let first) = error else {
            Issue.record("not a refused rebuild: \(error)")
            return
        }
        #expect(first.seq == 3)
        #expect(first.kind == .invalidBody)
    }

    @Test func aFullRebuildRestoresDroppedAndRedefinedSchemaObjects() throws {
        let temp = try pipeline()
        let schema = try Self.derivedSchema(temp)
        try temp.tamper(
            """
            DROP INDEX edge_by_parent;
            DROP VIEW latest_finding;
            CREATE VIEW latest_finding AS SELECT 'nothing to see' AS entry_id;
            """)
        #expect(try Self.derivedSchema(temp) != schema)
        _ = try temp.ledger.rebuild()
        #expect(try Self.derivedSchema(temp) == schema)
        let latest = try temp.ledger.read { db in try String.fetchAll(db, sql: "SELECT finding_id FROM latest_finding") }
        #expect(latest == ["finding-2"])
    }

    @Test func derivedTablesOfAnotherLayoutAreRefusedUntilRebuilt() throws {
        let temp = try pipeline()
        let original = try temp.contentDigest()
        // As a tool of another derived layout might leave it: no entry_level, another version.
        try temp.tamper("DROP TABLE entry_level; UPDATE ledger_info SET value = '7' WHERE key = 'derived_schema'")
        #expect(throws: LedgerError.derivedSchemaMismatch(path: temp.path, found: 7, supported: LedgerSchema.derivedVersion)) {
            _ = try Ledger.open(at: temp.path, readOnly: true)
        }
        let ledger = try Ledger.openForRebuild(at: temp.path)
        #expect(throws: LedgerError.derivedSchemaMismatch(path: temp.path, found: 7, supported: LedgerSchema.derivedVersion)) {
            _ = try ledger.rebuild([.levels])
        }
        _ = try ledger.rebuild()
        #expect(try temp.contentDigest() == original)
        #expect(try Ledger.open(at: temp.path, readOnly: true).verify(VerificationOptions(deep: true)).isIntact)

        try temp.tamper("DELETE FROM ledger_info WHERE key = 'derived_schema'")
        #expect(throws: LedgerError.derivedSchemaMismatch(path: temp.path, found: nil, supported: LedgerSchema.derivedVersion)) {
            _ = try Ledger.open(at: temp.path)
        }
    }

    @Test func aMissingLevelIsReportedNotHidden() throws {
        let temp = try pipeline()
        try temp.tamper("DELETE FROM entry_level WHERE seq = 9")
        let report = try temp.ledger.verify(VerificationOptions(deep: true))
        #expect(report.faults.first { $0.seq == 9 }?.message == "has no level (its entry_level row is missing); the level rule gives 1")
        #expect(report.faults.contains { $0.seq == 10 && $0.message.contains("names entry 9, which has no level") })
        #expect(throws: LedgerError.missingLevel(seq: 9)) { _ = try temp.ledger.entry(id: "out-1a") }
        #expect(throws: LedgerError.missingLevel(seq: 9)) { _ = try temp.ledger.statistics() }
        #expect(throws: LedgerError.missingLevel(seq: 9)) { _ = try temp.ledger.parents(of: 10) }
        #expect(throws: LedgerError.missingLevel(seq: 9)) { _ = try LineageGraph.load(from: temp.ledger) }
        // Appending what references it cannot derive its level either.
        let child = #"{"kind":"label","id":"label-1b","rater":"human:carol","targets":["out-1a"],"value":1}"# + "\n"
        #expect(throws: LedgerError.missingLevel(seq: 9)) { try temp.append(child) }
        // What needs no level still works: the proof of the entry.
        #expect(throws: Never.self) { _ = try temp.ledger.inclusionProofBundle(id: "out-1a") }
        _ = try temp.ledger.rebuild([.levels])
        #expect(try temp.ledger.entry(id: "out-1a").level == 1)
    }

    @Test func anEmptyLedgerRebuilds() throws {
        let temp = try TemporaryLedger()
        let summary = try temp.ledger.rebuild()
        #expect(summary.entries == 0)
        #expect(summary.rows == [.edges: 0, .levels: 0, .search: 0, .merkle: 0])
        #expect(summary.head == .empty)
    }

    /// The derived objects of a ledger's schema, with their SQL.
    static func derivedSchema(_ temp: TemporaryLedger) throws -> [String] {
        try temp.ledger.read { db in
            try String.fetchAll(
                db,
                sql: """
                    SELECT type || ' ' || name || ' ' || coalesce(sql, '') FROM sqlite_schema
                    WHERE tbl_name NOT IN ('ledger_info', 'entry', 'checkpoint') ORDER BY name
                    """)
        }
    }
}
