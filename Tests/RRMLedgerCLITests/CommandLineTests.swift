import Foundation
import GRDB
import Testing

/// The command line, run as a real process: output, errors and exit codes (docs/CLI.md).
@Suite struct CommandLineTests {
    static let events = """
        {"kind":"model","id":"policy-0","level":0,"role":"policy","time":"2026-01-01T00:00:00Z"}
        {"kind":"output","id":"out-1","model":"policy-0","task":"sort","time":"2026-01-01T00:00:01Z"}
        {"kind":"critique","id":"crit-1","critic":"policy-0","targets":["out-1"],"text":"Off by one.","time":"2026-01-01T00:00:02Z"}
        {"kind":"label","id":"label-1","rater":"human:alice","targets":["out-1"],"value":3,"assisted_by":["crit-1"],"time":"2026-01-01T00:00:03Z"}
        {"kind":"finding","id":"finding-1","about":"crit-1","verdict":"erroneous","auditor":"human:bob","error_type":"sycophancy","time":"2026-01-01T00:00:04Z"}

        """

    /// A folder with an initialized ledger holding `events`.
    func populated() throws -> CLIProcess {
        let cli = try CLIProcess()
        try cli.write(Self.events, to: "events.jsonl")
        #expect(try cli.run(["init", "--ledger", "l.sqlite"]).status == 0)
        #expect(try cli.run(["append", "--ledger", "l.sqlite", "events.jsonl"]).status == 0)
        return cli
    }

    @Test func helpListsTheCommandsAndExitCodes() throws {
        let result = try CLIProcess().run(["--help"])
        #expect(result.status == 0)
        for command in ["init", "append", "verify", "head", "show", "log", "stats"] {
            #expect(result.stdout.contains(command))
        }
        #expect(result.stdout.contains("65 bad data"))
    }

    @Test func initCreatesALedgerAndRefusesToOverwrite() throws {
        let cli = try CLIProcess()
        let created = try cli.run(["init", "--ledger", "l.sqlite"])
        #expect(created.status == 0)
        #expect(created.stdout == "created ledger l.sqlite (schema version 3)\n")
        let before = cli.bytes("l.sqlite")
        let again = try cli.run(["init", "--ledger", "l.sqlite"])
        #expect(again.status == 73)
        #expect(again.stderr == "rrm-ledger: error: l.sqlite already exists; refusing to overwrite it\n")
        #expect(cli.bytes("l.sqlite") == before)
    }

