import Foundation
import RRMLedger
import Testing

/// Control characters of user data never reach a terminal raw (docs/CLI.md, "Text and JSON"):
/// text output escapes them, JSON output stays exact.
@Suite struct TerminalTextTests {
    static let hostile = "a\u{1B}]0;pwned\u{07}\u{1B}[2J"

    @Test func escapingWritesEveryControlCharacterAndBidiOverrideVisibly() {
        #expect(TerminalText.escaped(Self.hostile) == #"a\u{1B}]0;pwned\u{7}\u{1B}[2J"#)
        #expect(TerminalText.escaped("tab\there\nnext\r\u{7F}\u{9B}\u{202E}é") == #"tab\u{9}here\u{A}next\u{D}\u{7F}\u{9B}\u{202E}é"#)
        #expect(TerminalText.escaped("tab\there\nnext\u{1B}", keepingLineBreaks: true) == "tab\there\nnext\\u{1B}")
        #expect(TerminalText.escaped("plain text, ünïcode ✓") == "plain text, ünïcode ✓")
    }

    @Test func noCommandPrintsAnEscapeSequenceFromUserDataAndJSONStaysExact() throws {
        let cli = try CommandLineTests().populated()
        let json =
            #"{"kind":"finding","id":"finding-2","about":"crit-1","verdict":"erroneous","auditor":"human:\u001b]0;pwned\u0007\u001b[2J","error_type":"syc\u001b[31m\nFAKE","time":"2026-01-01T00:00:05Z"}"#
        #expect(try cli.run(["append", "--ledger", "l.sqlite", "-"], stdin: json + "\n").status == 0)
        var outputs: [(String, CLIProcess.Result)] = []
        for command in [
            ["show", "crit-1"], ["log"], ["report"], ["trace", "crit-1"], ["lineage", "crit-1"], ["show", Self.hostile],
            ["lineage", Self.hostile], ["log", "--kind", Self.hostile], ["verify", "--expect-head", Self.hostile],
            ["export", "--out", "x.tgz", "--lineage", Self.hostile], [Self.hostile],
        ] {
            outputs.append(("\(command)", try cli.run(command + ["--ledger", "l.sqlite"])))
        }
        for (command, result) in outputs {
            #expect(!result.stdout.contains("\u{1B}") && !result.stderr.contains("\u{1B}"), "\(command): \(result.stdout)\(result.stderr)")
            #expect(!result.stdout.contains("\u{07}") && !result.stderr.contains("\u{07}"), "\(command)")
        }
        let show = outputs[0].1.stdout
        #expect(
            show.contains(#"finding    erroneous (syc\u{1B}[31m\u{A}FAKE) by human:\u{1B}]0;pwned\u{7}\u{1B}[2J in "finding-2""#), "\(show)"
        )
        #expect(!show.contains("\nFAKE"))
        let report = outputs[2].1.stdout
        #expect(report.contains(#"syc\u{1B}[31m\u{A}FAKE"#), "\(report)")
        #expect(!report.contains("\nFAKE"))
        #expect(outputs[5].1.stderr == "rrm-ledger: error: no entry has the id \"a\\u{1B}]0;pwned\\u{7}\\u{1B}[2J\"\n")
        // JSON holds the exact text.
        let shown = try cli.run(["show", "finding-2", "--ledger", "l.sqlite", "--format", "json"])
        let object = try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any]
        #expect((object?["body"] as? [String: Any])?["auditor"] as? String == "human:\u{1B}]0;pwned\u{07}\u{1B}[2J")
        let log = try cli.run(["log", "--ledger", "l.sqlite", "--format", "json", "--from", "6"])
        #expect(log.stdout.contains(#""auditor":"human:\u001b]0;pwned\u0007\u001b[2J""#), "\(log.stdout)")
        let reportJSON = try cli.run(["report", "--ledger", "l.sqlite", "--format", "json"])
        #expect(reportJSON.stdout.contains(#"syc\u001b[31m\nFAKE"#))
    }
}
