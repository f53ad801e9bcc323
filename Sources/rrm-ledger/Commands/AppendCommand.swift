import ArgumentParser
import Foundation
import RRMLedger

struct AppendCommand: LedgerCommand {
    static let configuration = CommandConfiguration(
        commandName: "append",
        abstract: "Append a batch of events (JSON Lines) atomically.",
        discussion: """
            Each line is one event (docs/EVENTS.md). The batch lands whole or not at all: on the \
            first bad line the command names the line and field at fault, exits 65 and leaves the \
            ledger as it was. The input is streamed, so batches of millions of lines are fine.
            """)

    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var output: FormatOptions

    @Argument(help: ArgumentHelp("The JSONL file to append, or - for standard input.", valueName: "file"))
    var file: String

    @Flag(name: .long, help: "Check the batch completely, then roll it back instead of committing.")
    var dryRun = false

    @Option(name: .long, help: ArgumentHelp("Seconds to wait while another process holds the write lock.", valueName: "seconds"))
    var wait: Double = Ledger.defaultWaitSeconds

    func validate() throws {
        try checkOption("--wait", wait, in: OptionRange.waitSeconds, unit: "seconds")
    }

    func execute() throws {
        let target = try openLedger(ledger, readOnly: false, wait: wait)
        let source = try FileByteSource(path: file)
        let summary = try target.append(from: source, dryRun: dryRun)
        switch output.format {
        case .text:
            let verb = dryRun ? "checked" : "appended"
            let rollback = dryRun ? " (dry run: rolled back, nothing written)" : ""
            Output.line(
                "\(verb) \(grouped(summary.total)) entries to \(target.path), entries \(summary.firstSeq) to \(summary.head.seq)\(rollback)"
            )
            for kind in EventKind.allCases {
                if let count = summary.countsByKind[kind] {
                    Output.line("  \(kind.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)) \(grouped(count))")
                }
            }
            Output.line("head \(summary.head)")
        case .json:
            var byKind: [String: JSONValue] = [:]
            for (kind, count) in summary.countsByKind { byKind[kind.rawValue] = .number(Double(count)) }
            Output.json([
                "appended": .number(Double(summary.total)), "by_kind": .object(JSONObject(byKind)),
                "first_seq": .number(Double(summary.firstSeq)), "head": summary.head.json, "dry_run": .bool(dryRun),
            ])
        }
    }
}
