import ArgumentParser
import RRMLedger

struct StatsCommand: LedgerCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Count entries per kind and level.")

    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var output: FormatOptions

    func execute() throws {
        let stats = try openLedger(ledger, readOnly: true).statistics()
        switch output.format {
        case .text:
            Self.printTable(stats)
            Output.line("head \(stats.head)")
        case .json:
            let levels: [JSONValue] = stats.levels.map { level in
                var byKind: [String: JSONValue] = [:]
                for kind in EventKind.allCases { byKind[kind.rawValue] = .number(Double(stats.count(level: level, kind: kind))) }
                return [
                    "level": .number(Double(level)), "by_kind": .object(JSONObject(byKind)),
                    "total": .number(Double(stats.count(level: level))),
                ]
            }
            var byKind: [String: JSONValue] = [:]
            for kind in EventKind.allCases { byKind[kind.rawValue] = .number(Double(stats.count(kind: kind))) }
            Output.json([
                "entries": .number(Double(stats.total)), "by_level": .array(levels), "by_kind": .object(JSONObject(byKind)),
                "head": stats.head.json,
            ])
        }
    }

    /// Entries per level (rows) and kind (columns), with totals.
    static func printTable(_ stats: LedgerStatistics, indent: String = "") {
        let kinds = EventKind.allCases
        let header = ["level"] + kinds.map(\.rawValue) + ["total"]
        var rows: [[String]] = stats.levels.map { level in
            [String(level)] + kinds.map { grouped(stats.count(level: level, kind: $0)) } + [grouped(stats.count(level: level))]
        }
        rows.append(["all"] + kinds.map { grouped(stats.count(kind: $0)) } + [grouped(stats.total)])
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max()! }
        func format(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                index == 0
                    ? cell.padding(toLength: widths[0], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[index] - cell.count) + cell
            }.joined(separator: "  ")
        }
        Output.line(indent + format(header))
        for row in rows { Output.line(indent + format(row)) }
    }
}
