import ArgumentParser
import Foundation
import RRMLedger

/// `rrm-ledger`: the audit and provenance ledger for recursive reward modelling pipelines.
@main
struct RRMLedgerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rrm-ledger",
        abstract: "Record, verify and audit the feedback of recursive reward modelling pipelines.",
        discussion: """
            Every model version, output, critique, label, dataset and audit finding is an entry in a \
            hash-chained SQLite ledger. Exit codes: 0 success, 1 verification failed, 64 bad \
            usage, 65 bad data, 66 missing ledger, input or entry, 73 ledger exists, 74 storage \
            error, 75 ledger busy, 70 internal error (docs/CLI.md).
            """,
        version: RRMLedgerVersion.current,
        subcommands: [
            InitCommand.self, AppendCommand.self, VerifyCommand.self, HeadCommand.self,
            ShowCommand.self, LogCommand.self, StatsCommand.self, LineageCommand.self, ReportCommand.self, TraceCommand.self,
            DatasetteMetadataCommand.self,
            AuditPlanCommand.self,
            ExportCommand.self, VerifyArchiveCommand.self, ImportCommand.self,
            RebuildCommand.self, SimulateCommand.self, DemoCommand.self,
            KeygenCommand.self, CheckpointCommand.self, ProveCommand.self, VerifyProofCommand.self, AuditCommand.self,
        ])

    /// As ArgumentParser's own `main`, but its messages, which repeat what was typed (an unknown
    /// option, a refused value), go through `TerminalText` first.
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if let unknown = UnknownCommand(arguments) {
            Output.failure(ErrorReport(code: "usage", exitStatus: ExitCode.validationFailure.rawValue, message: unknown.message))
            Foundation.exit(ExitCode.validationFailure.rawValue)
        }
        do {
            var command = try parseAsRoot(NegativeNumbers.rewritten(arguments))
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if ErrorReport.asJSON && code != .success && !(error is ExitCode) {
                Output.failure(ErrorReport(code: "usage", exitStatus: code.rawValue, message: message(for: error)))
                Foundation.exit(code.rawValue)
            }
            let message = TerminalText.escaped(fullMessage(for: error), keepingLineBreaks: true)
            if !message.isEmpty {
                if code == .success {
                    print(message)
                } else {
                    FileHandle.standardError.write(Data((message + "\n").utf8))
                }
            }
            Foundation.exit(code.rawValue)
        }
    }
}
