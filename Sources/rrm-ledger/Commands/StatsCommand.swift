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
            for line in LevelKindTable.lines(stats.counts) { Output.line(line) }
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
}
