import Foundation
import RRMAnalysis
import RRMFormat

/// The audit plan (`rrm-ledger audit-plan`) as text for a terminal, as JSON, and its worklist as
/// CSV for a spreadsheet or a labelling tool.
package enum AuditPlanRendering {
    /// A width for people: a rate's as ±percentage points, a ratio's spread as "×2.4".
    static func width(_ question: AuditPlan.Question, _ value: Double) -> String {
        guard value.isFinite else { return "unknown" }
        switch question {
        case .rate: return String(format: "±%.1f pts", 50 * value)
        case .exposure: return String(format: "×%.2f", value)
        }
    }

    package static func text(_ plan: AuditPlan, ledger: String) -> String {
        var out: [String] = []
        out.append(
            "rrm-ledger audit-plan: the next \(grouped(plan.worklist.count)) audits for \(ledger) (budget \(grouped(plan.options.budget)), seed \(plan.options.seed))"
        )
        out.append("head \(plan.head.seq):\(plan.head.hash.hex.prefix(16))…; entries drawn at random within each level")
        out.append(
            "targets: rates ±\(String(format: "%.1f", 50 * plan.options.rateWidth)) pts (95% interval), relative risks within ×\(String(format: "%.2f", plan.options.ratioSpread)) (upper/lower)"
        )
        out.append("")
        let widths = [40, 8, 8, 12, 12, 4]
        out.append(tableRow(["question", "audited", "planned", "now", "expected", "met"], widths))
        for question in plan.questions {
            out.append(
                tableRow(
                    [
                        question.question.description, grouped(question.audited), grouped(question.planned),
                        width(question.question, question.width), width(question.question, question.expectedWidth),
                        question.met ? "yes" : "no",
                    ], widths))
        }
        out.append("")
        let unmet = plan.questions.filter { !$0.met }.count
        out.append(
            unmet == 0
                ? "every target is met after \(grouped(plan.worklist.count)) audits"
                : "\(unmet) target\(unmet == 1 ? "" : "s") not met within the budget; meeting every target takes about \(grouped(plan.neededForTargets)) audits (fewer if some cannot be met with the entries there are)"
        )
        out.append("")
        out.append("first items (all of them: --format csv or json, --out FILE):")
        for item in plan.worklist.prefix(10) {
            let pair = item.pairedWith.map { ", the critique \($0)'s rater saw" } ?? ""
            out.append("  \(item.order). \(item.kind.rawValue) \(item.id) (level \(item.level)\(pair)): \(item.question)")
        }
        if plan.worklist.count > 10 { out.append("  … \(grouped(plan.worklist.count - 10)) more") }
        return out.joined(separator: "\n") + "\n"
    }

    package static func json(_ plan: AuditPlan) -> JSONValue {
        func number(_ value: Double) -> JSONValue { value.isFinite ? .number(rounded(value)) : .null }
        return [
            "head": ["seq": .number(Double(plan.head.seq)), "hash": .string(plan.head.hash.hex)],
            "budget": .number(Double(plan.options.budget)), "seed": .number(Double(plan.options.seed)),
            "planned": .number(Double(plan.worklist.count)), "needed_for_targets": .number(Double(plan.neededForTargets)),
            "targets": ["rate_width": .number(plan.options.rateWidth), "ratio_spread": .number(plan.options.ratioSpread)],
            "questions": .array(
                plan.questions.map { question in
                    [
                        "question": .string(question.question.description), "estimand": .string(question.question.estimand),
                        "level": .number(Double(question.question.level)), "audited": .number(Double(question.audited)),
                        "planned": .number(Double(question.planned)), "width": number(question.width),
                        "expected_width": number(question.expectedWidth), "target": .number(question.target), "met": .bool(question.met),
                    ]
                }),
            "worklist": .array(
                plan.worklist.map { item in
                    [
                        "order": .number(Double(item.order)), "id": .string(item.id), "seq": .number(Double(item.seq)),
                        "kind": .string(item.kind.rawValue), "level": .number(Double(item.level)),
                        "question": .string(item.question.estimand), "paired_with": item.pairedWith.map(JSONValue.string) ?? .null,
                    ]
                }),
        ]
    }

    /// RFC 4180 CSV: a header, then one row per item; fields with commas, quotes or line breaks quoted.
    package static func csv(_ plan: AuditPlan) -> String {
        var out = "order,id,seq,kind,level,question,paired_with\r\n"
        for item in plan.worklist {
            let fields = [
                String(item.order), item.id, String(item.seq), item.kind.rawValue, String(item.level), item.question.estimand,
                item.pairedWith ?? "",
            ]
            out += fields.map(csvField).joined(separator: ",") + "\r\n"
        }
        return out
    }

    static func csvField(_ value: String) -> String {
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

}
