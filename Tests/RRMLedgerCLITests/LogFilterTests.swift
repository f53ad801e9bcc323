import Foundation
import GRDB
import Testing

/// `log`'s filters (verdict, rater, about, since/until), findings shown with their verdict and
/// subject, and the bodies printed as plain JSON (`log --bodies`, `show --body`), as real processes.
@Suite struct LogFilterTests {
    /// `CommandLineTests.events` and three more: a second rater, two more findings, and times with
    /// fractions and an offset, which sort as instants only when compared as instants.
    static let moreEvents = """
        {"kind":"label","id":"label-2","rater":"human:carol","targets":["out-1"],"value":1,"time":"2026-01-02T00:00:00.5Z"}
        {"kind":"finding","id":"finding-2","about":"label-1","verdict":"correct","auditor":"human:bob","time":"2026-01-02T00:00:00.05Z"}
        {"kind":"finding","id":"finding-3","about":"crit-1","verdict":"correct","auditor":"human:dan","time":"2026-01-03T00:00:00+01:00"}

        """

    func ledger() throws -> CLIProcess {
        let cli = try CommandLineTests().populated()
        try cli.write(Self.moreEvents, to: "more.jsonl")
        #expect(try cli.run(["append", "--ledger", "l.sqlite", "more.jsonl"]).status == 0)
        return cli
    }

    /// The ids `log` prints (the sixth column of its text lines), in order.
    func ids(_ cli: CLIProcess, _ arguments: [String]) throws -> [String] {
        let result = try cli.run(["log", "--ledger", "l.sqlite"] + arguments)
        #expect(result.status == 0, "\(arguments): \(result.stderr)")
        return result.stdout.split(separator: "\n").map { String($0.split(separator: "\t")[5]) }
    }

