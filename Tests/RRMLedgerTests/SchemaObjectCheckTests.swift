import Foundation
import GRDB
import Testing

@testable import RRMFormat
@testable import RRMStore

/// `verify --deep` compares every schema object and reference row with the schema of the
/// ledger's version (`SchemaObjectCheck`): what the chain cannot see, an auditor querying the
/// views would be lied to by.
@Suite struct SchemaObjectCheckTests {
    func pipeline() throws -> TemporaryLedger {
        let temp = try TemporaryLedger()
        try temp.append(Fixture.pipeline)
        return temp
    }

    /// Edits the schema itself, as a forger with the sqlite3 shell would.
    func edit(_ temp: TemporaryLedger, _ sql: String) throws {
        let queue = try DatabaseQueue(path: temp.path)
        try queue.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA foreign_keys = OFF; " + sql) }
        try queue.close()
    }

    func schemaFaults(_ temp: TemporaryLedger) throws -> [String] {
        let report = try temp.ledger.verify(VerificationOptions(deep: true))
        return report.faults.filter { $0.kind == .schemaMismatch }.map(\.message)
    }

    @Test func aNewLedgerHasTheSchemaOfItsVersion() throws {
        let temp = try pipeline()
        #expect(try temp.ledger.verify(VerificationOptions(deep: true)).isIntact)
        #expect(try schemaFaults(temp).isEmpty)
    }

    /// Ledgers created before 2026-12-03 wrote `entry`'s kind constraint as `kind IN (…)`; the
    /// schema now writes the same constraint as a chain of `=` (it costs SQLite 3.40 no temporary
    /// table per insert). Both forms are the schema; any other change of the constraint is not.
    @Test func theEarlierFormOfTheKindConstraintIsTheSchemaAndNoOtherIs() throws {
        let chain =
            "CHECK (kind = 'model' OR kind = 'output' OR kind = 'critique' OR kind = 'label' OR kind = 'dataset' OR kind = 'finding')"
        let earlier = "CHECK (kind IN ('model', 'output', 'critique', 'label', 'dataset', 'finding'))"
        let narrower = "CHECK (kind IN ('model', 'output', 'critique', 'label', 'dataset'))"
        for (replacement, faults) in [
            (earlier, [String]()), (narrower, ["schema: the table entry is defined otherwise than in the schema"]),
        ] {
            let temp = try pipeline()
            let queue = try DatabaseQueue(path: temp.path)
            try queue.writeWithoutTransaction { db in
                #expect(try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = 'entry'")?.contains(chain) == true)
                try db.execute(sql: "PRAGMA writable_schema = ON")
                try db.execute(
                    sql: "UPDATE sqlite_master SET sql = replace(sql, ?, ?) WHERE name = 'entry'", arguments: [chain, replacement])
                try db.execute(sql: "PRAGMA writable_schema = OFF")
            }
            try queue.close()
            #expect(try schemaFaults(temp) == faults, "\(replacement)")
            try temp.append(#"{"kind":"model","id":"m-extra","level":3,"role":"policy"}"#)
            #expect(try temp.ledger.head().seq == Int64(Fixture.entryCount) + 1)
        }
    }

    @Test func droppedAppendOnlyTriggersAreFaults() throws {
        let temp = try pipeline()
        try edit(temp, "DROP TRIGGER entry_is_append_only_update; DROP TRIGGER entry_is_append_only_delete")
        #expect(try temp.ledger.verify().isIntact, "the chain is intact: only the deep check compares the schema")
        #expect(
            try schemaFaults(temp) == [
                "schema: the trigger entry_is_append_only_delete is missing", "schema: the trigger entry_is_append_only_update is missing",
            ])
    }

