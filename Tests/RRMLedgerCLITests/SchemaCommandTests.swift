import Foundation
import GRDB
import Testing

/// `verify --deep` on a ledger whose schema objects were edited (docs/CLI.md, `verify`): exit 1
/// with a `schema-mismatch` fault naming each object, while plain `verify` still passes.
@Suite struct SchemaCommandTests {
    @Test(arguments: [
        ("DROP TRIGGER entry_is_append_only_update", "FAULT schema-mismatch: schema: the trigger entry_is_append_only_update is missing"),
        (
            "DROP VIEW latest_finding; CREATE VIEW latest_finding AS SELECT 'correct' AS verdict",
            "the view latest_finding is defined otherwise"
        ),
        ("PRAGMA foreign_keys = OFF; UPDATE link_role SET link_class = 'audit' WHERE role = 'label_target'", "link_role holds the row"),
    ])
    func verifyDeepNamesTheEditedObject(sql: String, expected: String) throws {
        let cli = try CLIProcess()
        try cli.write(TestBatch(name: "s", size: 20).text, to: "events.jsonl")
        #expect(try cli.run(["init", "--ledger", "l.sqlite"]).status == 0)
        #expect(try cli.run(["append", "--ledger", "l.sqlite", "events.jsonl"]).status == 0)
        try DatabaseQueue(path: cli.path("l.sqlite")).writeWithoutTransaction { db in try db.execute(sql: sql) }
        #expect(try cli.run(["verify", "--ledger", "l.sqlite"]).status == 0)
        let deep = try cli.run(["verify", "--ledger", "l.sqlite", "--deep"])
        #expect(deep.status == 1)
        #expect(deep.stdout.contains(expected), "\(deep.stdout)")
    }
}
