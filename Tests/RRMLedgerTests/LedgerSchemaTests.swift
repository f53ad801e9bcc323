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

    @Test func aNewLedgerHasTheDocumentedIdentity() throws {
        let temp = try TemporaryLedger()
        let facts = try temp.ledger.read { db in
            [
                try String.fetchOne(db, sql: "PRAGMA user_version"), try String.fetchOne(db, sql: "PRAGMA application_id"),
                try String.fetchOne(db, sql: "PRAGMA journal_mode"), try String.fetchOne(db, sql: "PRAGMA page_size"),
                try String.fetchOne(db, sql: "SELECT value FROM ledger_info WHERE key = 'format'"),
            ]
        }
        #expect(facts == ["\(LedgerSchema.version)", "\(LedgerSchema.applicationID)", "wal", "16384", LedgerSchema.formatName])
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
                    db, sql: "SELECT c.id FROM critique_search s JOIN critiques c ON c.seq = s.rowid WHERE critique_search MATCH 'empty'"),
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
