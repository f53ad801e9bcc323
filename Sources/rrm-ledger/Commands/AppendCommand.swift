import ArgumentParser
import Foundation
import RRMLedger

struct AppendCommand: LedgerCommand {
    static let configuration = CommandConfiguration(
        commandName: "append",
        abstract: "Append events (JSON Lines): one atomic batch, or a stream committed as it comes.",
        discussion: """
            Each line is one event (docs/EVENTS.md). By default the input is one batch that lands \
            whole or not at all: on the first bad line the command names the line and field at \
            fault, exits 65 and leaves the ledger as it was. An event sent again, identical to the \
            entry recorded under its id, is a retry: it is reported as already recorded, not \
            appended twice; another event under a taken id is a conflict (exit 3). \
            With --commit-every or --commit-interval the input is a stream: each batch is \
            committed as it completes and acknowledged with one line on standard output, and the \
            write lock is free between batches.
            """)

    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var output: FormatOptions

    @Argument(help: ArgumentHelp("The JSONL file to append, or - for standard input.", valueName: "file"))
    var file: String

    @Flag(name: .long, help: "Check the batch completely, then roll it back instead of committing.")
    var dryRun = false

    @Flag(name: .long, help: "Check every line and report each bad one (not only the first), then roll back.")
    var check = false

    @Option(name: .long, help: ArgumentHelp("Refuse the batch unless it holds exactly this many events.", valueName: "count"))
    var expect: Int64?

    @Option(name: .long, help: ArgumentHelp("Stream: commit every time this many events are written.", valueName: "count"))
    var commitEvery: Int?

    @Option(
        name: .long,
        help: ArgumentHelp("Stream: commit this many seconds after a batch's first event, however few came.", valueName: "seconds"))
    var commitInterval: Double?

