import ArgumentParser
import RRMLedger

struct ShowCommand: LedgerCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show one entry: its chain fields, body, links and latest finding.",
        discussion: "--body prints the entry's canonical body alone, the JSON that was hashed, on one line.")

    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var output: FormatOptions

    @Argument(help: ArgumentHelp("The entry's id.", valueName: "id"))
    var id: String

    @Option(name: .long, help: ArgumentHelp("Most entries to list among those it influenced.", valueName: "n"))
    var limit = 20

    @Flag(name: .long, help: "Print only the entry's canonical body, as one line of JSON.")
    var body = false

    func validate() throws {
        try checkOption("--limit", limit, in: OptionRange.listed)
    }

    func execute() throws {
        let target = try openLedger(ledger, readOnly: true)
        let entry = try target.entry(id: id)
        if body {
            // Re-encoded from the parsed body, so a body edited into something that is not JSON is refused (65).
            Output.jsonLine(try entry.bodyValue())
            return
        }
        let parents = try target.parents(of: entry.seq)
        let children = try target.children(of: entry.seq, limit: limit)
        let childCounts = try target.childCounts(of: entry.seq)
        let finding = try target.latestFinding(about: entry.seq)
        let received = try target.receivedAt(seq: entry.seq)
        switch output.format {
        case .text:
            Output.line("entry \(entry.seq): \(entry.kind.rawValue) \"\(entry.id)\" at level \(entry.level)")
            Output.line("time       \(entry.time)")
            Output.line("received   \(received ?? "unknown (appended before the ledger recorded receipt times)")")
            Output.line("hash       \(entry.hash.hex)")
            Output.line("prev_hash  \(entry.prevHash.hex)")
            if let finding {
                let body = try finding.bodyValue()
                // Free text: escaped whole, so that not even a line feed or tab in it shapes the output.
                let type = body["error_type"]?.stringValue.map { " (\(TerminalText.escaped($0)))" } ?? ""
                let auditor = TerminalText.escaped(body["auditor"]?.stringValue ?? "?")
                Output.line("finding    \(body["verdict"]?.stringValue ?? "?")\(type) by \(auditor) in \"\(finding.id)\"")
            } else {
                Output.line("finding    none: not audited")
            }
            Output.line("influenced by (\(parents.count)):")
            for parent in parents { Output.line("  \(describe(parent))") }
            let total = childCounts.values.reduce(0, +)
            let perRole = childCounts.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue) \(grouped($0.value))" }.joined(
                separator: ", ")
            Output.line("influenced (\(grouped(total))\(total > 0 ? ": " + perRole : "")):")
            for child in children { Output.line("  \(describe(child))") }
            if total > children.count {
                Output.line("  … and \(grouped(total - children.count)) more (rrm-ledger log, or the lineage view)")
            }
            Output.line("body:")
            Output.line(try entry.bodyValue().prettyPrinted())
        case .json:
            Output.json([
                "seq": .number(Double(entry.seq)), "id": .string(entry.id), "kind": .string(entry.kind.rawValue),
                "level": .number(Double(entry.level)), "time": .string(entry.time), "received": received.map { .string($0) } ?? .null,
                "hash": .string(entry.hash.hex), "prev_hash": .string(entry.prevHash.hex),
                "body": try entry.bodyValue(),
                "latest_finding": finding.map { .string($0.id) } ?? .null,
                "parents": .array(parents.map(json)),
                "children": .array(children.map(json)),
                "children_by_role": .object(
                    JSONObject(childCounts.map { (key: $0.key.rawValue, value: JSONValue.number(Double($0.value))) })),
            ])
        }
    }

    private func describe(_ link: LinkedEntry) -> String {
        "\(link.role.rawValue.padding(toLength: 16, withPad: " ", startingAt: 0)) \(link.kind.rawValue) \"\(link.id)\" (entry \(link.seq), level \(link.level))"
    }

    private func json(_ link: LinkedEntry) -> JSONValue {
        [
            "role": .string(link.role.rawValue), "seq": .number(Double(link.seq)), "id": .string(link.id),
            "kind": .string(link.kind.rawValue), "level": .number(Double(link.level)),
        ]
    }
}
