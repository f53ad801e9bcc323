import Foundation
import RRMFormat

/// One statement of the report that something differs or compounds, tested (docs/ANALYSIS.md,
/// "Claims"). Every claim of a report belongs to one family whose p-values are Holm-adjusted
/// together: a claim *holds* when its adjusted p-value is below 0.05, and the chance that a
/// report makes any false claim is then at most 5%.
public struct Claim: Sendable, Equatable {
    /// What is compared.
    public enum Quantity: String, Sendable {
        /// P(label wrong | its rater saw a wrong critique) / P(label wrong | a right one), at a level.
        case relativeRisk = "relative_risk"
        /// A kind's error rate at a level over the level below's.
        case stepRatio = "step_ratio"
        /// P(label wrong | a critique shown) / P(label wrong | none shown), at a level.
        case assistanceRatio = "assistance_ratio"
        /// A kind's error rates across all levels with audits: are they all equal?
        case heterogeneity
        /// A source's error rate minus its neighbours' of its kind, as excess errors (`ErrorSource`).
        case sourceExcess = "source_excess"
        /// A level's raters' error rates: are they all equal? (`RaterRates`)
        case raterHeterogeneity = "rater_heterogeneity"
    }

    /// The family-wise error rate the report controls.
    public static let alpha = 0.05

    public let quantity: Quantity
    /// The kind whose rates are compared (labels for relative risks and assistance).
    public let kind: EventKind
    /// The level it is about; `nil` for the test across levels.
    public let level: Int?
    /// The estimate in plain words, e.g. "level 2: labels are wrong 1.40× as often as at level 1".
    public let statement: String
    /// The ratio (∞ when the denominator has no events), the excess errors of a source, or the χ²
    /// statistic for heterogeneity.
    public let estimate: Double
    /// The 95% interval of the ratio or excess (not adjusted for multiplicity); `nil` for heterogeneity.
    public let interval: ClosedRange<Double>?
    /// The test's own p-value.
    public let pValue: Double
    /// Holm-adjusted over every claim of the report.
    public let pAdjusted: Double

    /// Whether the claim holds after Holm correction.
    public var significant: Bool { pAdjusted < Self.alpha }

    /// The estimand's name for tools (tools/calibrate): `relative_risk:2`, `step_ratio:label:2`,
    /// `assistance_ratio:1`, `heterogeneity:critique`, `source_excess:critic:1`,
    /// `rater_heterogeneity:2`.
    public var estimand: String {
        switch quantity {
        case .relativeRisk, .assistanceRatio, .raterHeterogeneity: return "\(quantity.rawValue):\(level ?? 0)"
        case .stepRatio: return "\(quantity.rawValue):\(kind.rawValue):\(level ?? 0)"
        case .heterogeneity: return "\(quantity.rawValue):\(kind.rawValue)"
        case .sourceExcess: return "\(quantity.rawValue):\(kind == .label ? "raters" : "critic"):\(level ?? 0)"
        }
    }

    /// The claims of one report, with their p-values Holm-adjusted together, in level order.
    static func family(
        levels: [PropagationReport.Level], assistance: [PropagationReport.Assistance], sources: [ErrorSource] = [],
        raters: [RaterRates] = []
    ) -> [Claim] {
        struct Draft {
            let quantity: Quantity
            let kind: EventKind
            let level: Int?
            let statement: String
            let estimate: Double
            let interval: ClosedRange<Double>?
            let pValue: Double
        }
        var drafts: [Draft] = []
        func ratio(_ quantity: Quantity, _ kind: EventKind, _ level: Int, _ value: RiskRatio?, _ words: (String) -> String) {
            guard let value else { return }
            drafts.append(
                Draft(
                    quantity: quantity, kind: kind, level: level, statement: words(times(value.estimate)), estimate: value.estimate,
                    interval: value.interval, pValue: value.pValue))
        }
        for kind in [EventKind.label, .critique] {
            let rates = levels.compactMap { level in level.audits[kind].map { (level: level.level, rate: $0) } }.filter {
                $0.rate.trials > 0
            }
            if let test = Homogeneity.of(rates.map(\.rate)), let first = rates.first?.level, let last = rates.last?.level {
                drafts.append(
                    Draft(
                        quantity: .heterogeneity, kind: kind, level: nil,
                        statement:
                            "\(kind.rawValue) error rates differ between levels \(first)–\(last) (χ² = \(String(format: "%.2f", test.statistic)), \(test.degreesOfFreedom) df)",
                        estimate: test.statistic, interval: nil, pValue: test.pValue))
            }
        }
        for level in levels {
            let k = level.level
            ratio(.relativeRisk, .label, k, level.relativeRisk) {
                "level \(k): a label whose rater saw a wrong critique is wrong \($0) as often as one whose rater saw a right critique"
            }
            ratio(.stepRatio, .label, k, level.labelStep) { "level \(k): labels are wrong \($0) as often as at level \(k - 1)" }
            ratio(.stepRatio, .critique, k, level.critiqueStep) { "level \(k): critiques are wrong \($0) as often as at level \(k - 1)" }
        }
        for row in assistance {
            ratio(.assistanceRatio, .label, row.level, row.ratio) {
                "level \(row.level): labels made with a critique shown are wrong \($0) as often as labels made without"
            }
        }
        for source in sources.sorted(by: { ($0.level, $0.kind.rawValue) < ($1.level, $1.kind.rawValue) }) {
            guard let difference = source.difference else { continue }
            let more = difference.estimate >= 0
            let rate = String(format: "%.1f%% against %.1f%%", 100 * difference.first.rate, 100 * difference.second.rate)
            drafts.append(
                Draft(
                    quantity: .sourceExcess, kind: source.kind, level: source.level,
                    statement:
                        "\(source.name): \(source.kind.rawValue)s wrong \(more ? "more" : "less") often than \(source.comparedWith) (\(rate)), about \(Int(source.excess.rounded().magnitude)) \(more ? "more" : "fewer") errors than their rate would give",
                    estimate: source.excess, interval: source.excessInterval, pValue: difference.pValue))
        }
        for level in raters {
            drafts.append(
                Draft(
                    quantity: .raterHeterogeneity, kind: .label, level: level.level,
                    statement:
                        "level \(level.level): its \(level.raters.count) raters' error rates differ (χ² = \(String(format: "%.2f", level.statistic)), \(level.degreesOfFreedom) df\(level.permuted ? ", permutation test" : ""))",
                    estimate: level.statistic, interval: nil, pValue: level.pValue))
        }
        let adjusted = holmAdjusted(drafts.map(\.pValue))
        return zip(drafts, adjusted).map { draft, pAdjusted in
            Claim(
                quantity: draft.quantity, kind: draft.kind, level: draft.level, statement: draft.statement, estimate: draft.estimate,
                interval: draft.interval, pValue: draft.pValue, pAdjusted: pAdjusted)
        }
    }

    /// "1.40×", or "∞×" for a ratio over no events.
    public static func times(_ value: Double) -> String { value.isFinite ? String(format: "%.2f×", value) : "∞×" }
}

private func times(_ value: Double) -> String { Claim.times(value) }
