import Foundation
import GRDB
import Testing

@testable import RRMAnalysis
@testable import RRMFormat
@testable import RRMStore

/// The binary's schema is Schema/ledger.sql, and the schema's tables agree with the code.
@Suite struct LedgerSchemaTests {
    @Test func embeddedSchemaIsTheSchemaFile() throws {
        let file = try RepositoryFiles.text("Schema/ledger.sql")
        #expect(LedgerSchema.sql + "\n" == file, "Schema/ledger.sql changed: run tools/embed-schema")
    }

    @Test func theDerivedPartIsWhatRebuildRunsAgain() throws {
        let derived = LedgerSchema.derivedSQL
        #expect(derived.hasPrefix(LedgerSchema.derivedBegins + "\n"))
        #expect(derived.hasSuffix("\n" + LedgerSchema.derivedEnds))
        #expect(LedgerSchema.sql.components(separatedBy: LedgerSchema.derivedBegins).count == 2)
        // It runs inside rebuild's own transaction, and writes nothing authoritative.
        for word in ["BEGIN;", "COMMIT;", "PRAGMA ", "entry (", "checkpoint ("] {
            #expect(!derived.contains("\n" + word), "\(word)")
        }
        #expect(!derived.contains("CREATE TABLE entry "))
        #expect(derived.contains("('derived_schema', '\(LedgerSchema.derivedVersion)')"))
        #expect(LedgerSchema.sql.contains("PRAGMA user_version = \(LedgerSchema.version);"))
    }