    @Test func findingsShowTheirVerdictErrorTypeAndSubject() throws {
        let cli = try ledger()
        let lines = try cli.run(["log", "--ledger", "l.sqlite", "--kind", "finding"]).stdout.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines[0].hasSuffix("\tfinding-1\terroneous (sycophancy) about crit-1"))
        #expect(lines[1].hasSuffix("\tfinding-2\tcorrect about label-1"))
        #expect(lines[2].hasSuffix("\tfinding-3\tcorrect about crit-1"))
        // Other kinds' lines are as they were: six columns.
        let output = try cli.run(["log", "--ledger", "l.sqlite", "--kind", "output"]).stdout
        #expect(output.split(separator: "\n").first?.split(separator: "\t").count == 6)
    }

    @Test func verdictRaterAndAboutSelectFindingsAndLabels() throws {
        let cli = try ledger()
        #expect(try ids(cli, ["--verdict", "erroneous"]) == ["finding-1"])
        #expect(try ids(cli, ["--verdict", "correct"]) == ["finding-2", "finding-3"])
        #expect(try ids(cli, ["--rater", "human:alice"]) == ["label-1"])
        #expect(try ids(cli, ["--rater", "human:carol"]) == ["label-2"])
        #expect(try ids(cli, ["--rater", "human:nobody"]).isEmpty)
        #expect(try ids(cli, ["--about", "crit-1"]) == ["finding-1", "finding-3"])
        #expect(try ids(cli, ["--about", "crit-1", "--verdict", "correct"]) == ["finding-3"])
        #expect(try ids(cli, ["--about", "out-1"]).isEmpty)
        #expect(try ids(cli, ["--verdict", "correct", "--limit", "1"]) == ["finding-2"])
        #expect(try ids(cli, ["--verdict", "correct", "--from", "8"]) == ["finding-3"])
        let json = try cli.run(["log", "--ledger", "l.sqlite", "--verdict", "correct", "--format", "json"])
        let verdicts = try json.stdout.split(separator: "\n").map { line in
            ((try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["body"] as? [String: Any])?["verdict"] as? String
        }
        #expect(verdicts == ["correct", "correct"])
    }

    @Test func sinceAndUntilCompareInstantsNotText() throws {
        let cli = try ledger()
        // 00:00:00.5Z is after 00:00:00Z, though "." sorts before "Z" in the text.
        #expect(try ids(cli, ["--since", "2026-01-02T00:00:00Z"]) == ["label-2", "finding-2", "finding-3"])
        // --since is inclusive, --until exclusive; an offset is normalized as event times are.
        #expect(try ids(cli, ["--since", "2026-01-02T00:00:00.05Z", "--until", "2026-01-02T00:00:00.5Z"]) == ["finding-2"])
        #expect(try ids(cli, ["--since", "2026-01-02T01:00:00.050+01:00", "--until", "2026-01-02T00:00:00.5Z"]) == ["finding-2"])
        #expect(try ids(cli, ["--until", "2026-01-01T00:00:02Z"]) == ["policy-0", "out-1"])
        // finding-3's 2026-01-03T00:00:00+01:00 is 2026-01-02T23:00:00Z.
        #expect(try ids(cli, ["--kind", "finding", "--since", "2026-01-02T22:59:59.999Z"]) == ["finding-3"])
        #expect(try ids(cli, ["--kind", "finding", "--since", "2026-01-02T23:00:00.000001Z"]).isEmpty)
    }

    @Test(arguments: [
        (["--since", "yesterday"], #"--since "yesterday" is not an RFC 3339 time"#),
        (["--until", "2026-13-01T00:00:00Z"], "month 13 is out of range"),
        (["--until", "2026-01-01T00:00:00"], "has no time zone offset"),
        (["--since", "2026-01-02T00:00:00Z", "--until", "2026-01-01T00:00:00Z"], "--since (2026-01-02T00:00:00Z) must be before --until"),
        (["--verdict", "wrong"], "--verdict"),
        (["--verdict", "correct", "--kind", "label"], "--verdict selects findings; it cannot be combined with --kind label"),
        (["--about", "crit-1", "--kind", "output"], "--about selects findings"),
        (["--rater", "human:alice", "--kind", "finding"], "--rater selects labels"),
        (["--rater", "human:alice", "--verdict", "correct"], "give one or the other"),
    ])
    func refusedFiltersExit64NamingTheOption(arguments: [String], message: String) throws {
        let cli = try ledger()
        let result = try cli.run(["log", "--ledger", "l.sqlite"] + arguments)
        #expect(result.status == 64)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }

    @Test func aboutAnUnknownEntryExits66() throws {
        let cli = try ledger()
        let result = try cli.run(["log", "--ledger", "l.sqlite", "--about", "ghost"])
        #expect(result.status == 66)
        #expect(result.stderr == "rrm-ledger: error: no entry has the id \"ghost\"\n")
    }

    @Test func aFindingsFreeTextCannotForgeALogLine() throws {
        let cli = try ledger()
        try cli.write(
            #"{"kind":"finding","id":"finding-4","about":"out-1","verdict":"erroneous","auditor":"human:eve","error_type":"x\n999\tfinding\tforged"}"#
                + "\n", to: "sly.jsonl")
        #expect(try cli.run(["append", "--ledger", "l.sqlite", "sly.jsonl"]).status == 0)
        let lines = try cli.run(["log", "--ledger", "l.sqlite", "--about", "out-1"]).stdout.split(
            separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 2)  // one line and the final line feed
        #expect(lines[0].hasSuffix(#"erroneous (x\u{A}999\u{9}finding\u{9}forged) about out-1"#))
    }

    @Test func aBodyEditedIntoSomethingNotJSONIsRefusedByNameNotSkippedOrAnInternalError() throws {
        let cli = try ledger()
        try DatabaseQueue(path: cli.path("l.sqlite")).writeWithoutTransaction { db in
            try db.execute(sql: "DROP TRIGGER entry_is_append_only_update")
            try db.execute(sql: "UPDATE entry SET body = '{\"verdict\": ' WHERE id IN ('finding-1', 'label-1')")
        }
        // json_extract alone would fail the query with an SQLite error (70); each is refused as the
        // malformed row it is (65), naming table, row and column.
        for (filter, row) in [(["--verdict", "erroneous"], 5), (["--rater", "human:alice"], 4), (["--bodies"], 4)] {
            let result = try cli.run(["log", "--ledger", "l.sqlite"] + filter)
            #expect(result.status == 65, "\(filter): \(result.stderr)")
            #expect(result.stderr.contains("entry row \(row), column body: not JSON"), "\(filter): \(result.stderr)")
        }
        #expect(try cli.run(["show", "--ledger", "l.sqlite", "finding-1", "--body"]).status == 65)
    }

    /// The bodies as stored: the canonical JSON that was hashed.
    func storedBodies(_ cli: CLIProcess, kind: String? = nil) throws -> [String] {
        let queue = try DatabaseQueue(path: cli.path("l.sqlite"))
        return try queue.read { db in
            try String.fetchAll(
                db, sql: "SELECT body FROM entry WHERE ? IS NULL OR kind = ? ORDER BY seq", arguments: [kind, kind])
        }
    }

    @Test func bodiesPrintTheCanonicalBodyAloneOnePerLine() throws {
        let cli = try ledger()
        let all = try cli.run(["log", "--ledger", "l.sqlite", "--bodies"])
        #expect(all.status == 0)
        #expect(all.stdout == (try storedBodies(cli)).map { $0 + "\n" }.joined())
        let findings = try cli.run(["log", "--ledger", "l.sqlite", "--kind", "finding", "--bodies", "--format", "json"])
        #expect(findings.stdout == (try storedBodies(cli, kind: "finding")).map { $0 + "\n" }.joined())
        let first = try #require(findings.stdout.split(separator: "\n").first)
        let body = try JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: Any]
        #expect(body?["verdict"] as? String == "erroneous")
        #expect(body?["about"] as? String == "crit-1")
    }

    @Test func showBodyPrintsTheCanonicalBodyAlone() throws {
        let cli = try ledger()
        let shown = try cli.run(["show", "--ledger", "l.sqlite", "crit-1", "--body"])
        #expect(shown.status == 0)
        #expect(shown.stdout == (try storedBodies(cli, kind: "critique"))[0] + "\n")
        let missing = try cli.run(["show", "--ledger", "l.sqlite", "ghost", "--body"])
        #expect(missing.status == 66)
        #expect(missing.stdout.isEmpty)
    }
}