    @Option(name: .long, help: ArgumentHelp("Seconds to wait while another process holds the write lock.", valueName: "seconds"))
    var wait: Double = Ledger.defaultWaitSeconds

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Refuse an event whose time is more than this many seconds before or after the ledger's clock (with --check: list every such event).",
            valueName: "seconds"))
    var maxTimeSkew: Double?

    func validate() throws {
        try checkOption("--wait", wait, in: OptionRange.waitSeconds, unit: "seconds")
        try checkOption("--commit-every", commitEvery, in: OptionRange.batchEvents)
        try checkOption("--commit-interval", commitInterval, in: OptionRange.commitInterval, unit: "seconds")
        try checkOption("--expect", expect, in: OptionRange.expectedEvents)
        try checkOption("--max-time-skew", maxTimeSkew, in: OptionRange.timeSkew, unit: "seconds")
        let streaming = commitEvery != nil || commitInterval != nil
        if dryRun && check { throw ValidationError("--dry-run and --check both roll back; give one") }
        if streaming && (dryRun || check) {
            throw ValidationError(
                "--commit-every and --commit-interval commit as events come; they cannot be combined with --\(check ? "check" : "dry-run")")
        }
        if streaming && expect != nil {
            throw ValidationError(
                "--expect refuses a batch that ends early, before anything is committed; a stream commits as it goes, so give one or the other"
            )
        }
    }

    private var options: AppendOptions {
        AppendOptions(
            outcome: check ? .checkEveryLine : dryRun ? .dryRun : .commit, commitEvery: commitEvery, commitInterval: commitInterval,
            expectedEvents: expect, maximumTimeSkew: maxTimeSkew)
    }

    func execute() throws {
        let target = try openLedger(ledger, readOnly: false, wait: wait)
        let source = try FileByteSource(path: file)
        let options = options
        var committed = AppendSummary?.none
        let summary: AppendSummary
        do {
            summary = try target.append(
                from: source, options: options,
                onCommit: { batch in
                    if committed == nil { committed = batch } else { committed?.add(batch) }
                    acknowledge(batch, number: committed?.commits ?? 1)
                },
                onProblem: report(problem:))
        } catch {
            if let committed, committed.total + Int(committed.alreadyRecorded.count) > 0 {
                Output.note(
                    "the \(grouped(committed.commits)) commits acknowledged before the failure stay recorded: \(grouped(committed.total)) "
                        + "entries, through entry \(committed.head.seq)")
            }
            throw error
        }
        print(summary, to: target.path)
        if summary.problems > 0 {
            Output.error("\(grouped(summary.problems)) bad lines (listed above); nothing was appended", code: "bad_lines", exitStatus: 65)
            throw ExitCode(65)
        }
    }

    /// The line that tells a streaming client a batch is durable.
    private func acknowledge(_ batch: AppendSummary, number: Int) {
        switch output.format {
        case .text:
            var text = "committed \(grouped(batch.total)) entries"
            if batch.total > 0 { text += ", entries \(batch.firstSeq) to \(batch.head.seq)" }
            if batch.alreadyRecorded.count > 0 { text += ", \(alreadyRecordedText(batch.alreadyRecorded))" }
            Output.line(text + "; head \(batch.head)")
        case .json:
            var fields = summaryFields(batch)
            fields["type"] = "commit"
            fields["commit"] = .number(Double(number))
            Output.jsonLine(.object(JSONObject(fields)))
        }
        Output.flush()
    }

    /// One bad line of `--check`, on standard output: the command's findings.
    private func report(problem: LedgerError) {
        switch output.format {
        case .text: Output.line(problem.description)
        case .json:
            var fields = ErrorReport(problem).fields
            fields["type"] = "problem"
            Output.jsonLine(.object(JSONObject(fields)))
        }
    }

    private func print(_ summary: AppendSummary, to path: String) {
        switch output.format {
        case .text:
            let verb = dryRun || check ? "checked" : "appended"
            let rollback = dryRun || check ? " (\(check ? "check" : "dry run"): rolled back, nothing written)" : ""
            let range = summary.total > 0 ? ", entries \(summary.firstSeq) to \(summary.head.seq)" : ""
            let commits = options.isStreaming ? " in \(grouped(summary.commits)) commits" : ""
            Output.line("\(verb) \(grouped(summary.total)) entries to \(path)\(range)\(commits)\(rollback)")
            for kind in EventKind.allCases {
                if let count = summary.countsByKind[kind] {
                    Output.line("  \(kind.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)) \(grouped(count))")
                }
            }
            if summary.alreadyRecorded.count > 0 { Output.line(alreadyRecordedText(summary.alreadyRecorded)) }
            if summary.problems > 0 { Output.line("\(grouped(summary.problems)) bad lines") }
            Output.line("head \(summary.head)")
        case .json:
            var byKind: [String: JSONValue] = [:]
            for (kind, count) in summary.countsByKind { byKind[kind.rawValue] = .number(Double(count)) }
            var fields = summaryFields(summary)
            fields["type"] = "summary"
            fields["by_kind"] = .object(JSONObject(byKind))
            fields["dry_run"] = .bool(dryRun || check)
            fields["commits"] = .number(Double(summary.commits))
            fields["problems"] = .number(Double(summary.problems))
            // A stream's lines are JSON Lines; a single batch's summary is printed for people too.
            if options.isStreaming || check {
                Output.jsonLine(.object(JSONObject(fields)))
            } else {
                Output.json(.object(JSONObject(fields)))
            }
        }
    }

    private func summaryFields(_ summary: AppendSummary) -> [String: JSONValue] {
        [
            "appended": .number(Double(summary.total)), "first_seq": .number(Double(summary.firstSeq)),
            "last_seq": .number(Double(summary.head.seq)), "head": summary.head.json,
            "already_recorded": .array(
                summary.alreadyRecorded.ranges.map { [.number(Double($0.lowerBound)), .number(Double($0.upperBound))] }),
        ]
    }

    private func alreadyRecordedText(_ ranges: SeqRanges) -> String {
        let listed = ranges.ranges.prefix(5).map { $0.count == 1 ? "\($0.lowerBound)" : "\($0.lowerBound)-\($0.upperBound)" }
        let more = ranges.ranges.count > 5 ? ", …" : ""
        return "\(grouped(ranges.count)) events already recorded (entries \(listed.joined(separator: ", "))\(more)), not appended again"
    }
}