    @Test func appendPrintsCountsAndTheHead() throws {
        let cli = try CLIProcess()
        try cli.write(Self.events, to: "events.jsonl")
        try cli.run(["init", "--ledger", "l.sqlite"])
        let result = try cli.run(["append", "--ledger", "l.sqlite", "events.jsonl"])
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "appended 5 entries to l.sqlite, entries 1 to 5")
        #expect(lines.contains("  critique  1"))
        let head = try cli.run(["head", "--ledger", "l.sqlite"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(head.hasPrefix("5:"))
        #expect(lines.last == "head \(head)")
    }

    @Test func appendReadsStandardInputAndPrintsJSON() throws {
        let cli = try CLIProcess()
        try cli.run(["init", "--ledger", "l.sqlite"])
        let result = try cli.run(["append", "--ledger", "l.sqlite", "--format", "json", "-"], stdin: Self.events)
        #expect(result.status == 0)
        let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        #expect(json?["appended"] as? Int == 5)
        #expect((json?["by_kind"] as? [String: Int])?["label"] == 1)
        #expect((json?["head"] as? [String: Any])?["seq"] as? Int == 5)
    }

    @Test func aBadLineExits65NamingLineAndFieldAndChangesNothing() throws {
        let cli = try populated()
        try cli.write(
            #"{"kind":"output","id":"o2","model":"policy-0","task":"t"}"# + "\n"
                + #"{"kind":"label","id":"l2","rater":"human:x","targets":["nope"],"value":1}"# + "\n", to: "bad.jsonl")
        let before = cli.bytes("l.sqlite")
        let head = try cli.run(["head", "--ledger", "l.sqlite"]).stdout
        let result = try cli.run(["append", "--ledger", "l.sqlite", "bad.jsonl"])
        #expect(result.status == 65)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.hasPrefix("rrm-ledger: error: line 2 (id \"l2\"): field \"targets[0]\": no entry has the id \"nope\""))
        #expect(result.stderr.hasSuffix("nothing was appended\n"))
        #expect(!result.stderr.contains("Fatal error"))
        #expect(cli.bytes("l.sqlite") == before)
        #expect(try cli.run(["head", "--ledger", "l.sqlite"]).stdout == head)
        #expect(try cli.run(["verify", "--ledger", "l.sqlite"]).status == 0)
    }

    @Test func missingInputsAndLedgersExit66AndCreateNothing() throws {
        let cli = try populated()
        let noFile = try cli.run(["append", "--ledger", "l.sqlite", "absent.jsonl"])
        #expect(noFile.status == 66)
        #expect(noFile.stderr.contains("cannot read absent.jsonl"))
        let noLedger = try cli.run(["verify", "--ledger", "nowhere.sqlite"])
        #expect(noLedger.status == 66)
        #expect(noLedger.stderr.contains("no ledger at nowhere.sqlite"))
        #expect(!FileManager.default.fileExists(atPath: cli.path("nowhere.sqlite")))
        let noEntry = try cli.run(["show", "--ledger", "l.sqlite", "ghost"])
        #expect(noEntry.status == 66)
        #expect(noEntry.stderr == "rrm-ledger: error: no entry has the id \"ghost\"\n")
    }

    @Test func filesThatAreNotLedgersExit65() throws {
        let cli = try CLIProcess()
        try cli.write("just text, not a database, long enough to have a header\n", to: "notes.txt")
        let result = try cli.run(["stats", "--ledger", "notes.txt"])
        #expect(result.status == 65)
        #expect(result.stderr.contains("notes.txt is not an rrm-ledger ledger"))
        try DatabaseQueue(path: cli.path("other.db")).write { db in try db.execute(sql: "CREATE TABLE t (x)") }
        let other = try cli.run(["head", "--ledger", "other.db"])
        #expect(other.status == 65)
        #expect(other.stderr.contains("another application"))
    }

    @Test func aNewerSchemaExits65() throws {
        let cli = try populated()
        try DatabaseQueue(path: cli.path("l.sqlite")).writeWithoutTransaction { db in try db.execute(sql: "PRAGMA user_version = 99") }
        let result = try cli.run(["log", "--ledger", "l.sqlite"])
        #expect(result.status == 65)
        #expect(result.stderr.contains("schema version 99, newer than the 3"))
    }

    @Test func verifyExits0WhenIntactAnd1WithOneLinePerFault() throws {
        let cli = try populated()
        let intact = try cli.run(["verify", "--ledger", "l.sqlite"])
        #expect(intact.status == 0)
        #expect(intact.stdout.hasPrefix("ok: 5 entries verified (chain, columns and SQLite quick_check); head 5:"))
        let chainOnly = try cli.run(["verify", "--ledger", "l.sqlite", "--skip-storage-check"])
        #expect(chainOnly.stdout.hasPrefix("ok: 5 entries verified (chain, columns); head 5:"))
        #expect(try cli.run(["verify", "--ledger", "l.sqlite", "--deep", "--skip-storage-check"]).status == 64)

        try DatabaseQueue(path: cli.path("l.sqlite")).writeWithoutTransaction { db in
            try db.execute(sql: "DROP TRIGGER entry_is_append_only_update")
            try db.execute(sql: "UPDATE entry SET body = replace(body, 'alice', 'mallory') WHERE seq = 4")
            try db.execute(sql: "UPDATE entry SET hash = zeroblob(32) WHERE seq = 2")
        }
        let damaged = try cli.run(["verify", "--ledger", "l.sqlite"])
        #expect(damaged.status == 1)
        let lines = damaged.stdout.split(separator: "\n").map(String.init)
        #expect(
            lines == [
                "FAULT hash-mismatch: entry 2: stored hash does not match the hash of its fields: its body or hash was altered",
                "FAULT broken-link: entry 3: prev_hash does not match the hash of entry 2: the chain is broken here",
                "FAULT hash-mismatch: entry 4: stored hash does not match the hash of its fields: its body or hash was altered",
                "FAILED: 3 faults in 5 entries; first damaged entry: 2",
            ])
        let json = try cli.run(["verify", "--ledger", "l.sqlite", "--format", "json"])
        #expect(json.status == 1)
        let report = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(report?["intact"] as? Bool == false)
        #expect(report?["first_damaged_seq"] as? Int == 2)
        #expect((report?["faults"] as? [Any])?.count == 3)
    }

    /// A ledger edited outside rrm-ledger to hold a kind, role or level the schema forbids: the
    /// value is refused with the table, row and column (exit 65), never read as a default.
    @Test func valuesTheSchemaForbidsAreRefusedNamingTheirRow() throws {
        let cli = try populated()
        func edit(_ sql: String) throws {
            try DatabaseQueue(path: cli.path("l.sqlite")).writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA foreign_keys = OFF; PRAGMA ignore_check_constraints = ON")
                try db.execute(sql: sql)
            }
        }
        try edit("UPDATE edge SET role = 'bogus' WHERE child = 4 AND role = 'assisted_by'")
        let role = try cli.run(["show", "--ledger", "l.sqlite", "crit-1"])
        #expect(role.status == 65)
        #expect(role.stderr.contains("the ledger's edge row from entry 4, column role: unknown link role \"bogus\""))
        try edit("DROP TRIGGER entry_is_append_only_update; UPDATE entry SET kind = 'poem' WHERE seq = 2")
        try edit("UPDATE entry_level SET level = -7 WHERE seq = 1")
        let kind = try cli.run(["show", "--ledger", "l.sqlite", "out-1"])
        #expect(kind.status == 65)
        #expect(kind.stderr.contains("the ledger's entry row 2, column kind: unknown kind \"poem\""))
        let level = try cli.run(["show", "--ledger", "l.sqlite", "policy-0"])
        #expect(level.status == 65)
        #expect(level.stderr.contains("the ledger's entry_level row 1, column level: level -7 is outside 0…2147483647"))
    }

