import ArgumentParser
import RRMLedger

struct TraceCommand: LedgerCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract: "Show how one error travelled, level by level, with the paths.",
        discussion: """
            Follows the entry as if it were wrong: along evaluation links to the critiques and \
            labels it reached (each with the link it came through and its audit), then through \
            training as a share of each dataset and model, and the entries that inherit each \
            model's share. Definitions: docs/ANALYSIS.md.
            """)

    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var analysis: AnalysisOptions
    @OptionGroup var output: FormatOptions

    @Argument(help: ArgumentHelp("The entry's id.", valueName: "id"))
    var id: String

    @Option(help: ArgumentHelp("Most entries to list per level and section.", valueName: "n"))
    var limit = 20

    func validate() throws {
        try checkOption("--limit", limit, in: OptionRange.listed)
    }

    func execute() throws {
        let target = try openLedger(ledger, readOnly: true)
        _ = try target.entry(id: id)
        let verified = try analysis.verify(target).verified
        let trace = try ErrorTrace.trace(target, id: id)
        switch output.format {
        case .text: Output.line(TraceText.render(trace, verified: verified, limit: limit))
        case .json: Output.json(trace.json(verified: verified))
        }
    }
}
