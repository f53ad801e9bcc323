import ArgumentParser
import RRMLedger

struct InitCommand: LedgerCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a new, empty ledger.")

    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var output: FormatOptions

    func execute() throws {
        let created = try Ledger.create(at: ledger.path)
        switch output.format {
        case .text: Output.line("created ledger \(created.path) (schema version \(LedgerSchema.version))")
        case .json: Output.json(["ledger": .string(created.path), "schema_version": .number(Double(LedgerSchema.version))])
        }
    }
}
