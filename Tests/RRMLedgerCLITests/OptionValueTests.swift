import Foundation
import Testing

/// Every numeric option of every command (docs/CLI.md, "Option values"): a value outside its
/// documented range is refused with exit 64 and a message naming the option and the range; a
/// value at the edge of its range, however large, runs; nothing ever traps.
@Suite struct OptionValueTests {
    /// One numeric option: the command it belongs to (the value goes last, as `--option=VALUE`
    /// or, for an argument, as itself), its range as the message gives it, values inside it that
    /// are cheap to run, and values outside it that parse as the option's type.
    struct Case {
        let command: [String]
        let option: String
        let range: String
        let inside: [String]
        let outside: [String]

        func arguments(_ value: String) -> [String] {
            option.hasPrefix("--") ? command + ["\(option)=\(value)"] : command + [value]
        }

        /// The value as a separate argument, `--option VALUE`, as people type it: a negative
        /// number there must reach the range check too, not be read as an option.
        func spacedArguments(_ value: String) -> [String]? {
            option.hasPrefix("--") ? command + [option, value] : nil
        }
    }

    static let cases: [Case] = [
        Case(
            command: ["append", "--ledger", "l.sqlite", "--dry-run", "more.jsonl"], option: "--wait", range: "0 to 86,400 seconds",
            inside: ["0", "86400"], outside: ["-1", "86400.5", "2147484", "inf"]),
        Case(
            command: ["checkpoint", "--ledger", "l.sqlite", "--key", "k.key"], option: "--wait", range: "0 to 86,400 seconds",
            inside: ["86400"], outside: ["1e10", "-0.5"]),
        Case(
            command: ["rebuild", "--ledger", "l.sqlite"], option: "--wait", range: "0 to 86,400 seconds", inside: [],
            outside: ["1e10", "-1"]),
        Case(
            command: ["verify", "--ledger", "l.sqlite"], option: "--workers", range: "1 to 64", inside: ["1", "64"],
            outside: ["0", "65", "-1"]),
        Case(
            command: ["show", "--ledger", "l.sqlite", "out-1"], option: "--limit", range: "0 to 2,147,483,647",
            inside: ["0", "2147483647"], outside: ["-1", "2147483648"]),
        Case(
            command: ["trace", "--ledger", "l.sqlite", "out-1"], option: "--limit", range: "0 to 2,147,483,647",
            inside: ["2147483647"], outside: ["-1", "9223372036854775807"]),
        Case(
            command: ["log", "--ledger", "l.sqlite"], option: "--limit", range: "0 to 2,147,483,647", inside: ["2147483647"],
            outside: ["-1", "2147483648"]),
        Case(
            command: ["log", "--ledger", "l.sqlite"], option: "--from", range: "1 to 9,223,372,036,854,775,807",
            inside: ["9223372036854775807"], outside: ["0", "-9223372036854775808"]),
        Case(
            command: ["log", "--ledger", "l.sqlite"], option: "--level", range: "0 to 1,000,000", inside: ["1000000"],
            outside: ["-1", "1000001"]),
        Case(
            command: ["lineage", "--ledger", "l.sqlite", "out-1"], option: "--depth", range: "1 to 2,147,483,647",
            inside: ["2147483647"], outside: ["0", "2147483648", "-2"]),
        Case(
            command: ["lineage", "--ledger", "l.sqlite", "out-1"], option: "--limit", range: "0 to 2,147,483,647",
            inside: ["2147483647"], outside: ["-1", "2147483648"]),
        Case(
            command: ["lineage", "--ledger", "l.sqlite", "out-1"], option: "--level", range: "0 to 1,000,000", inside: ["1000000"],
            outside: ["1000001", "-1"]),
        Case(
            command: ["report", "--ledger", "l.sqlite"], option: "--top", range: "0 to 2,147,483,647", inside: ["2147483647"],
            outside: ["-1", "2147483648"]),
        Case(
            command: ["export", "--ledger", "l.sqlite", "--out", "OUT"], option: "--level", range: "0 to 1,000,000",
            inside: ["1000000"], outside: ["-1", "1000001"]),
        Case(
            command: ["export", "--ledger", "l.sqlite", "--out", "OUT", "--lineage", "out-1"], option: "--depth",
            range: "1 to 2,147,483,647", inside: ["2147483647"], outside: ["0", "-1"]),
        Case(
            command: ["export", "--ledger", "l.sqlite", "--out", "OUT"], option: "--since", range: "1 to 9,223,372,036,854,775,807",
            inside: ["9223372036854775807"], outside: ["0", "9223372036854775808", "-1"]),
        Case(
            command: ["prove", "inclusion", "--ledger", "l.sqlite", "out-1"], option: "--checkpoint",
            range: "1 to 9,223,372,036,854,775,807", inside: ["9223372036854775807"], outside: ["0", "18446744073709551615", "-1"]),
        Case(
            command: ["prove", "consistency", "--ledger", "l.sqlite"], option: "OLD_SIZE", range: "1 to 9,223,372,036,854,775,807",
            inside: ["1"], outside: ["0", "9223372036854775808", "-1"]),
        Case(
            command: ["prove", "consistency", "--ledger", "l.sqlite", "1"], option: "NEW_SIZE",
            range: "1 to 9,223,372,036,854,775,807", inside: ["9223372036854775807"], outside: ["18446744073709551615", "-3"]),
        Case(
            command: ["demo", "--ledger", "d.sqlite"], option: "--outputs", range: "1 to 1,000,000", inside: [],
            outside: ["0", "1000001", "-1"]),
        Case(
            command: ["demo", "--ledger", "d.sqlite"], option: "--seed", range: "0 to 18,446,744,073,709,551,615", inside: [],
            outside: ["-1", "18446744073709551616"]),
        Case(
            command: ["simulate", "--events-out", "OUT", "--outputs", "2"], option: "--seed", range: "0 to 18,446,744,073,709,551,615",
            inside: ["18446744073709551615"], outside: ["-1"]),
        Case(
            command: ["audit-plan", "--ledger", "l.sqlite", "--budget", "5"], option: "--seed",
            range: "0 to 18,446,744,073,709,551,615", inside: ["0"], outside: ["-1", "18446744073709551616"]),
        Case(
            command: ["audit-plan", "--ledger", "l.sqlite"], option: "--budget", range: "1 to 10,000,000", inside: ["1"],
            outside: ["0", "-5"]),
        Case(
            command: ["audit-plan", "--ledger", "l.sqlite", "--budget", "5"], option: "--rate-width", range: "0.001 to 1",
            inside: ["1"], outside: ["-0.1", "2"]),
        Case(
            command: ["append", "--ledger", "l.sqlite", "--dry-run", "more.jsonl"], option: "--commit-every", range: "1 to 2,147,483,647",
            inside: [], outside: ["0", "-1"]),
        Case(
            command: ["append", "--ledger", "l.sqlite", "--dry-run", "more.jsonl"], option: "--expect",
            range: "0 to 9,223,372,036,854,775,807", inside: [], outside: ["-1"]),
        Case(
            command: ["simulate", "--events-out", "OUT", "--outputs", "2"], option: "--levels", range: "1 to 50", inside: ["1"],
            outside: ["0", "51", "-1"]),
        Case(
            command: ["simulate", "--events-out", "OUT"], option: "--outputs", range: "1 to 10,000,000", inside: [],
            outside: ["0", "10000001", "-1"]),
        Case(
            command: ["simulate", "--events-out", "OUT"], option: "--entries", range: "10 to 1,000,000,000", inside: ["10"],
            outside: ["9", "1000000001", "-10"]),
        Case(
            command: ["simulate", "--events-out", "OUT", "--outputs", "2"], option: "--categories", range: "1 to 1,000",
            inside: ["1000"], outside: ["0", "1001", "-1"]),
        Case(
            command: ["simulate", "--events-out", "OUT", "--outputs", "2"], option: "--sycophancy", range: "0 to 1", inside: ["1"],
            outside: ["-0.1", "1.5", "nan"]),
        Case(
            command: ["simulate", "--events-out", "OUT", "--outputs", "2"], option: "--reward-hacking", range: "0 to 10",
            inside: ["10"], outside: ["10.5", "inf", "-0.5", "-inf"]),
    ]

