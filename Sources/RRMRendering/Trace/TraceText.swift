import Foundation
import RRMAnalysis

/// The error trace as text: one section per level, the evaluation paths and training shares
/// (docs/ANALYSIS.md, "trace").
package enum TraceText {
    private static func audit(_ verdict: AuditFindings.Verdict?) -> String {
        switch verdict {
        case .erroneous?: return "audited: erroneous"
        case .correct?: return "audited: correct"
        case nil: return "not audited"
        }
    }

    package static func render(_ trace: ErrorTrace, verified: Bool, limit: Int) -> String {
        var lines: [String] = []
        let start = trace.start
        let type = trace.errorType.map { " (\(TerminalText.escaped($0)))" } ?? ""
        lines.append("trace of \(start.kind.rawValue) \"\(start.id)\" at level \(start.level): \(audit(trace.startAudit))\(type)")
        if !verified { lines.append("WARNING: the chain was not verified") }
        lines.append("followed as if it were wrong; training shares are the error's part of each model's signal")
        for level in trace.levels {
            lines.append("")
            lines.append("level \(level)")
            let direct = trace.direct[level] ?? []
            if !direct.isEmpty {
                lines.append("  along evaluation links (exact): \(grouped(direct.count)) \(direct.count == 1 ? "entry" : "entries")")
                for step in direct.prefix(limit) {
                    lines.append(
                        "    \(step.from) ← \(step.role.rawValue) ← \(step.entry.kind.rawValue) \"\(step.entry.id)\" (\(audit(step.audit)))"
                    )
                }
                if direct.count > limit { lines.append("    … \(grouped(direct.count - limit)) more") }
            }
            let training = trace.training[level] ?? []
            if !training.isEmpty {
                lines.append("  through training:")
                for step in training.prefix(limit) {
                    var line = "    \(step.kind.rawValue) \"\(step.id)\": \(ReportText.share(step.share)) of its training signal"
                    let inheriting = step.inheritors.values.reduce(0, +)
                    if inheriting > 0 {
                        let perLevel = step.inheritors.keys.sorted().map { "L\($0) \(grouped(Int(step.inheritors[$0] ?? 0)))" }.joined(
                            separator: ", ")
                        line += "; \(grouped(Int(inheriting))) entries inherit it (\(perLevel))"
                    }
                    lines.append(line)
                }
                if training.count > limit { lines.append("    … \(grouped(training.count - limit)) more") }
            }
            if let weighted = trace.weighted[level], weighted > 0 {
                lines.append("  weighted entries reached through training at this level: \(String(format: "%.3g", weighted))")
            }
        }
        return lines.joined(separator: "\n")
    }
}