    @Test func aRedefinedViewIsAFault() throws {
        let temp = try pipeline()
        let definition = try #require(
            try temp.ledger.read { db in try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = 'latest_finding'") })
        try edit(
            temp, "DROP VIEW latest_finding; " + definition.replacingOccurrences(of: "json_extract(f.body, '$.verdict')", with: "'correct'")
        )
        #expect(try schemaFaults(temp) == ["schema: the view latest_finding is defined otherwise than in the schema"])
    }

    @Test func aRoleMovedToAnotherLinkClassIsAFault() throws {
        let temp = try pipeline()
        try edit(temp, "UPDATE link_role SET link_class = 'audit' WHERE role = 'label_target'")
        let faults = try schemaFaults(temp)
        #expect(faults.count == 2, "\(faults)")
        #expect(faults.contains { $0.contains("link_role lacks the row") && $0.contains("label_target") && $0.contains("evaluation") })
        #expect(faults.contains { $0.contains("link_role holds the row") && $0.contains("label_target") && $0.contains("audit") })
    }

    @Test func anObjectAddedToTheSchemaIsAFault() throws {
        let temp = try pipeline()
        try edit(temp, "CREATE TRIGGER hide_findings AFTER INSERT ON entry BEGIN SELECT 1; END")
        #expect(try schemaFaults(temp) == ["schema: the trigger hide_findings is not in the schema of version \(LedgerSchema.version)"])
    }

    /// One alteration of a schema object, and the object it concerns.
    struct Alteration: CustomStringConvertible {
        let object: String
        let sql: String
        var description: String { sql }
    }

    /// Every object of a new ledger's schema, each dropped and each redefined in turn (tables
    /// given a column more, as a full-text table's own tables are left alone: SQLite manages
    /// them), and every reference row changed and removed.
    static func alterations(_ db: Database) throws -> [Alteration] {
        var result: [Alteration] = []
        let rows = try Row.fetchAll(
            db, sql: "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'entry_search%' ORDER BY name")
        for row in rows {
            let type: String = row[0]
            let name: String = row[1]
            let sql: String = row[2]
            switch type {
            case "trigger", "view", "index":
                result.append(Alteration(object: name, sql: "DROP \(type.uppercased()) \(name)"))
                let altered: String
                switch type {
                case "trigger": altered = sql.replacingOccurrences(of: "append-only", with: "append only")
                case "view": altered = sql + " LIMIT 1000000"
                default: altered = sql + " WHERE 1"
                }
                result.append(Alteration(object: name, sql: "DROP \(type.uppercased()) \(name); \(altered)"))
            default:
                result.append(Alteration(object: name, sql: "ALTER TABLE \(name) ADD COLUMN forged TEXT"))
            }
        }
        for role in try String.fetchAll(db, sql: "SELECT role FROM link_role ORDER BY role") {
            result.append(Alteration(object: "link_role", sql: "DELETE FROM link_role WHERE role = '\(role)'"))
            result.append(Alteration(object: "link_role", sql: "UPDATE link_role SET field = 'forged' WHERE role = '\(role)'"))
        }
        result.append(Alteration(object: "link_role", sql: "INSERT INTO link_role VALUES ('forged', 'forged', 'audit')"))
        return result
    }

    @Test func everyObjectDroppedOrAlteredInTurnIsAFaultNamingIt() throws {
        let probe = try pipeline()
        let alterations = try probe.ledger.read { db in try Self.alterations(db) }
        #expect(alterations.count > 40)
        var missed: [String] = []
        for alteration in alterations {
            let temp = try pipeline()
            try edit(temp, alteration.sql)
            let faults = try schemaFaults(temp)
            if faults.isEmpty || !faults.allSatisfy({ $0.contains(alteration.object) }) {
                missed.append("\(alteration.sql): \(faults)")
            }
        }
        #expect(missed.isEmpty, "\(missed.joined(separator: "\n"))")
    }

    @Test func normalisingKeepsQuotedTextAndDropsLayout() {
        #expect(SchemaObjectCheck.normalised("CREATE  TABLE t (\n  a TEXT, -- note\n  b  INT )") == "CREATE TABLE t(a TEXT,b INT)")
        #expect(SchemaObjectCheck.normalised("SELECT 'a  -- b' , \"x  y\"") == "SELECT 'a  -- b',\"x  y\"")
        #expect(SchemaObjectCheck.normalised("SELECT 'it''s  x'") == "SELECT 'it''s  x'")
        #expect(SchemaObjectCheck.normalised("SELECT 1 /* c */ + 2") == "SELECT 1 + 2")
    }
}