    @Test func verifyDetectsTruncationAgainstASavedHead() throws {
        let cli = try populated()
        let saved = try cli.run(["head", "--ledger", "l.sqlite"]).stdout.trimmingCharacters(in: .newlines)
        #expect(try cli.run(["verify", "--ledger", "l.sqlite", "--expect-head", saved]).status == 0)
        try DatabaseQueue(path: cli.path("l.sqlite")).writeWithoutTransaction { db in
            try db.execute(sql: "DROP TRIGGER entry_is_append_only_delete; PRAGMA foreign_keys = OFF; DELETE FROM entry WHERE seq = 5")
        }
        let result = try cli.run(["verify", "--ledger", "l.sqlite", "--expect-head", saved])
        #expect(result.status == 1)
        #expect(result.stdout.contains("FAULT truncated: entry 5: the ledger ends at entry 4, but the saved head is entry 5"))
    }

    @Test func badOptionsExit64() throws {
        let cli = try populated()
        let head = try cli.run(["verify", "--ledger", "l.sqlite", "--expect-head", "five:abc"])
        #expect(head.status == 64)
        #expect(head.stderr.contains("--expect-head must be SEQ:HASH"))
        #expect(try cli.run(["verify", "--ledger", "l.sqlite", "--no-such-flag"]).status == 64)
        #expect(try cli.run(["log", "--ledger", "l.sqlite", "--kind", "opinion"]).status == 64)
        #expect(try cli.run(["frobnicate"]).status == 64)
    }

