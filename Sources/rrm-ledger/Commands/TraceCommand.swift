import ArgumentParser
import RRMLedger

struct TraceCommand: LedgerCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract: "Show how one error travelled, level by level, with the paths.",
        discussion: """
            Follows the entry as if it were wrong: along evaluation links to the critiques and \
            labels it reached (each with the link it came through and its audit), then through \
            training as a share of each dataset and model, and the entries that inherit each \
            model's share. Definitions: docs/ANALYSIS.md.
            """)

    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var analysis: AnalysisOptions
    @OptionGroup var output: FormatOptions

    @Argument(help: ArgumentHelp("The entry's id.", valueName: "id"))
    var id: String

    @Option(help: ArgumentHelp("Most entries to list per level and section.", valueName: "n"))
    var limit = 20

    func validate() throws {
        guard limit >= 0 else { throw ValidationError("--limit must be 0 or more") }
    }

    func execute() throws {
        let target = try openLedger(ledger, readOnly: true)
        _ = try target.entry(id: id)
        let verified = try analysis.verify(target)
        let trace = try ErrorTrace.trace(target, id: id)
        switch output.format {
        case .text: printText(trace, verified: verified)
        case .json: Output.json(json(trace, verified: verified))
        }
    }

    private func audit(_ verdict: AuditFindings.Verdict?) -> String {
        switch verdict {
        case .erroneous?: return "audited: erroneous"
        case .correct?: return "audited: correct"
        case nil: return "not audited"
        }
    }

    private func printText(_ trace: ErrorTrace, verified: Bool) {
        let start = trace.start
        let type = trace.errorType.map { " (\($0))" } ?? ""
        Output.line("trace of \(start.kind.rawValue) \"\(start.id)\" at level \(start.level): \(audit(trace.startAudit))\(type)")
        if !verified { Output.line("WARNING: the chain was not verified") }
        Output.line("followed as if it were wrong; training shares are the error's part of each model's signal")
        for level in trace.levels {
            Output.line("")
            Output.line("level \(level)")
            let direct = trace.direct[level] ?? []
            if !direct.isEmpty {
                Output.line("  along evaluation links (exact): \(grouped(direct.count)) \(direct.count == 1 ? "entry" : "entries")")
                for step in direct.prefix(limit) {
                    Output.line(
                        "    \(step.from) ← \(step.role.rawValue) ← \(step.entry.kind.rawValue) \"\(step.entry.id)\" (\(audit(step.audit)))"
                    )
                }
                if direct.count > limit { Output.line("    … \(grouped(direct.count - limit)) more") }
            }
            let training = trace.training[level] ?? []
            if !training.isEmpty {
                Output.line("  through training:")
                for step in training.prefix(limit) {
                    var line = "    \(step.kind.rawValue) \"\(step.id)\": \(ReportText.share(step.share)) of its training signal"
                    let inheriting = step.inheritors.values.reduce(0, +)
                    if inheriting > 0 {
                        let perLevel = step.inheritors.keys.sorted().map { "L\($0) \(grouped(Int(step.inheritors[$0] ?? 0)))" }.joined(
                            separator: ", ")
                        line += "; \(grouped(Int(inheriting))) entries inherit it (\(perLevel))"
                    }
                    Output.line(line)
                }
                if training.count > limit { Output.line("    … \(grouped(training.count - limit)) more") }
            }
            if let weighted = trace.weighted[level], weighted > 0 {
                Output.line("  weighted entries reached through training at this level: \(String(format: "%.3g", weighted))")
            }
        }
    }

    private func json(_ trace: ErrorTrace, verified: Bool) -> JSONValue {
        let levels: [JSONValue] = trace.levels.map { level in
            let direct: [JSONValue] = (trace.direct[level] ?? []).map { step in
                [
                    "id": .string(step.entry.id), "kind": .string(step.entry.kind.rawValue), "from": .string(step.from),
                    "role": .string(step.role.rawValue),
                    "audit": step.audit.map { .string($0 == .erroneous ? "erroneous" : "correct") } ?? .null,
                ]
            }
            let training: [JSONValue] = (trace.training[level] ?? []).map { step in
                var inheritors = JSONObject()
                for (inheritingLevel, count) in step.inheritors { inheritors[String(inheritingLevel)] = .number(count) }
                return [
                    "id": .string(step.id), "kind": .string(step.kind.rawValue), "share": .number(step.share),
                    "inheritors_by_level": .object(inheritors),
                ]
            }
            return [
                "level": .number(Double(level)), "direct": .array(direct), "training": .array(training),
                "weighted": .number(trace.weighted[level] ?? 0),
            ]
        }
        return [
            "start": [
                "id": .string(trace.start.id), "kind": .string(trace.start.kind.rawValue), "level": .number(Double(trace.start.level)),
            ],
            "audit": trace.startAudit.map { .string($0 == .erroneous ? "erroneous" : "correct") } ?? .null,
            "error_type": trace.errorType.map { .string($0) } ?? .null, "verified": .bool(verified), "levels": .array(levels),
        ]
    }
}
