import ArgumentParser
import RRMLedger

struct DatasetteMetadataCommand: LedgerCommand {
    static let configuration = CommandConfiguration(
        commandName: "datasette-metadata",
        abstract: "Print Datasette metadata for a ledger: search, descriptions, canned queries.",
        discussion: """
            datasette LEDGER --metadata FILE then searches critiques, outputs and findings \
            (?_search=), describes every table, view and column from the schema's comments, and \
            offers canned queries for an audit's everyday questions (docs/AUDITING.md). Metadata \
            is keyed by the name Datasette gives the file (its name without the extension), so \
            make it for the file you serve.
            """)

    @OptionGroup var ledger: LedgerOptions

    func execute() throws {
        _ = try openLedger(ledger, readOnly: true)
        Output.json(try DatasetteMetadata.json(ledgerPath: ledger.path))
    }
}
