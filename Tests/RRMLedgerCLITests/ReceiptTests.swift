import Foundation
import GRDB
import RRMLedger
import Testing

/// The ledger's own receipt time (Schema/ledger.sql, `receipt`), the time skew it shows, and
/// `append --max-time-skew`, as real processes.
@Suite struct ReceiptTests {
    static func model(_ id: String, time: String? = nil) -> String {
        #"{"kind":"model","id":"\#(id)","level":0,"role":"policy"\#(time.map { #","time":"\#($0)""# } ?? "")}"# + "\n"
    }

    func receipts(_ cli: CLIProcess, _ name: String = "l.sqlite") throws -> [(Int64, Int64, String)] {
        let queue = try DatabaseQueue(path: cli.path(name))
        return try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT first_seq, last_seq, received_at FROM receipt ORDER BY first_seq").map {
                ($0[0], $0[1], $0[2])
            }
        }
    }

    @Test func everyCommittedBatchHasItsReceiptAndShowSaysWhen() throws {
        let cli = try CLIProcess()
        #expect(try cli.run(["init", "--ledger", "l.sqlite"]).status == 0)
        let before = Timestamp.now()
        #expect(try cli.run(["append", "--ledger", "l.sqlite", "-"], stdin: Self.model("a") + Self.model("b")).status == 0)
        let streamed = (0..<5).map { Self.model("s\($0)", time: "1999-01-01T00:00:00Z") }.joined()
        #expect(try cli.run(["append", "--ledger", "l.sqlite", "--commit-every", "2", "-"], stdin: streamed).status == 0)
        let after = Timestamp.now()
        let rows = try receipts(cli)
        #expect(rows.map { "\($0.0)-\($0.1)" } == ["1-2", "3-4", "5-6", "7-7"])
        #expect(rows.allSatisfy { $0.2 >= before && $0.2 <= after && (try? Timestamp.normalize($0.2)) == $0.2 })

        let shown = try cli.run(["show", "--ledger", "l.sqlite", "s0", "--format", "json"])
        let json = try JSONParser.parse(shown.stdout)
        #expect(json["received"]?.stringValue == rows[1].2)
        #expect(json["time"]?.stringValue == "1999-01-01T00:00:00Z")
        let text = try cli.run(["show", "--ledger", "l.sqlite", "s0"]).stdout
        #expect(text.contains("received   \(rows[1].2)\n"))

        // The view shows how far each event's claimed time is from its receipt.
        let queue = try DatabaseQueue(path: cli.path("l.sqlite"))
        let skews = try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT id, time_skew FROM entry_chain ORDER BY seq").map { ($0[0] as String, $0[1] as Double) }
        }
        #expect(skews.filter { $0.0.hasPrefix("s") }.allSatisfy { $0.1 < -800_000_000 })  // 1999, seen in 2026 or later
        #expect(skews.filter { !$0.0.hasPrefix("s") }.allSatisfy { abs($0.1) < 60 })
        #expect(try cli.run(["verify", "--ledger", "l.sqlite", "--deep"]).status == 0)
    }

    @Test func aMaximumTimeSkewRefusesImplausibleTimesAndCheckListsThemAll() throws {
        let cli = try CLIProcess()
        #expect(try cli.run(["init", "--ledger", "l.sqlite"]).status == 0)
        let batch =
            Self.model("now") + Self.model("future", time: "2099-01-01T00:00:00Z") + Self.model("past", time: "1999-06-01T00:00:00Z")
        let refused = try cli.run(["append", "--ledger", "l.sqlite", "--max-time-skew", "86400", "-"], stdin: batch)
        #expect(refused.status == 65)
        #expect(refused.stderr.hasPrefix(#"rrm-ledger: error: line 2 (id "future"): field "time": 2099-01-01T00:00:00Z is 7"#))
        #expect(refused.stderr.contains(" years after the ledger's clock ("))
        #expect(refused.stderr.hasSuffix("); --max-time-skew allows 24.0 hours; nothing was appended\n"))
        #expect(try receipts(cli).isEmpty)

        let checked = try cli.run(
            ["append", "--ledger", "l.sqlite", "--max-time-skew", "86400", "--check", "--format", "json", "-"], stdin: batch)
        #expect(checked.status == 65)
        let problems = checked.stdout.split(separator: "\n").compactMap { try? JSONParser.parse(String($0)) }.filter {
            $0["type"]?.stringValue == "problem"
        }
        #expect(problems.compactMap { $0["id"]?.stringValue } == ["future", "past"])
        #expect(problems.allSatisfy { $0["field"]?.stringValue == "time" })

        // Without the option, or within it, the times are accepted as the pipeline claims them.
        #expect(try cli.run(["append", "--ledger", "l.sqlite", "--max-time-skew", "1e10", "-"], stdin: batch).status == 0)
        // Resent under a tighter limit, the batch is recognised as already recorded, not refused:
        // a retry may come long after the clock has moved on.
        let resent = try cli.run(["append", "--ledger", "l.sqlite", "--max-time-skew", "86400", "--format", "json", "-"], stdin: batch)
        #expect(resent.status == 0, "\(resent.stderr)")
        #expect(try JSONParser.parse(resent.stdout)["already_recorded"] == .array([.array([.number(1), .number(3)])]))
        let negative = try cli.run(["append", "--ledger", "l.sqlite", "--max-time-skew", "-1", "-"], stdin: batch)
        #expect(negative.status == 64)
        #expect(negative.stderr.contains("--max-time-skew must be from 0"))
    }

    /// The latest finding is the one recorded last, whatever time the events claim: a finding
    /// dated 2099, then a later-recorded one dated 2026, leave the 2026 one as the verdict in the
    /// view, in `show` and in `log`'s findings.
    @Test func theLatestFindingIsTheOneRecordedLastNotTheOneDatedLatest() throws {
        let cli = try CLIProcess()
        #expect(try cli.run(["init", "--ledger", "l.sqlite"]).status == 0)
        let events =
            Self.model("m")
            + #"{"kind":"finding","id":"f-2099","about":"m","verdict":"erroneous","auditor":"human:dana","time":"2099-01-01T00:00:00Z"}"#
            + "\n"
            + #"{"kind":"finding","id":"f-2026","about":"m","verdict":"correct","auditor":"human:eve","time":"2026-01-01T00:00:00Z"}"#
            + "\n"
        #expect(try cli.run(["append", "--ledger", "l.sqlite", "-"], stdin: events).status == 0)
        let queue = try DatabaseQueue(path: cli.path("l.sqlite"))
        let latest = try queue.read { db in try Row.fetchOne(db, sql: "SELECT finding_id, verdict FROM latest_finding WHERE entry_id = 'm'")
        }
        #expect(latest?[0] == "f-2026")
        #expect(latest?[1] == "correct")
        let shown = try JSONParser.parse(try cli.run(["show", "--ledger", "l.sqlite", "m", "--format", "json"]).stdout)
        #expect(shown["latest_finding"]?.stringValue == "f-2026")
        #expect(try cli.run(["show", "--ledger", "l.sqlite", "m"]).stdout.contains("finding    correct by human:eve in \"f-2026\""))
    }

    /// A ledger of schema version 2 is read as it is (no receipts), and its first write adds the
    /// receipt table, with nothing else changed.
    @Test func aVersionTwoLedgerIsReadAsItIsAndUpgradedByItsFirstWrite() throws {
        let cli = try CLIProcess()
        #expect(try cli.run(["init", "--ledger", "l.sqlite"]).status == 0)
        #expect(try cli.run(["append", "--ledger", "l.sqlite", "-"], stdin: Self.model("a")).status == 0)
        let queue = try DatabaseQueue(path: cli.path("l.sqlite"))
        try queue.writeWithoutTransaction { db in
            try db.execute(
                sql: """
                    DROP VIEW entry_chain; DROP TABLE receipt; PRAGMA user_version = 2;
                    CREATE VIEW entry_chain AS SELECT e.seq, e.kind, e.id, l.level, e.time, lower(hex(e.prev_hash)) AS prev_hash,
                        lower(hex(e.hash)) AS hash FROM entry e LEFT JOIN entry_level l ON l.seq = e.seq;
                    """)
        }
        try queue.close()
        let shown = try cli.run(["show", "--ledger", "l.sqlite", "a"])
        #expect(shown.status == 0, "\(shown.stderr)")
        #expect(shown.stdout.contains("received   unknown (appended before the ledger recorded receipt times)"))
        #expect(try cli.run(["verify", "--ledger", "l.sqlite"]).status == 0)

        let appended = try cli.run(["append", "--ledger", "l.sqlite", "-"], stdin: Self.model("b"))
        #expect(appended.status == 0, "\(appended.stderr)")
        #expect(
            appended.stderr.hasPrefix(
                "rrm-ledger: upgraded l.sqlite from schema version 2 to 3: it now records when it receives each batch"))
        #expect(try receipts(cli).map { "\($0.0)-\($0.1)" } == ["2-2"])
        #expect(try cli.run(["show", "--ledger", "l.sqlite", "a"]).stdout.contains("received   unknown"))
    }

    /// Receipt rows are read like every other row: malformed ones are faults of plain verify, named.
    @Test func verifyNamesMalformedReceipts() throws {
        let cli = try CLIProcess()
        #expect(try cli.run(["init", "--ledger", "l.sqlite"]).status == 0)
        #expect(try cli.run(["append", "--ledger", "l.sqlite", "-"], stdin: Self.model("a") + Self.model("b")).status == 0)
        let queue = try DatabaseQueue(path: cli.path("l.sqlite"))
        try queue.writeWithoutTransaction { db in
            try db.execute(
                sql: """
                    DROP TRIGGER receipt_is_append_only_update;
                    INSERT INTO receipt VALUES (2, 9, 'yesterday');
                    """)
        }
        try queue.close()
        let result = try cli.run(["verify", "--ledger", "l.sqlite"])
        #expect(result.status == 1)
        #expect(result.stdout.contains("receipt: the row for entries 2…9 holds \"yesterday\", not a UTC time"))
        #expect(result.stdout.contains("receipt: the ledger received entries 2…9, but it ends at entry 2: entries are gone from its end"))
        #expect(result.stdout.contains("receipt: the row for entries 2…9 overlaps the one before it, which ends at 2") == false)
    }
}
