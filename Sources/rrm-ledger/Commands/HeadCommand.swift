import ArgumentParser
import RRMLedger

struct HeadCommand: LedgerCommand {
    static let configuration = CommandConfiguration(
        commandName: "head",
        abstract: "Print the newest entry's sequence number and hash, as SEQ:HASH.",
        discussion: "Save it: `verify --expect-head SEQ:HASH` later proves the ledger still holds it unchanged.")

    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var output: FormatOptions

    func execute() throws {
        let head = try openLedger(ledger, readOnly: true).head()
        switch output.format {
        case .text: Output.line(head.description)
        case .json: Output.json(head.json)
        }
    }
}
