import ArgumentParser
import RRMLedger

extension EventKind: ExpressibleByArgument {}

struct LogCommand: LedgerCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "List entries in sequence order, optionally by kind and level.",
        discussion: "Text prints one line per entry; json prints one JSON object per line (JSON Lines), body included. Output streams.")

    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var output: FormatOptions

    @Option(name: .long, help: "Only entries of this kind: \(EventKind.allCases.map(\.rawValue).joined(separator: ", ")).")
    var kind: EventKind?

    @Option(name: .long, help: "Only entries at this level.")
    var level: Int?

    @Option(name: .long, help: ArgumentHelp("Start at this sequence number.", valueName: "seq"))
    var from: Int64 = 1

    @Option(name: .long, help: ArgumentHelp("Print at most this many entries.", valueName: "n"))
    var limit: Int?

    func validate() throws {
        try checkOption("--level", level, in: OptionRange.level)
        try checkOption("--limit", limit, in: OptionRange.listed)
        try checkOption("--from", from, in: OptionRange.seq)
    }

    func execute() throws {
        let target = try openLedger(ledger, readOnly: true)
        let filter = EntryFilter(kind: kind, level: level, fromSeq: from, limit: limit)
        try target.forEachEntry(filter) { entry in
            switch output.format {
            case .text:
                let kindColumn = entry.kind.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)
                Output.line("\(entry.seq)\t\(kindColumn)\tL\(entry.level)\t\(entry.time)\t\(entry.hash.hex.prefix(12))\t\(entry.id)")
            case .json:
                let line: JSONValue = [
                    "seq": .number(Double(entry.seq)), "id": .string(entry.id), "kind": .string(entry.kind.rawValue),
                    "level": .number(Double(entry.level)), "time": .string(entry.time),
                    "hash": .string(entry.hash.hex), "prev_hash": .string(entry.prevHash.hex),
                    "body": try entry.bodyValue(),
                ]
                Output.jsonLine(CanonicalJSON.string(line))
            }
        }
    }
}
