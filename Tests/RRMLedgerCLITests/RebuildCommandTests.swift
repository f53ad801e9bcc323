import Foundation
import GRDB
import RRMLedger
import Testing

/// `rebuild`, and the schema upgrade, as real processes: output, errors, exit codes, and what
/// `verify --deep` says before and after (docs/CLI.md).
@Suite struct RebuildCommandTests {
    /// A ledger `l.sqlite` holding CommandLineTests.events and a signed checkpoint over them.
    func populated() throws -> CLIProcess {
        let cli = try CLIProcess()
        try cli.write(CommandLineTests.events, to: "events.jsonl")
        #expect(try cli.run(["init", "--ledger", "l.sqlite"]).status == 0)
        #expect(try cli.run(["append", "--ledger", "l.sqlite", "events.jsonl"]).status == 0)
        #expect(try cli.run(["keygen", "--ledger", "l.sqlite", "--out", "log"]).status == 0)
        #expect(try cli.run(["checkpoint", "--ledger", "l.sqlite", "--key", "log.key"]).status == 0)
        return cli
    }

    /// Runs SQL on a ledger as a forger would (`forgeLedger`).
    func tamper(_ cli: CLIProcess, _ sql: String, ledger: String = "l.sqlite") throws {
        try forgeLedger(cli.path(ledger), sql)
    }

    /// Every row of every table, and the schema version, as text: equal dumps, equal ledgers.
    /// Every table's rows, the receipts excepted: they hold when each ledger received its
    /// batches, which differs between two ledgers of the same entries (and a version-1 ledger
    /// has none).
    func dump(_ cli: CLIProcess, ledger: String = "l.sqlite") throws -> String {
        var configuration = Configuration()
        configuration.readonly = true
        return try DatabaseQueue(path: cli.path(ledger), configuration: configuration).read { db in
            var text = "user_version \(try Int.fetchOne(db, sql: "PRAGMA user_version")!)\n"
            for table in try String.fetchAll(
                db, sql: "SELECT name FROM sqlite_schema WHERE type = 'table' AND name <> 'receipt' ORDER BY name")
            {
                for row in try Row.fetchAll(db, sql: "SELECT * FROM \"\(table)\" ORDER BY 1") { text += "\(table) \(row)\n" }
            }
            return text
        }
    }

    func head(_ cli: CLIProcess, ledger: String = "l.sqlite") throws -> String {
        try cli.run(["head", "--ledger", ledger]).stdout
    }