    @Test func rebuildDropsEveryDerivedObjectOfANewLedger() throws {
        let temp = try TemporaryLedger()
        let objects = try temp.ledger.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT type, name FROM sqlite_schema
                    WHERE tbl_name NOT IN ('ledger_info', 'entry', 'checkpoint', 'receipt') AND type IN ('table', 'view')
                      AND name NOT LIKE 'entry_search_%' ORDER BY name
                    """
            ).map { "\(($0[0] as String).uppercased()) \($0[1] as String)" }
        }
        let current: [String] = LedgerSchema.currentDerivedObjects.map { "\($0.type) \($0.name)" }
        #expect(Set(objects) == Set(current))
        #expect(objects.count == current.count)
        // A rebuild drops those and the objects of earlier layouts.
        let dropped = Set(LedgerSchema.derivedObjects.map { "\($0.type) \($0.name)" })
        #expect(dropped == Set(current).union(["TABLE critique_search"]))
        let authoritative = try temp.ledger.read { db in
            try String.fetchAll(
                db,
                sql:
                    "SELECT name FROM sqlite_schema WHERE type = 'table' AND tbl_name IN ('ledger_info', 'entry', 'checkpoint', 'receipt') ORDER BY name"
            )
        }
        #expect(authoritative == LedgerSchema.authoritativeTables.sorted())
    }

    @Test func everyViewHasTheColumnsItHadInVersionOne() throws {
        let temp = try TemporaryLedger()
        let old = try DatabaseQueue()
        try old.writeWithoutTransaction { db in try db.execute(sql: try RepositoryFiles.text("Tests/Fixtures/ledger-v1.sql")) }
        func views(_ db: Database) throws -> [String: [String]] {
            var columns: [String: [String]] = [:]
            for view in try String.fetchAll(db, sql: "SELECT name FROM sqlite_schema WHERE type = 'view'") {
                columns[view] = try Row.fetchAll(db, sql: "SELECT name, type FROM pragma_table_info(?) ORDER BY cid", arguments: [view])
                    .map { "\($0[0] as String) \($0[1] as String)" }
            }
            return columns
        }
        let current = try temp.ledger.read(views)
        let before = try old.read(views)
        #expect(before.count == 11)
        // Every column a view had it still has, in the same place; entry_chain adds the receipt
        // time and the time skew after them.
        for (view, columns) in before {
            #expect(Array((current[view] ?? []).prefix(columns.count)) == columns, "\(view)")
        }
        #expect(current["entry_chain"]?.suffix(2) == ["received_at TEXT", "time_skew "])
        // Layout 2 adds the roots in hex and the full-text index's content.
        #expect(Set(current.keys).subtracting(before.keys) == ["checkpoints", "search_content"])
    }

    @Test func aNewLedgerHasTheDocumentedIdentity() throws {
        let temp = try TemporaryLedger()
        let facts = try temp.ledger.read { db in
            [
                try String.fetchOne(db, sql: "PRAGMA user_version"), try String.fetchOne(db, sql: "PRAGMA application_id"),
                try String.fetchOne(db, sql: "PRAGMA journal_mode"), try String.fetchOne(db, sql: "PRAGMA page_size"),
                try String.fetchOne(db, sql: "SELECT value FROM ledger_info WHERE key = 'format'"),
                try String.fetchOne(db, sql: "SELECT value FROM ledger_info WHERE key = 'derived_schema'"),
            ]
        }
        #expect(
            facts == [
                "\(LedgerSchema.version)", "\(LedgerSchema.applicationID)", "wal", "16384", LedgerSchema.formatName,
                "\(LedgerSchema.derivedVersion)",
            ])
        #expect(LedgerSchema.version == 3)
        #expect(LedgerSchema.derivedVersion == 2)
    }

    @Test func linkRolesInTheSchemaMatchTheCode() throws {
        let temp = try TemporaryLedger()
        let rows = try temp.ledger.read { db in try Row.fetchAll(db, sql: "SELECT role, field, link_class FROM link_role ORDER BY role") }
        let fromSchema = rows.map { "\($0[0] as String) \($0[1] as String) \($0[2] as String)" }
        let fromCode = LinkRole.allCases.map { "\($0.rawValue) \($0.field) \($0.linkClass.rawValue)" }.sorted()
        #expect(fromSchema == fromCode)
    }

    @Test func entriesAreAppendOnlyFromTheShell() throws {
        let temp = try TemporaryLedger()
        try temp.append(Fixture.pipeline)
        let queue = try DatabaseQueue(path: temp.path)
        #expect(throws: DatabaseError.self) { try queue.write { db in try db.execute(sql: "UPDATE entry SET body = '{}' WHERE seq = 1") } }
        #expect(throws: DatabaseError.self) { try queue.write { db in try db.execute(sql: "DELETE FROM entry WHERE seq = 1") } }
        #expect(try temp.ledger.verify().isIntact)
    }

    @Test func auditorViewsAnswerTheirQuestions() throws {
        let temp = try TemporaryLedger()
        try temp.append(Fixture.pipeline)
        let answers = try temp.ledger.read { db in
            [
                try String.fetchAll(
                    db, sql: "SELECT kind || ' ' || level || ' ' || entries FROM entry_count WHERE kind = 'label' ORDER BY level"),
                try String.fetchAll(db, sql: "SELECT label_id || ' ' || critique_id || ' ' || critic_id FROM label_critique"),
                try String.fetchAll(db, sql: "SELECT entry_id || ' ' || finding_id || ' ' || verdict FROM latest_finding"),
                try String.fetchAll(db, sql: "SELECT rater FROM labels WHERE id = 'label-1a'"),
                try String.fetchAll(db, sql: "SELECT member_count FROM datasets WHERE id = 'data-0'"),
                try String.fetchAll(
                    db, sql: "SELECT c.id FROM entry_search s JOIN critiques c ON c.seq = s.rowid WHERE entry_search MATCH 'empty'"),
                try String.fetchAll(db, sql: "SELECT count(*) FROM lineage WHERE link_class = 'evaluation'"),
            ]
        }
        #expect(answers[0] == ["label 0 2", "label 1 1"])
        #expect(answers[1] == ["label-1a crit-1a policy-0"])
        #expect(answers[2] == ["crit-1a finding-2 correct"])
        #expect(answers[3] == ["human:carol"])
        #expect(answers[4] == ["2"])
        #expect(answers[5] == ["crit-1a"])
        #expect(answers[6] == ["6"])
    }
}
