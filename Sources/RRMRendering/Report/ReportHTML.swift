import Foundation
import RRMAnalysis
import RRMFormat

/// The compounding-errors report as one self-contained HTML page: inline CSS and SVG charts, no
/// scripts, no network.
package enum ReportHTML {
    package static func render(_ report: PropagationReport, ledger: String) -> String {
        var body = ""
        let basis = report.basis
        body += "<h1>How errors propagate</h1>\n"
        body +=
            "<p class=\"basis\">\(escape(ledger)): \(grouped(basis.entries)) entries, head <code>\(escape(basis.head.description))</code>. "
        body +=
            basis.verified
            ? (basis.deep ? "Chain, lineage tables and Merkle tree verified (--deep)." : "Chain verified (not --deep).")
                + " The analysis read exactly the verified entries 1–\(grouped(basis.head.seq))."
            : "<strong class=\"alert\">The chain was NOT verified: these figures may rest on altered data.</strong>"
        body +=
            basis.checkpoint.map {
                " Newest signed checkpoint: size \(grouped($0.size)), root <code>\(escape($0.rootHash))</code>, \(escape($0.origin)), signed \(escape($0.signedAt))."
            } ?? " No signed checkpoint."
        body +=
            basis.assumed.map { " What if <code>\(escape($0))</code> was wrong." }
            ?? " \(grouped(basis.audited)) entries audited; \(grouped(basis.seeds)) known errors."
        body += " Audits are samples: every rate is an estimate with its 95% interval (docs/ANALYSIS.md).</p>\n"

        body += "<h2>Error rate by level</h2>\n"
        body += intervalChart(
            series: [
                ("labels", "#2c3e50", report.levels.map { ($0.level, $0.audits[.label], $0.rateInterval(.label)) }),
                ("critiques", "#c0392b", report.levels.map { ($0.level, $0.audits[.critique], $0.rateInterval(.critique)) }),
            ])
        body += table(
            [
                "level", "outputs", "critiques", "labels", "critique errors (95% CI)", "label errors (95% CI)", "label step (95% CI)",
                "critique step (95% CI)",
            ],
            report.levels.map { level in
                [
                    String(level.level), grouped(level.entries[.output] ?? 0), grouped(level.entries[.critique] ?? 0),
                    grouped(level.entries[.label] ?? 0),
                    ReportText.levelRate(level, .critique), ReportText.levelRate(level, .label),
                    level.labelStep.map(ReportText.ratio) ?? "—", level.critiqueStep.map(ReportText.ratio) ?? "—",
                ]
            })

        body += "<h2>Claims</h2>\n"
        let holding = report.claims.filter(\.significant)
        body +=
            "<p>\(report.claims.count) claims tested together with the Holm–Bonferroni correction (family-wise error 5%): "
            + (holding.isEmpty
                ? "none holds after correction.</p>\n" : "\(holding.count) hold, \(report.claims.count - holding.count) do not.</p>\n")
        if !holding.isEmpty {
            body += "<p><strong>Holds after correction:</strong></p>\n<ul>\n"
            for claim in holding { body += "<li>\(escape(ReportText.claimLine(claim)))</li>\n" }
            body += "</ul>\n"
        }
        let rest = report.claims.filter { !$0.significant }
        if !rest.isEmpty {
            body += "<p><strong>Does not hold after correction</strong> (no difference shown):</p>\n<ul>\n"
            for claim in rest { body += "<li>\(escape(ReportText.claimLine(claim)))</li>\n" }
            body += "</ul>\n"
        }

        if !report.sources.isEmpty {
            body += "<h2>Sources: critics and raters by the errors they made</h2>\n"
            body +=
                "<p>Excess errors: a source's entries × (its audited error rate − that of the other sources of its kind at its own level and the two nearest), with its 95% interval; induced: labels its wrong critiques made wrong (critics, with paired audits). Ranked by excess; induced errors are shown beside it (docs/ANALYSIS.md, section 8).</p>\n"
            body += forestChart(
                report.sources.map { source in
                    (
                        label: source.name, estimate: source.excess, interval: source.excessInterval,
                        colour: source.producer == .raters ? "#2c3e50" : "#c0392b"
                    )
                }, axis: "excess errors (95% CI)")
            body += table(
                ["source", "entries", "audited wrong (95% CI)", "compared with", "excess (95% CI)", "induced (95% CI)"],
                report.sources.map { source in
                    [
                        source.name, grouped(source.entries), "\(ReportText.fraction(source.audit)) \(ReportText.interval(source.audit))",
                        "\(source.comparedWith): \(ReportText.fraction(source.rest))",
                        "\(ReportText.count(source.excess)) (\(ReportText.count(source.excessInterval.lowerBound))–\(ReportText.count(source.excessInterval.upperBound)))",
                        source.induced.map { value in
                            ReportText.count(value)
                                + (source.inducedInterval.map { " (\(ReportText.count($0.lowerBound))–\(ReportText.count($0.upperBound)))" }
                                    ?? "")
                        } ?? "—",
                    ]
                })
        }

        if !report.raters.isEmpty {
            body += "<h2>Raters</h2>\n"
            body +=
                "<p>Per level, do its raters err at different rates? One test per level is a claim above (χ², or a permutation test when cells are small); single raters are described, not tested.</p>\n"
            body += table(
                ["level", "raters", "audited labels", "χ² (df)", "test", "p", "highest rates"],
                report.raters.map { level in
                    let audited = level.raters.map(\.audit.trials).reduce(0, +)
                    let highest = level.raters.filter { $0.audit.trials > 0 }
                        .sorted { ($0.audit.rate, $0.audit.trials) > ($1.audit.rate, $1.audit.trials) }.prefix(3)
                        .map { "\($0.rater) \($0.audit.events)/\($0.audit.trials)" }.joined(separator: ", ")
                    return [
                        String(level.level), grouped(level.raters.count), grouped(audited),
                        "\(String(format: "%.2f", level.statistic)) (\(level.degreesOfFreedom))", level.permuted ? "permutation" : "χ²",
                        ReportText.p(level.pValue), highest,
                    ]
                })
        }

        body += "<h2>Exposure: labels whose rater saw a wrong critique</h2>\n"
        body +=
            "<p>Audited labels whose rater was shown a critique that was audited too: shown a wrong critique against shown a right one. Labels whose critique was not audited (unpaired) are not used.</p>\n"
        body += intervalChart(
            series: [
                ("shown wrong", "#c0392b", report.levels.map { ($0.level, $0.shownWrong.trials > 0 ? $0.shownWrong : nil, nil) }),
                ("shown right", "#7f8c8d", report.levels.map { ($0.level, $0.shownRight.trials > 0 ? $0.shownRight : nil, nil) }),
            ], axis: "label error rate (paired audits, 95% CI)")
        body += table(
            ["level", "shown a wrong critique", "shown a right critique", "relative risk (95% CI)", "unpaired"],
            report.levels.filter { $0.shownWrong.trials + $0.shownRight.trials + $0.unpairedAssisted > 0 }.map { level in
                [
                    String(level.level), ReportText.fraction(level.shownWrong), ReportText.fraction(level.shownRight),
                    level.relativeRisk.map(ReportText.ratio) ?? "—", String(level.unpairedAssisted),
                ]
            })

        if !report.rootErrorGroups.isEmpty {
            body += "<h2>Known errors by class</h2>\n"
            body +=
                "<p>Known errors of the same kind and level, made by the same producer, with the same error type, ranked by how far they reach together.</p>\n"
            body += table(
                ["class", "known errors", "radius of each", "together", "examples"],
                report.rootErrorGroups.map { group in
                    [
                        group.name, grouped(group.count),
                        group.radiusRange,
                        String(format: "%.4g", group.totalRadius), group.examples.joined(separator: ", "),
                    ]
                })
        }

        body += "<h2>Root errors by blast radius</h2>\n"
        body += radiusChart(report.rootErrors)
        body += table(
            ["root error", "level", "type", "direct", "training (weighted)", "naive reach", "models reached"],
            report.rootErrors.map { root in
                [
                    "\(root.kind.rawValue) \(root.id)", String(root.level), root.errorType ?? "", grouped(root.directTotal),
                    String(format: "%.3g", root.weightedTotal), grouped(root.reachable),
                    root.models.prefix(3).map { "\($0.id) \(ReportText.share($0.share))" }.joined(separator: ", "),
                ]
            })

        body += "<h2>Model versions</h2>\n"
        body += table(
            ["model", "role", "level", "training labels", "known share", "audited training labels", "critiques wrong"],
            report.models.map { model in
                [
                    model.id, model.role, String(model.level), grouped(Int(model.trainingLabels)),
                    String(format: "%.2f%%", model.knownShare * 100),
                    model.trainingAudit.trials > 0
                        ? "\(ReportText.fraction(model.trainingAudit)) \(ReportText.interval(model.trainingAudit))" : "—",
                    model.critiquedAudit.trials > 0
                        ? "\(ReportText.fraction(model.critiquedAudit)) \(ReportText.interval(model.critiquedAudit))" : "—",
                ]
            })

        let types = Set(report.levels.flatMap { $0.errorTypes.keys }).sorted()
        if !types.isEmpty {
            body += "<h2>Error types by level</h2>\n<p>Latest findings saying erroneous, by the error type they give.</p>\n"
            body += table(
                ["level"] + types, report.levels.map { level in [String(level.level)] + types.map { grouped(level.errorTypes[$0] ?? 0) } })
        }
        body += "<h2>Training share inherited</h2>\n"
        body +=
            "<p>Mean share of their model's training signal that is known erroneous or directly exposed, over each level's outputs and critiques (a lower bound: only audited errors are known).</p>\n"
        body += table(
            ["level", "inherited share"],
            report.levels.map { [String($0.level), String(format: "%.2f%%", $0.inheritedShare * 100)] })

        if !report.assistance.isEmpty {
            body += "<h2>Assistance</h2>\n"
            body += table(
                ["level", "with a critique", "without", "ratio (95% CI)", "induced", "caught", "sycophancy findings"],
                report.assistance.map { row in
                    [
                        String(row.level), "\(ReportText.fraction(row.assisted)) \(ReportText.interval(row.assisted))",
                        "\(ReportText.fraction(row.unassisted)) \(ReportText.interval(row.unassisted))",
                        row.ratio.map(ReportText.ratio) ?? "—",
                        String(row.induced), String(row.caught), String(row.sycophancy),
                    ]
                })
        }
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>rrm-ledger report</title>
            <style>
            body{font:14px/1.45 -apple-system,"Segoe UI",Helvetica,Arial,sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222}
            h1{font-size:1.6em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ddd}
            table{border-collapse:collapse;margin:1em 0;font-size:13px}td,th{border:1px solid #ddd;padding:3px 8px;text-align:right}
            th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}.alert{color:#c0392b}code{font-size:12px}
            svg text{font:11px Helvetica,Arial,sans-serif}svg text.n{font-size:9px;fill:#888}
            </style></head><body>
            \(body)
            <p class="basis">Written by rrm-ledger \(RRMLedgerVersion.current).</p>
            </body></html>

            """
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    private static func table(_ header: [String], _ rows: [[String]]) -> String {
        var html = "<table><tr>" + header.map { "<th>\(escape($0))</th>" }.joined() + "</tr>\n"
        for row in rows { html += "<tr>" + row.map { "<td>\(escape($0))</td>" }.joined() + "</tr>\n" }
        return html + "</table>\n"
    }

    /// Rates per level as points with 95% interval bars, one colour per series.
    private static func intervalChart(
        series: [(name: String, colour: String, points: [(level: Int, value: Proportion?, interval: ClosedRange<Double>?)])],
        axis: String = "error rate (audited, 95% CI)"
    ) -> String {
        let levels = Set(series.flatMap { $0.points.map(\.level) }).sorted()
        guard !levels.isEmpty else { return "" }
        let width = 640.0
        let height = 240.0
        let left = 62.0
        let bottom = 28.0
        let top = 12.0
        let upper = min(
            1,
            max(
                0.1,
                (series.flatMap { $0.points.compactMap { point in point.value.map { (point.interval ?? $0.interval).upperBound } } }.max()
                    ?? 0.5) * 1.1))
        let plotWidth = width - left - 12
        let step = plotWidth / Double(levels.count)
        func y(_ value: Double) -> Double { top + (height - top - bottom) * (1 - value / upper) }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\">\n"
        for tick in 0...4 {
            let value = upper * Double(tick) / 4
            svg += "<line x1=\"\(left)\" x2=\"\(width - 12)\" y1=\"\(y(value))\" y2=\"\(y(value))\" stroke=\"#eee\"/>"
            svg += "<text x=\"\(left - 6)\" y=\"\(y(value) + 4)\" text-anchor=\"end\">\(String(format: "%.0f%%", value * 100))</text>\n"
        }
        for (index, level) in levels.enumerated() {
            svg += "<text x=\"\(left + step * (Double(index) + 0.5))\" y=\"\(height - 8)\" text-anchor=\"middle\">level \(level)</text>\n"
        }
        svg +=
            "<text x=\"12\" y=\"\((height - bottom + top) / 2)\" text-anchor=\"middle\" transform=\"rotate(-90 12 \((height - bottom + top) / 2))\">\(escape(axis))</text>\n"
        for (seriesIndex, serie) in series.enumerated() {
            let offset = (Double(seriesIndex) - Double(series.count - 1) / 2) * 14
            for point in serie.points {
                guard let value = point.value, value.trials > 0, let index = levels.firstIndex(of: point.level) else { continue }
                let x = left + step * (Double(index) + 0.5) + offset
                // A level's rate carries its finite-population interval; other rates their own.
                let ci = point.interval ?? value.interval
                svg +=
                    "<line x1=\"\(x)\" x2=\"\(x)\" y1=\"\(y(ci.lowerBound))\" y2=\"\(y(ci.upperBound))\" stroke=\"\(serie.colour)\" stroke-width=\"2\"/>"
                svg +=
                    "<text x=\"\(x)\" y=\"\(y(ci.lowerBound) + 12)\" text-anchor=\"middle\" class=\"n\">n=\(value.trials)</text>"
                svg +=
                    "<circle cx=\"\(x)\" cy=\"\(y(value.rate))\" r=\"4\" fill=\"\(serie.colour)\"><title>\(escape(serie.name)), level \(point.level): \(ReportText.fraction(value)) \(ReportText.interval(value, ci))</title></circle>\n"
            }
            svg += "<rect x=\"\(left + 8 + Double(seriesIndex) * 110)\" y=\"\(top)\" width=\"10\" height=\"10\" fill=\"\(serie.colour)\"/>"
            svg += "<text x=\"\(left + 22 + Double(seriesIndex) * 110)\" y=\"\(top + 9)\">\(escape(serie.name))</text>\n"
        }
        return svg + "</svg>\n"
    }

    /// One row per item: its estimate as a point with its 95% interval as a bar, around a zero line.
    private static func forestChart(
        _ rows: [(label: String, estimate: Double, interval: ClosedRange<Double>, colour: String)], axis: String
    ) -> String {
        guard !rows.isEmpty else { return "" }
        let rowHeight = 22.0
        let width = 760.0
        let labelWidth = 230.0
        let right = 20.0
        let low = min(0, rows.map(\.interval.lowerBound).min() ?? 0)
        let high = max(0, rows.map(\.interval.upperBound).max() ?? 0)
        let span = max(1, high - low)
        func x(_ value: Double) -> Double { labelWidth + (width - labelWidth - right) * (value - low) / span }
        let plotHeight = rowHeight * Double(rows.count)
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(plotHeight + 46))\" role=\"img\">\n"
        for tick in 0...4 {
            let value = low + span * Double(tick) / 4
            svg += "<line x1=\"\(x(value))\" x2=\"\(x(value))\" y1=\"4\" y2=\"\(plotHeight + 4)\" stroke=\"#eee\"/>"
            svg += "<text x=\"\(x(value))\" y=\"\(plotHeight + 18)\" text-anchor=\"middle\">\(ReportText.count(value))</text>\n"
        }
        svg += "<line x1=\"\(x(0))\" x2=\"\(x(0))\" y1=\"4\" y2=\"\(plotHeight + 4)\" stroke=\"#888\"/>\n"
        for (index, row) in rows.enumerated() {
            let y = 8 + Double(index) * rowHeight + 6
            svg += "<text x=\"\(labelWidth - 8)\" y=\"\(y + 4)\" text-anchor=\"end\">\(escape(String(row.label.prefix(36))))</text>"
            svg +=
                "<line x1=\"\(x(row.interval.lowerBound))\" x2=\"\(x(row.interval.upperBound))\" y1=\"\(y)\" y2=\"\(y)\" stroke=\"\(row.colour)\" stroke-width=\"2\"/>"
            svg +=
                "<circle cx=\"\(x(row.estimate))\" cy=\"\(y)\" r=\"4\" fill=\"\(row.colour)\"><title>\(escape(row.label)): \(ReportText.count(row.estimate)) (\(ReportText.count(row.interval.lowerBound))–\(ReportText.count(row.interval.upperBound)))</title></circle>\n"
        }
        svg += "<text x=\"\((labelWidth + width - right) / 2)\" y=\"\(plotHeight + 36)\" text-anchor=\"middle\">\(escape(axis))</text>\n"
        return svg + "</svg>\n"
    }

    /// Horizontal bars: each root error's direct reach and weighted training reach.
    private static func radiusChart(_ roots: [PropagationReport.RootError]) -> String {
        guard let largest = roots.map(\.radius).max(), largest > 0 else { return "<p>No root errors.</p>\n" }
        let rowHeight = 22.0
        let width = 640.0
        let labelWidth = 200.0
        let scale = (width - labelWidth - 60) / largest
        var svg =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(rowHeight * Double(roots.count) + 30))\" role=\"img\">\n"
        for (index, root) in roots.enumerated() {
            let y = 8 + Double(index) * rowHeight
            let direct = Double(root.directTotal) * scale
            let weighted = root.weightedTotal * scale
            svg += "<text x=\"\(labelWidth - 6)\" y=\"\(y + 13)\" text-anchor=\"end\">\(escape(String(root.id.prefix(30))))</text>"
            svg +=
                "<rect x=\"\(labelWidth)\" y=\"\(y)\" width=\"\(direct)\" height=\"16\" fill=\"#c0392b\"><title>direct: \(root.directTotal)</title></rect>"
            svg +=
                "<rect x=\"\(labelWidth + direct)\" y=\"\(y)\" width=\"\(weighted)\" height=\"16\" fill=\"#2c3e50\"><title>training, weighted: \(String(format: "%.3g", root.weightedTotal))</title></rect>"
            svg += "<text x=\"\(labelWidth + direct + weighted + 4)\" y=\"\(y + 13)\">\(String(format: "%.3g", root.radius))</text>\n"
        }
        let legendY = 8 + Double(roots.count) * rowHeight + 8
        svg +=
            "<rect x=\"\(labelWidth)\" y=\"\(legendY)\" width=\"10\" height=\"10\" fill=\"#c0392b\"/><text x=\"\(labelWidth + 14)\" y=\"\(legendY + 9)\">direct (evaluation links)</text>"
        svg +=
            "<rect x=\"\(labelWidth + 170)\" y=\"\(legendY)\" width=\"10\" height=\"10\" fill=\"#2c3e50\"/><text x=\"\(labelWidth + 184)\" y=\"\(legendY + 9)\">through training, weighted by share</text>\n"
        return svg + "</svg>\n"
    }
}