    /// Values no numeric option accepts: beyond every range, or beyond the type.
    static let extremes = ["1e10", "18446744073709551616", "nan"]

    @Test func everyNumericOptionRefusesValuesOutsideItsRangeWithExit64AndNeverTraps() throws {
        let cli = try CommandLineTests().populated()
        #expect(try cli.run(["keygen", "--ledger", "l.sqlite", "--out", "k"]).status == 0)
        #expect(try cli.run(["checkpoint", "--ledger", "l.sqlite", "--key", "k.key"]).status == 0)
        try cli.write(#"{"kind":"model","id":"m2","level":0,"role":"policy"}"# + "\n", to: "more.jsonl")
        var runs: [(command: RunningCommand, arguments: [String], check: (Int32, String) -> String?)] = []
        var failures: [String] = []
        var outputs = 0
        func run(_ arguments: [String], _ check: @escaping (Int32, String) -> String?) throws {
            outputs += 1
            let named = arguments.map { $0 == "OUT" ? "out-\(outputs)" : $0 }
            runs.append((try RunningCommand(cli, named), named, check))
            if runs.count == 8 { finishAll() }
        }
        func finishAll() {
            for (command, arguments, check) in runs {
                let result = command.finish()
                if command.process.terminationReason != .exit {
                    failures.append("\(arguments): killed by signal \(result.status): \(result.stderr.prefix(200))")
                } else if let problem = check(result.status, result.stderr) {
                    failures.append("\(arguments): \(problem)")
                }
            }
            runs.removeAll()
        }
        for test in Self.cases {
            for value in test.inside {
                try run(test.arguments(value)) { status, stderr in
                    [64, 70].contains(status) ? "exit \(status) for a value inside the range: \(stderr.prefix(300))" : nil
                }
            }
            for value in test.outside {
                let spaced = value.hasPrefix("-") ? test.spacedArguments(value) : nil
                for arguments in [test.arguments(value)] + (spaced.map { [$0] } ?? []) {
                    try run(arguments) { status, stderr in
                        guard status == 64 else { return "exit \(status), not 64: \(stderr.prefix(300))" }
                        // A negative value is echoed as given (others may be echoed grouped: 2,147,484).
                        let echoed = !value.hasPrefix("-") || stderr.contains("not \(value)")
                        let named = stderr.contains(test.option) && stderr.contains("must be from \(test.range)") && echoed
                        return named ? nil : "the message does not name \(test.option), \(test.range) and \(value): \(stderr.prefix(300))"
                    }
                }
            }
            for value in Self.extremes {
                try run(test.arguments(value)) { status, stderr in status == 64 ? nil : "exit \(status), not 64: \(stderr.prefix(300))" }
            }
        }
        finishAll()
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
        // The dry runs and refusals changed nothing.
        #expect(try cli.run(["verify", "--ledger", "l.sqlite"]).stdout.hasPrefix("ok: 5 entries verified"))
    }
}
