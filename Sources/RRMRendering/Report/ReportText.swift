import Foundation
import RRMAnalysis
import RRMFormat

/// The compounding-errors report for a terminal: plain text within 100 columns.
package enum ReportText {
    package static func render(_ report: PropagationReport, ledger: String) -> String {
        var out: [String] = []
        let basis = report.basis
        let levels = report.levels.map(\.level)
        out.append("rrm-ledger report: how errors propagate in \(ledger)")
        out.append(
            "\(grouped(basis.entries)) entries, levels \(levels.first ?? 0) to \(levels.last ?? 0); head \(String(basis.head.description.prefix(28)))…"
        )
        out += wrapped(
            basis.verified
                ? (basis.deep
                    ? "chain, lineage tables and Merkle tree verified (--deep); the analysis read exactly the verified entries 1–\(grouped(basis.head.seq))"
                    : "chain verified; the analysis read exactly the verified entries 1–\(grouped(basis.head.seq)) (--deep also checks the lineage tables it reads)")
                : "WARNING: THE CHAIN WAS NOT VERIFIED: these figures may rest on altered data")
        out += wrapped(
            basis.checkpoint.map {
                "newest signed checkpoint: size \(grouped($0.size)), root hex \($0.rootHash)\(Hex.decode($0.rootHash).map { " = base64 " + NoteKey.base64($0) } ?? ""), \($0.origin), signed \($0.signedAt)\($0.size < basis.head.seq ? "; entries after it are not covered by a signature" : "")"
            } ?? "no signed checkpoint: nothing here is covered by a signature (rrm-ledger checkpoint)")
        if let assumed = basis.assumed {
            out.append("what if \"\(assumed)\" was wrong: it is the only seed; known findings are ignored for exposure")
        } else {
            out.append(
                "\(grouped(basis.audited)) entries audited; \(grouped(basis.seeds)) known errors (latest finding: erroneous) are the seeds")
        }
        out.append("Audits are samples: every rate is an estimate, shown with its 95% Wilson interval.")

        out.append("")
        out.append("ERROR RATES BY LEVEL (audited entries)")
        out.append(
            tableRow(
                ["level", "outputs", "critiques", "labels", "critique errors", "95% CI", "label errors", "95% CI"],
                [5, 8, 9, 8, 16, 13, 14, 13]))
        for level in report.levels {
            let critique = level.audits[.critique]
            let label = level.audits[.label]
            out.append(
                tableRow(
                    [
                        String(level.level), grouped(level.entries[.output] ?? 0), grouped(level.entries[.critique] ?? 0),
                        grouped(level.entries[.label] ?? 0),
                        critique.map(fraction) ?? "—",
                        critique.flatMap { audit in level.rateInterval(.critique).map { interval(audit, $0) } } ?? "",
                        label.map(fraction) ?? "—", label.flatMap { audit in level.rateInterval(.label).map { interval(audit, $0) } } ?? "",
                    ], [5, 8, 9, 8, 16, 13, 14, 13]))
        }

        out.append("")
        out.append("EXPOSURE (audited labels whose rater saw a critique that was audited too)")
        let exposureWidths = [5, 18, 7, 18, 7, 22, 9]
        out.append(
            tableRow(
                ["level", "shown wrong: wrong", "rate", "shown right: wrong", "rate", "relative risk (95% CI)", "unpaired"],
                exposureWidths))
        for level in report.levels where level.shownWrong.trials + level.shownRight.trials + level.unpairedAssisted > 0 {
            out.append(
                tableRow(
                    [
                        String(level.level), "\(level.shownWrong.events)/\(level.shownWrong.trials)", percent(level.shownWrong),
                        "\(level.shownRight.events)/\(level.shownRight.trials)", percent(level.shownRight),
                        level.relativeRisk.map(ratio) ?? "—", String(level.unpairedAssisted),
                    ], exposureWidths))
        }
        out += wrapped(
            "unpaired: audited labels whose critique was not audited; they are not used (docs/ANALYSIS.md, \"Exposure\")")
        let inherited = report.levels.filter { $0.inheritedShare > 0 }.map {
            "level \($0.level): \(String(format: "%.2f%%", $0.inheritedShare * 100))"
        }
        if !inherited.isEmpty {
            out += wrapped("training share inherited by outputs and critiques (mean): " + inherited.joined(separator: "; "))
        }

        out.append("")
        out += claimLines(report.claims)

        out.append("")
        out.append("MODEL VERSIONS")
        out += wrapped(
            "trained on: training labels; known: share of them known erroneous or exposed (a lower bound); audited training labels: the estimated error rate"
        )
        let modelWidths = [16, 12, 3, 10, 6, 24, 8, 9]
        out.append(
            tableRow(["model", "role", "lvl", "trained on", "known", "audited training labels", "produced", "critiqued"], modelWidths))
        for model in report.models {
            out.append(
                tableRow(
                    [
                        String(model.id.prefix(16)), String(model.role.prefix(12)), String(model.level), grouped(Int(model.trainingLabels)),
                        String(format: "%.1f%%", model.knownShare * 100),
                        model.trainingAudit.trials > 0 ? "\(fraction(model.trainingAudit)) \(interval(model.trainingAudit))" : "—",
                        grouped(model.produced), grouped(model.critiqued),
                    ], modelWidths))
        }
        let critics = report.models.filter { $0.critiquedAudit.trials > 0 }
        for critic in critics {
            out.append("  critiques by \(critic.id): \(fraction(critic.critiquedAudit)) wrong \(interval(critic.critiquedAudit))")
        }

        if !report.sources.isEmpty {
            out.append("")
            out.append("SOURCES: CRITICS AND RATERS BY THE ERRORS THEY MADE BEYOND THE REST OF THEIR KIND")
            out += wrapped(
                "excess: entries × (its audited error rate − its kind's at the levels nearest to it), with 95% CI; induced: labels its wrong critiques made wrong (needs paired audits); ranked by excess"
            )
            let widths = [30, 15, 6, 22, 20]
            out.append(tableRow(["source", "audited wrong", "rest", "excess (95% CI)", "induced (95% CI)"], widths))
            for source in report.sources {
                out.append(
                    tableRow(
                        [
                            String(source.name.prefix(30)), fraction(source.audit), percent(source.rest),
                            "\(count(source.excess)) (\(count(source.excessInterval.lowerBound))–\(count(source.excessInterval.upperBound)))",
                            source.induced.map { value in
                                "\(count(value))"
                                    + (source.inducedInterval.map { " (\(count($0.lowerBound))–\(count($0.upperBound)))" } ?? "")
                            } ?? "—",
                        ], widths))
            }
        }

        if !report.raters.isEmpty {
            out.append("")
            out.append("RATERS (audited labels per rater; do a level's raters err at different rates?)")
            for level in report.raters {
                let worst = level.raters.filter { $0.audit.trials > 0 }.sorted {
                    ($0.audit.rate, $0.audit.trials) > ($1.audit.rate, $1.audit.trials)
                }
                let shown = worst.prefix(3).map { "\(TerminalText.escaped($0.rater)) \($0.audit.events)/\($0.audit.trials)" }.joined(
                    separator: ", ")
                out += wrapped(
                    "level \(level.level): \(level.raters.count) raters, χ² = \(String(format: "%.2f", level.statistic)) (\(level.degreesOfFreedom) df, \(level.permuted ? "permutation" : "χ²") \(p(level.pValue))); highest: \(shown)",
                    indent: "    ")
            }
            out += wrapped("each level's test is a claim above; single raters are described, not tested (docs/ANALYSIS.md, \"Raters\")")
        }

        if !report.rootErrorGroups.isEmpty {
            out.append("")
            out.append("KNOWN ERRORS BY CLASS (same kind, level, producer and error type; by total blast radius)")
            for (rank, group) in report.rootErrorGroups.enumerated() {
                out += wrapped(
                    "\(String(format: "%2d", rank + 1)). \(TerminalText.escaped(group.name)): \(grouped(group.count)) known error\(group.count == 1 ? "" : "s"), radius \(group.radiusRange) each, \(String(format: "%.4g", group.totalRadius)) together; e.g. \(group.examples.joined(separator: ", "))",
                    indent: "    ")
            }
        }

        out.append("")
        out.append("ROOT ERRORS BY BLAST RADIUS (top \(report.rootErrors.count) of \(grouped(report.rootErrorCount)))")
        out += wrapped(
            "direct: entries reached along evaluation links (exact); training: entries reached through training, weighted by the error's share of each model's signal; naive: entries reachable through training at all"
        )
        for (rank, root) in report.rootErrors.enumerated() {
            let type = root.errorType.map { ", \(TerminalText.escaped($0))" } ?? ""
            out.append(
                "\(String(format: "%2d", rank + 1)). \(root.kind.rawValue) \"\(root.id)\" (level \(root.level)\(type)): radius \(String(format: "%.2f", root.radius))"
            )
            let direct = root.direct.keys.sorted().map { level in
                (root.direct[level] ?? [:]).sorted { $0.key < $1.key }.map {
                    "\($0.value) \($0.key.rawValue)\($0.value == 1 ? "" : "s") at level \(level)"
                }.joined(separator: ", ")
            }
            out.append("    direct: \(direct.isEmpty ? "none" : direct.joined(separator: "; "))")
            let weighted = root.weighted.keys.sorted().map { "L\($0) \(String(format: "%.3g", root.weighted[$0] ?? 0))" }.joined(
                separator: ", ")
            out.append(
                "    training: \(String(format: "%.3g", root.weightedTotal)) weighted entries\(weighted.isEmpty ? "" : " (\(weighted))"); naive: \(grouped(root.reachable))"
            )
            if !root.models.isEmpty {
                let shown = root.models.prefix(4).map { "\($0.id) \(share($0.share))" }.joined(separator: ", ")
                out.append("    models: \(shown)\(root.models.count > 4 ? ", … \(root.models.count - 4) more" : "")")
            }
        }

        if !report.assistance.isEmpty {
            out.append("")
            out.append("ASSISTANCE (audited labels made with and without a critique shown)")
            out.append(
                tableRow(
                    ["level", "with critique", "95% CI", "without", "95% CI", "ratio (95% CI)", "induced", "caught", "syc."],
                    [5, 13, 13, 11, 13, 20, 7, 6, 4]))
            for row_ in report.assistance {
                out.append(
                    tableRow(
                        [
                            String(row_.level), fraction(row_.assisted), interval(row_.assisted), fraction(row_.unassisted),
                            interval(row_.unassisted),
                            row_.ratio.map(ratio) ?? "—", String(row_.induced), String(row_.caught), String(row_.sycophancy),
                        ], [5, 13, 13, 11, 13, 20, 7, 6, 4]))
            }
            out += wrapped(
                "induced: wrong labels whose rater saw a critique audited wrong; caught: right labels whose rater saw an audited right critique claiming a flaw; syc.: labels whose finding says sycophancy"
            )
        }

        let types = Set(report.levels.flatMap { $0.errorTypes.keys }).sorted()
        if !types.isEmpty {
            out.append("")
            out.append("ERROR TYPES BY LEVEL (latest findings saying erroneous)")
            let names = types.map { TerminalText.escaped($0) }
            let widths = [5] + names.map { max(8, $0.count) }
            out.append(tableRow(["level"] + names, widths))
            for level in report.levels {
                out.append(tableRow([String(level.level)] + types.map { String(level.errorTypes[$0] ?? 0) }, widths))
            }
        }
        return out.joined(separator: "\n")
    }

    /// Prose broken into lines of at most `width` characters, continuation lines indented.
    static func wrapped(_ text: String, width: Int = 100, indent: String = "  ") -> [String] {
        var lines: [String] = []
        var current = ""
        for word in text.split(separator: " ") {
            let candidate = current.isEmpty ? String(word) : current + " " + word
            if candidate.count > width && !current.isEmpty {
                lines.append(current)
                current = indent + word
            } else {
                current = candidate
            }
        }
        if !current.isEmpty { lines.append(current) }
        return lines
    }

    static func percent(_ p: Proportion) -> String { p.trials == 0 ? "—" : String(format: "%.1f%%", p.rate * 100) }

    static func fraction(_ p: Proportion) -> String { p.trials == 0 ? "—" : "\(percent(p)) of \(grouped(p.trials))" }

    static func interval(_ p: Proportion) -> String { interval(p, p.interval) }

    /// A level's rate of `kind` with its finite-population interval (`Level.rateInterval`).
    static func levelRate(_ level: PropagationReport.Level, _ kind: EventKind) -> String {
        guard let audit = level.audits[kind], let ci = level.rateInterval(kind) else { return "—" }
        return "\(fraction(audit)) \(interval(audit, ci))"
    }

    static func interval(_ p: Proportion, _ ci: ClosedRange<Double>) -> String {
        p.trials == 0 ? "" : String(format: "(%.1f–%.1f)", ci.lowerBound * 100, ci.upperBound * 100)
    }

    static func ratio(_ r: RiskRatio) -> String {
        "\(Claim.times(r.estimate)) (\(bound(r.interval.lowerBound))–\(bound(r.interval.upperBound)))"
    }

    /// An estimated number of entries, signed, e.g. "+412" or "−3".
    static func count(_ value: Double) -> String {
        let rounded = value.rounded()
        return rounded == 0 ? "0" : (rounded > 0 ? "+" : "−") + grouped(Int(abs(rounded)))
    }

    /// A ratio's bound: two decimals, or ∞.
    static func bound(_ value: Double) -> String { value.isFinite ? String(format: "%.2f", value) : "∞" }

    /// "p = 0.012", "p < 0.001".
    static func p(_ value: Double, _ name: String = "p") -> String {
        value < 0.001 ? "\(name) < 0.001" : String(format: "\(name) = %.3f", value)
    }

    /// One claim in plain words: the estimate, its interval and both p-values.
    package static func claimLine(_ claim: Claim) -> String {
        func format(_ value: Double) -> String { claim.quantity == .sourceExcess ? count(value) : bound(value) }
        let interval = claim.interval.map { "95% CI \(format($0.lowerBound))–\(format($0.upperBound)); " } ?? ""
        return "\(claim.statement) (\(interval)\(p(claim.pValue)), \(p(claim.pAdjusted, "Holm-adjusted p")))"
    }

    /// The claims section: what holds after Holm correction and what does not.
    static func claimLines(_ claims: [Claim]) -> [String] {
        var out = ["CLAIMS (exposure, steps between adjacent levels, assistance, tests across levels)"]
        let holding = claims.filter(\.significant)
        out += wrapped(
            "\(claims.count) claims tested together, Holm–Bonferroni correction (family-wise error 5%): "
                + (holding.isEmpty
                    ? "none holds: the audits show no difference between levels or groups that survives the correction."
                    : "\(holding.count) hold\(holding.count == 1 ? "s" : ""), \(claims.count - holding.count) do\(claims.count - holding.count == 1 ? "es" : "") not.")
        )
        if !holding.isEmpty {
            out.append("Holds after correction:")
            for claim in holding { out += wrapped("  - " + claimLine(claim), indent: "    ") }
        }
        let rest = claims.filter { !$0.significant }
        if !rest.isEmpty {
            out.append("Does not hold after correction (no difference shown; audit more to tell):")
            for claim in rest { out += wrapped("  - " + claimLine(claim), indent: "    ") }
        }
        return out
    }

    package static func share(_ value: Double) -> String {
        value >= 0.01 ? String(format: "%.1f%%", value * 100) : String(format: "%.3g%%", value * 100)
    }
}