    @Test func rebuildRepairsWhatVerifyDeepFindsAndKeepsTheHead() throws {
        let cli = try populated()
        let head = try head(cli)
        try tamper(
            cli,
            """
            DELETE FROM edge WHERE child = 4;
            UPDATE merkle_node SET hash = zeroblob(32) WHERE level = 1 AND idx = 0;
            UPDATE entry_level SET level = 3 WHERE seq = 2;
            """)
        let damaged = try cli.run(["verify", "--ledger", "l.sqlite", "--deep"])
        #expect(damaged.status == 1)
        let faults = damaged.stdout.split(separator: "\n").filter { $0.hasPrefix("FAULT ") }
        #expect(faults.contains("FAULT derived-mismatch: entry 2: stored level is 3, but the level rule gives 0"))
        #expect(faults.contains { $0.hasPrefix("FAULT derived-mismatch: entry 2: the Merkle tree node at level 1, index 0 is 0000") })
        #expect(faults.contains { $0.hasPrefix("FAULT derived-mismatch: entry 4: lineage edges [] differ") })

        let rebuilt = try cli.run(["rebuild", "--ledger", "l.sqlite"])
        #expect(rebuilt.status == 0)
        #expect(rebuilt.stderr == "")
        let lines = rebuilt.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 7)
        #expect(lines[0] == "rebuilt every derived table of l.sqlite from 5 entries:")
        #expect(
            Array(lines[1...4]) == [
                "  edges   6 rows in edge",
                "  levels  5 rows in entry_level",
                "  search  3 rows in entry_search",
                "  merkle  3 rows in merkle_node",
            ])
        #expect(lines[5] == "checked before commit: chain, columns, lineage, levels, Merkle tree, checkpoints")
        #expect(lines[6].hasPrefix("ok: rebuilt in "))
        #expect(lines[6].hasSuffix("; head \(head.trimmingCharacters(in: .newlines))"))

        let repaired = try cli.run(["verify", "--ledger", "l.sqlite", "--deep"])
        #expect(repaired.status == 0, "\(repaired.stdout)")
        #expect(try self.head(cli) == head)
        #expect(try cli.run(["show", "--ledger", "l.sqlite", "out-1"]).stdout.hasPrefix("entry 2: output \"out-1\" at level 0\n"))
    }

    @Test func rebuildPrintsJSON() throws {
        let cli = try populated()
        let result = try cli.run(["rebuild", "--ledger", "l.sqlite", "--format", "json"])
        #expect(result.status == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(json["entries"] as? Int == 5)
        #expect(json["rows"] as? [String: Int] == ["edges": 6, "levels": 5, "search": 3, "merkle": 3])
        #expect(json["full"] as? Bool == true)
        #expect(json["derived_schema"] as? Int == 2)
        #expect(json["upgraded_from"] is NSNull)
        #expect((json["head"] as? [String: Any])?["seq"] as? Int == 5)
        for key in ["seconds", "derive_seconds", "check_seconds"] { #expect(json[key] is Double || json[key] is Int, "\(key)") }
    }

    @Test func rebuildOnlyOneTable() throws {
        let cli = try populated()
        try tamper(cli, "UPDATE entry_level SET level = 9 WHERE seq = 5")
        #expect(try cli.run(["verify", "--ledger", "l.sqlite", "--deep"]).status == 1)
        let result = try cli.run(["rebuild", "--ledger", "l.sqlite", "--only", "levels", "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(json["rows"] as? [String: Int] == ["levels": 5])
        #expect(json["full"] as? Bool == false)
        #expect(try cli.run(["verify", "--ledger", "l.sqlite", "--deep"]).status == 0)
        let text = try cli.run(["rebuild", "--ledger", "l.sqlite", "--only", "merkle"])
        #expect(text.stdout.hasPrefix("rebuilt merkle_node of l.sqlite from 5 entries:\n  merkle  3 rows in merkle_node\n"))
    }

    @Test func aLedgerThatDoesNotVerifyIsLeftAsItWasAndExits1() throws {
        let cli = try populated()
        try tamper(
            cli,
            """
            UPDATE entry_level SET level = 2 WHERE seq = 3;
            UPDATE entry SET body = replace(body, 'alice', 'mallory') WHERE seq = 4;
            """)
        let before = try dump(cli)
        let result = try cli.run(["rebuild", "--ledger", "l.sqlite"])
        #expect(result.status == 1)
        #expect(result.stdout == "")
        #expect(
            result.stderr
                == "rrm-ledger: error: l.sqlite does not verify, so its derived data was not rebuilt: hash-mismatch: entry 4: "
                + "stored hash does not match the hash of its fields: its body or hash was altered; the ledger is unchanged "
                + "(`rrm-ledger verify --deep` lists every fault)\n")
        #expect(try dump(cli) == before)
    }

    @Test func usageAndMissingLedgers() throws {
        let cli = try populated()
        let bogus = try cli.run(["rebuild", "--ledger", "l.sqlite", "--only", "everything"])
        #expect(bogus.status == 64)
        #expect(bogus.stderr.contains("'edges', 'levels', 'search'"))
        let missing = try cli.run(["rebuild", "--ledger", "nothing.sqlite"])
        #expect(missing.status == 66)
        #expect(missing.stderr.hasPrefix("rrm-ledger: error: no ledger at nothing.sqlite"))
        try cli.write("not a ledger, only words, but long enough to be read as a file header\n", to: "notes.txt")
        #expect(try cli.run(["rebuild", "--ledger", "notes.txt"]).status == 65)
        #expect(try cli.run(["rebuild", "--ledger", "l.sqlite", "--wait", "-1"]).status == 64)

        let help = try cli.run(["rebuild", "--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("--only <table>"))
        #expect(help.stdout.contains("checks the ledger as `verify --deep` does"))
        #expect(try cli.run(["--help"]).stdout.contains("rebuild"))
    }

    @Test func derivedTablesOfAnotherLayoutExit65UntilRebuilt() throws {
        let cli = try populated()
        try tamper(cli, "UPDATE ledger_info SET value = '9' WHERE key = 'derived_schema'")
        let refused = try cli.run(["stats", "--ledger", "l.sqlite"])
        #expect(refused.status == 65)
        #expect(
            refused.stderr
                == "rrm-ledger: error: l.sqlite has derived tables of layout 9 (written by a newer rrm-ledger), not the layout 2 this "
                + "rrm-ledger reads; run `rrm-ledger rebuild --ledger l.sqlite` to derive them anew from the entries, which it does not change\n"
        )
        #expect(try cli.run(["rebuild", "--ledger", "l.sqlite", "--only", "edges"]).status == 65)
        #expect(try cli.run(["rebuild", "--ledger", "l.sqlite"]).status == 0)
        #expect(try cli.run(["stats", "--ledger", "l.sqlite"]).status == 0)
        #expect(try cli.run(["verify", "--ledger", "l.sqlite", "--deep"]).status == 0)
    }

    // MARK: - Ledgers of schema version 1

    /// A version-1 ledger `name` made from Tests/Fixtures/ledger-v1.sql, holding what `populated()`
    /// holds, each level in the old `entry.level` column.
    func versionOne(_ cli: CLIProcess, named name: String = "v1.sqlite") throws {
        let schema = try String(contentsOf: Self.repository.appendingPathComponent("Tests/Fixtures/ledger-v1.sql"), encoding: .utf8)
        let queue = try DatabaseQueue(path: cli.path(name))
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: schema)
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "ATTACH DATABASE ? AS source", arguments: [cli.path("l.sqlite")])
            try db.inTransaction {
                try db.execute(
                    sql: """
                        INSERT INTO main.ledger_info SELECT key, value FROM source.ledger_info WHERE key <> 'derived_schema';
                        INSERT INTO main.entry (seq, id, kind, level, time, body, prev_hash, hash)
                            SELECT e.seq, e.id, e.kind, l.level, e.time, e.body, e.prev_hash, e.hash
                            FROM source.entry e JOIN source.entry_level l ON l.seq = e.seq ORDER BY e.seq;
                        INSERT INTO main.edge SELECT * FROM source.edge;
                        INSERT INTO main.merkle_node SELECT * FROM source.merkle_node;
                        INSERT INTO main.checkpoint SELECT * FROM source.checkpoint;
                        INSERT INTO main.critique_search (rowid, text, claims)
                            SELECT seq, json_extract(body, '$.text'), '' FROM main.entry WHERE kind = 'critique';
                        """)
                return .commit
            }
            try db.execute(sql: "DETACH DATABASE source")
        }
        try queue.close()
    }

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test func commandsThatReadWorkOnAVersionOneLedgerAndLeaveItAlone() throws {
        let cli = try populated()
        try versionOne(cli)
        let before = try dump(cli, ledger: "v1.sqlite")
        #expect(before.hasPrefix("user_version 1\n"))
        let verified = try cli.run(["verify", "--ledger", "v1.sqlite", "--deep"])
        #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
        #expect(verified.stderr == "")
        #expect(try head(cli, ledger: "v1.sqlite") == head(cli))
        #expect(try cli.run(["stats", "--ledger", "v1.sqlite"]).stdout == cli.run(["stats", "--ledger", "l.sqlite"]).stdout)
        // The same entry, but a version-1 ledger recorded no receipt time.
        let shown = try cli.run(["show", "--ledger", "v1.sqlite", "crit-1"]).stdout.split(separator: "\n")
        let current = try cli.run(["show", "--ledger", "l.sqlite", "crit-1"]).stdout.split(separator: "\n")
        #expect(shown.contains("received   unknown (appended before the ledger recorded receipt times)"))
        #expect(shown.filter { !$0.hasPrefix("received") } == current.filter { !$0.hasPrefix("received") })
        let proof = try cli.run(["prove", "inclusion", "--ledger", "v1.sqlite", "label-1"])
        #expect(proof.status == 0)
        #expect(proof.stdout == (try cli.run(["prove", "inclusion", "--ledger", "l.sqlite", "label-1"]).stdout))
        #expect(try dump(cli, ledger: "v1.sqlite") == before)
    }

    @Test func appendUpgradesAVersionOneLedgerOnceAndSaysSo() throws {
        let cli = try populated()
        try versionOne(cli)
        let proof = try cli.run(["prove", "inclusion", "--ledger", "v1.sqlite", "label-1"]).stdout
        try cli.write(
            #"{"kind":"output","id":"out-2","model":"policy-0","task":"sort","time":"2026-01-01T00:00:05Z"}"# + "\n", to: "more.jsonl")
        let appended = try cli.run(["append", "--ledger", "v1.sqlite", "more.jsonl"])
        #expect(appended.status == 0)
        #expect(
            appended.stderr
                == "rrm-ledger: upgraded v1.sqlite from schema version 1 to 3: the derived data was rebuilt and checked; "
                + "entries, hashes and checkpoints are unchanged\n")
        #expect(appended.stdout.hasPrefix("appended 1 entries to v1.sqlite, entries 6 to 6\n"))
        #expect(try dump(cli, ledger: "v1.sqlite").hasPrefix("user_version 3\n"))
        #expect(try cli.run(["verify", "--ledger", "v1.sqlite", "--deep"]).status == 0)
        #expect(try cli.run(["prove", "inclusion", "--ledger", "v1.sqlite", "label-1"]).stdout == proof)
        #expect(try cli.run(["verify-proof", "-", "--key", "log.pub"], stdin: proof).status == 0)
        let again = try cli.run(
            ["append", "--ledger", "v1.sqlite", "-"], stdin: #"{"kind":"output","id":"out-3","model":"policy-0","task":"sort"}"#)
        #expect(again.status == 0)
        #expect(again.stderr == "", "upgraded once only")
    }

    @Test func rebuildUpgradesAVersionOneLedger() throws {
        let cli = try populated()
        try versionOne(cli)
        let result = try cli.run(["rebuild", "--ledger", "v1.sqlite", "--format", "json"])
        #expect(result.status == 0)
        // With --format json the note is a JSON line too.
        #expect(result.stderr.hasPrefix(#"{"note":"upgraded v1.sqlite from schema version 1 to 3"#))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(json["upgraded_from"] as? Int == 1)
        #expect(try dump(cli, ledger: "v1.sqlite") == dump(cli))
    }

    @Test func twoWritersOnAVersionOneLedgerUpgradeItOnce() throws {
        let cli = try populated()
        try versionOne(cli)
        for name in ["a", "b", "c"] {
            try cli.write(#"{"kind":"output","id":"out-\#(name)","model":"policy-0","task":"sort"}"# + "\n", to: "\(name).jsonl")
        }
        let writers = try ["a", "b", "c"].map {
            try RunningCommand(cli, ["append", "--ledger", "v1.sqlite", "--wait", "60", "\($0).jsonl"])
        }
        let results = writers.map { $0.finish() }
        #expect(results.allSatisfy { $0.status == 0 }, "\(results.map(\.stderr))")
        #expect(results.filter { $0.stderr.contains("upgraded v1.sqlite from schema version 1 to 3") }.count == 1)
        let verified = try cli.run(["verify", "--ledger", "v1.sqlite", "--deep"])
        #expect(verified.stdout.hasPrefix("ok: 8 entries verified"))
    }
}
