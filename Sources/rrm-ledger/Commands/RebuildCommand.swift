import ArgumentParser
import Foundation
import RRMLedger

extension DerivedTable: ExpressibleByArgument {}

struct RebuildCommand: LedgerCommand {
    static let configuration = CommandConfiguration(
        commandName: "rebuild",
        abstract: "Derive the lineage edges, levels, search index and Merkle tree anew from the entries.",
        discussion: """
            Drops the derived tables (with --only, empties one) and derives every row again from \
            the entries, streamed in sequence order, in one transaction. Before committing it \
            checks the ledger as `verify --deep` does (chain, columns, lineage, levels, Merkle tree, \
            checkpoints); if anything is wrong it rolls back, exits 1 and leaves the ledger as it \
            was. The entries, checkpoints and head never change. Repairs what `verify --deep` \
            reports as derived-mismatch, and brings derived tables of another layout to this \
            version's; a ledger of an older schema is upgraded first.
            """)

    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var output: FormatOptions

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Rebuild one derived table only: edges, levels, search (the critique search index) or merkle (the Merkle tree's nodes).",
            valueName: "table"))
    var only: DerivedTable?

    @Option(name: .long, help: ArgumentHelp("Seconds to wait while another process holds the write lock.", valueName: "seconds"))
    var wait: Double = Ledger.defaultWaitSeconds

    func validate() throws {
        try checkOption("--wait", wait, in: OptionRange.waitSeconds, unit: "seconds")
    }

    func execute() throws {
        let target = try Ledger.openForRebuild(at: ledger.path, wait: wait)
        noteUpgrade(of: target)
        let summary = try target.rebuild(only.map { [$0] } ?? Set(DerivedTable.allCases))
        switch output.format {
        case .text: printText(summary, path: target.path)
        case .json: printJSON(summary, upgradedFrom: target.upgradedFromVersion)
        }
    }

    private func printText(_ summary: RebuildSummary, path: String) {
        let what = only == nil ? "every derived table" : "\(summary.tables.map(\.tableName).joined(separator: ", "))"
        Output.line("rebuilt \(what) of \(path) from \(grouped(summary.entries)) entries:")
        let counts = summary.tables.map { grouped(summary.rows[$0] ?? 0) }
        let width = counts.map(\.count).max() ?? 0
        for (table, count) in zip(summary.tables, counts) {
            let name = table.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0)
            let rows = summary.rows[table] == 1 ? "row " : "rows"
            Output.line("  \(name) \(String(repeating: " ", count: width - count.count))\(count) \(rows) in \(table.tableName)")
        }
        Output.line("checked before commit: chain, columns, lineage, levels, Merkle tree, checkpoints")
        Output.line(
            "ok: rebuilt in \(seconds(summary.deriveSeconds + summary.checkSeconds)) s (deriving \(seconds(summary.deriveSeconds)) s, "
                + "checking \(seconds(summary.checkSeconds)) s); head \(summary.head)")
    }

    private func printJSON(_ summary: RebuildSummary, upgradedFrom: Int?) {
        var rows: [String: JSONValue] = [:]
        for table in summary.tables { rows[table.rawValue] = .number(Double(summary.rows[table] ?? 0)) }
        Output.json([
            "entries": .number(Double(summary.entries)), "rows": .object(JSONObject(rows)), "full": .bool(only == nil),
            "derived_schema": .number(Double(LedgerSchema.derivedVersion)),
            "upgraded_from": upgradedFrom.map { .number(Double($0)) } ?? .null, "head": summary.head.json,
            "seconds": .number(rounded(summary.deriveSeconds + summary.checkSeconds)),
            "derive_seconds": .number(rounded(summary.deriveSeconds)), "check_seconds": .number(rounded(summary.checkSeconds)),
        ])
    }

    private func rounded(_ value: Double) -> Double { (value * 1000).rounded() / 1000 }

    private func seconds(_ value: Double) -> String { String(format: "%.2f", value) }
}
