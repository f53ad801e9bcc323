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
            ? "Chain verified." : "<strong class=\"alert\">The chain was NOT verified: these figures may rest on altered data.</strong>"
        body +=
            basis.assumed.map { " What if <code>\(escape($0))</code> was wrong." }
            ?? " \(grouped(basis.audited)) entries audited; \(grouped(basis.seeds)) known errors."
        body += " Audits are samples: every rate is an estimate with its 95% interval (docs/ANALYSIS.md).</p>\n"

        body += "<h2>Error rate by level</h2>\n"
        body += intervalChart(
            series: [
                ("labels", "#2c3e50", report.levels.map { ($0.level, $0.audits[.label]) }),
                ("critiques", "#c0392b", report.levels.map { ($0.level, $0.audits[.critique]) }),
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
                    level.audits[.critique].map { "\(ReportText.fraction($0)) \(ReportText.interval($0))" } ?? "—",
                    level.audits[.label].map { "\(ReportText.fraction($0)) \(ReportText.interval($0))" } ?? "—",
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

        body += "<h2>Exposure: labels whose rater saw a wrong critique</h2>\n"
        body +=
            "<p>Audited labels whose rater was shown a critique that was audited too: shown a wrong critique against shown a right one. Labels whose critique was not audited (unpaired) are not used.</p>\n"
        body += intervalChart(
            series: [
                ("shown wrong", "#c0392b", report.levels.map { ($0.level, $0.shownWrong.trials > 0 ? $0.shownWrong : nil) }),
                ("shown right", "#7f8c8d", report.levels.map { ($0.level, $0.shownRight.trials > 0 ? $0.shownRight : nil) }),
            ])
        body += table(
            ["level", "shown a wrong critique", "shown a right critique", "relative risk (95% CI)", "unpaired"],
            report.levels.filter { $0.shownWrong.trials + $0.shownRight.trials + $0.unpairedAssisted > 0 }.map { level in
                [
                    String(level.level), ReportText.fraction(level.shownWrong), ReportText.fraction(level.shownRight),
                    level.relativeRisk.map(ReportText.ratio) ?? "—", String(level.unpairedAssisted),
                ]
            })

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
            svg text{font:11px Helvetica,Arial,sans-serif}
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
    private static func intervalChart(series: [(name: String, colour: String, points: [(level: Int, value: Proportion?)])]) -> String {
        let levels = Set(series.flatMap { $0.points.map(\.level) }).sorted()
        guard !levels.isEmpty else { return "" }
        let width = 640.0
        let height = 240.0
        let left = 48.0
        let bottom = 28.0
        let top = 12.0
        let upper = min(1, max(0.1, (series.flatMap { $0.points.compactMap { $0.value?.interval.upperBound } }.max() ?? 0.5) * 1.1))
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
        for (seriesIndex, serie) in series.enumerated() {
            let offset = (Double(seriesIndex) - Double(series.count - 1) / 2) * 14
            for point in serie.points {
                guard let value = point.value, value.trials > 0, let index = levels.firstIndex(of: point.level) else { continue }
                let x = left + step * (Double(index) + 0.5) + offset
                svg +=
                    "<line x1=\"\(x)\" x2=\"\(x)\" y1=\"\(y(value.interval.lowerBound))\" y2=\"\(y(value.interval.upperBound))\" stroke=\"\(serie.colour)\" stroke-width=\"2\"/>"
                svg +=
                    "<circle cx=\"\(x)\" cy=\"\(y(value.rate))\" r=\"4\" fill=\"\(serie.colour)\"><title>\(escape(serie.name)), level \(point.level): \(ReportText.fraction(value)) \(ReportText.interval(value))</title></circle>\n"
            }
            svg += "<rect x=\"\(left + 8 + Double(seriesIndex) * 110)\" y=\"\(top)\" width=\"10\" height=\"10\" fill=\"\(serie.colour)\"/>"
            svg += "<text x=\"\(left + 22 + Double(seriesIndex) * 110)\" y=\"\(top + 9)\">\(escape(serie.name))</text>\n"
        }
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
