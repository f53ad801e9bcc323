import ArgumentParser
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
            AuditPlanCommand.self,
            ExportCommand.self, VerifyArchiveCommand.self, ImportCommand.self,
            RebuildCommand.self, SimulateCommand.self, DemoCommand.self,
            KeygenCommand.self, CheckpointCommand.self, ProveCommand.self, VerifyProofCommand.self, AuditCommand.self,
        ])
}