    @Test func showPrintsAnEntryItsLinksAndLatestFinding() throws {
        let cli = try populated()
        let text = try cli.run(["show", "--ledger", "l.sqlite", "crit-1"])
        #expect(text.status == 0)
        #expect(text.stdout.hasPrefix("entry 3: critique \"crit-1\" at level 0\n"))
        #expect(text.stdout.contains("finding    erroneous (sycophancy) by human:bob in \"finding-1\""))
        #expect(text.stdout.contains("critique_target  output \"out-1\" (entry 2, level 0)"))
        #expect(text.stdout.contains("assisted_by      label \"label-1\" (entry 4, level 0)"))
        let json = try cli.run(["show", "--ledger", "l.sqlite", "crit-1", "--format", "json"])
        let entry = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(entry?["seq"] as? Int == 3)
        #expect((entry?["body"] as? [String: Any])?["text"] as? String == "Off by one.")
        #expect((entry?["parents"] as? [[String: Any]])?.map { $0["id"] as? String } == ["policy-0", "out-1"])
    }

    @Test func logFiltersAndStreamsJSONLines() throws {
        let cli = try populated()
        let text = try cli.run(["log", "--ledger", "l.sqlite", "--kind", "label"])
        #expect(text.status == 0)
        #expect(text.stdout.split(separator: "\n").count == 1)
        #expect(text.stdout.contains("label-1"))
        let json = try cli.run(["log", "--ledger", "l.sqlite", "--format", "json", "--from", "2", "--limit", "2"])
        let lines = json.stdout.split(separator: "\n")
        #expect(lines.count == 2)
        let first = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any]
        #expect(first?["id"] as? String == "out-1")
        #expect((first?["hash"] as? String)?.count == 64)
    }

    @Test func statsCountsPerKindAndLevel() throws {
        let cli = try populated()
        let text = try cli.run(["stats", "--ledger", "l.sqlite"])
        #expect(text.status == 0)
        #expect(text.stdout.contains("level  model  output  critique  label  dataset  finding  total"))
        #expect(text.stdout.contains("all        1       1         1      1        0        1      5"))
        let json = try cli.run(["stats", "--ledger", "l.sqlite", "--format", "json"])
        let stats = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(stats?["entries"] as? Int == 5)
    }

    @Test func theDefaultLedgerComesFromTheEnvironmentOrTheCurrentFolder() throws {
        let cli = try CLIProcess()
        #expect(try cli.run(["init"]).stdout == "created ledger rrm-ledger.sqlite (schema version 3)\n")
        #expect(FileManager.default.fileExists(atPath: cli.path("rrm-ledger.sqlite")))
        let fromEnvironment = try cli.run(["init"], environment: ["RRM_LEDGER": "env.sqlite"])
        #expect(fromEnvironment.stdout == "created ledger env.sqlite (schema version 3)\n")
    }

    // Several writers at once, with readers meanwhile: ConcurrencyTests.

    @Test func aWriterThatCannotGetTheLockWaitsThenGivesUpWithExit75() throws {
        let cli = try populated()
        let head = try cli.run(["head", "--ledger", "l.sqlite"]).stdout
        let queue = try DatabaseQueue(path: cli.path("l.sqlite"))
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: "BEGIN IMMEDIATE")
            defer { try? db.execute(sql: "ROLLBACK") }
            let started = ContinuousClock.now
            let result = try cli.run(
                ["append", "--ledger", "l.sqlite", "--wait", "0.5", "-"], stdin: #"{"kind":"model","id":"m2","level":0,"role":"policy"}"#)
            let waited = ContinuousClock.now - started
            #expect(result.status == 75)
            #expect(result.stdout.isEmpty)
            #expect(
                result.stderr.contains(/l\.sqlite is locked by another writer; gave up after waiting (0\.[5-9]|[1-9][0-9.]*) s/),
                "\(result.stderr)")
            #expect(waited >= .milliseconds(450), "gave up after \(waited) instead of waiting")
            #expect(waited < .seconds(15), "waited \(waited): --wait 0.5 was not honoured")
        }
        #expect(try cli.run(["head", "--ledger", "l.sqlite"]).stdout == head)
        #expect(try cli.run(["verify", "--ledger", "l.sqlite"]).status == 0)
    }
}
