import Foundation
import RRMAnalysis
import RRMFormat

extension Proportion {
    /// `{"events", "trials", "rate", "ci95": [low, high]}`.
    public var json: JSONValue { json(interval) }

    /// The same, for audits sampled from `population` entries (the finite-population interval).
    public func json(sampledFrom population: Int) -> JSONValue { json(interval(sampledFrom: population)) }

    private func json(_ ci: ClosedRange<Double>) -> JSONValue {
        [
            "events": .number(Double(events)), "trials": .number(Double(trials)), "rate": .number(rounded(rate)),
            "ci95": [.number(rounded(ci.lowerBound)), .number(rounded(ci.upperBound))],
        ]
    }
}

/// A finite number, or `null` for an unbounded one (JSON has no infinity).
func finite(_ value: Double) -> JSONValue { value.isFinite ? .number(rounded(value)) : .null }

extension RiskRatio {
    /// `{"value", "ci95": [low, high], "p_value"}`; an unbounded value or bound is `null`.
    public var json: JSONValue {
        [
            "value": finite(estimate), "ci95": [finite(interval.lowerBound), finite(interval.upperBound)],
            "p_value": .number(rounded(pValue)),
        ]
    }
}

extension Claim {
    /// The fields tools/calibrate and a pipeline gate read: statement, level, estimate, ci,
    /// p_value, p_adjusted, significant, estimand.
    public var json: JSONValue {
        [
            "statement": .string(statement), "quantity": .string(quantity.rawValue), "kind": .string(kind.rawValue),
            "level": level.map { .number(Double($0)) } ?? .null, "estimand": .string(estimand),
            "estimate": finite(estimate),
            "ci": interval.map { [finite($0.lowerBound), finite($0.upperBound)] } ?? .null,
            "null_value": nullValue.map(JSONValue.number) ?? .null,
            "p_value": .number(rounded(pValue)), "p_adjusted": .number(rounded(pAdjusted)), "significant": .bool(significant),
        ]
    }
}

extension Claim {
    /// The estimate's value under "no difference": 1 for ratios, 0 for excess errors, none for χ².
    var nullValue: Double? {
        switch quantity {
        case .relativeRisk, .stepRatio, .assistanceRatio: return 1
        case .sourceExcess: return 0
        case .heterogeneity, .raterHeterogeneity: return nil
        }
    }
}

extension ErrorSource {
    /// `{"name", "producer", "critic", "level", "kind", "entries", "audit", "rest", "compared_with", "excess", "induced", "ranked_errors"}`.
    public var json: JSONValue {
        var critic: JSONValue = .null
        if case .critic(let seq, let id) = producer { critic = ["id": .string(id), "seq": .number(Double(seq))] }
        return [
            "name": .string(name), "producer": .string(producer == .raters ? "raters" : "critic"), "critic": critic,
            "level": .number(Double(level)), "kind": .string(kind.rawValue), "entries": .number(Double(entries)),
            "audit": audit.json, "rest": rest.json, "compared_with": .string(comparedWith), "estimand": .string(estimand),
            "excess": [
                "value": .number(rounded(excess)),
                "ci95": [.number(rounded(excessInterval.lowerBound)), .number(rounded(excessInterval.upperBound))],
            ],
            "induced": induced.map { value in
                [
                    "value": .number(rounded(value)),
                    "ci95": inducedInterval.map { [.number(rounded($0.lowerBound)), .number(rounded($0.upperBound))] } ?? .null,
                ]
            } ?? .null,
            "ranked_errors": .number(rounded(rankedErrors)),
        ]
    }
}

extension RaterRates {
    /// `{"level", "statistic", "df", "p_value", "method", "raters": [{"rater", "audit"}]}`.
    public var json: JSONValue {
        [
            "level": .number(Double(level)), "statistic": .number(rounded(statistic)), "df": .number(Double(degreesOfFreedom)),
            "p_value": .number(rounded(pValue)), "method": .string(permuted ? "permutation" : "chi_square"),
            "raters": .array(raters.map { ["rater": .string($0.rater), "audit": $0.audit.json] }),
        ]
    }
}

/// Six significant digits: enough for every figure, stable in output, and a small p-value stays
/// itself (3.1e-9, not 0). Through decimal text, so the double printed is the short decimal.
func rounded(_ value: Double) -> Double {
    guard value.isFinite, value != 0 else { return value }
    return Double(String(format: "%.6g", value)) ?? value
}

private func byKind<Value>(_ values: [EventKind: Value], _ encode: (Value) -> JSONValue) -> JSONValue {
    byKind(values) { _, value in encode(value) }
}

private func byKind<Value>(_ values: [EventKind: Value], _ encode: (EventKind, Value) -> JSONValue) -> JSONValue {
    var object = JSONObject()
    for (kind, value) in values { object[kind.rawValue] = encode(kind, value) }
    return .object(object)
}

extension PropagationReport {
    /// Every figure of the report.
    public var json: JSONValue {
        let levels: [JSONValue] = self.levels.map { level in
            var errorTypes = JSONObject()
            for (type, count) in level.errorTypes { errorTypes[type] = .number(Double(count)) }
            return [
                "level": .number(Double(level.level)),
                "entries": byKind(level.entries) { .number(Double($0)) },
                "audits": byKind(level.audits) { kind, audit in audit.json(sampledFrom: level.entries[kind] ?? 0) },
                "exposure": [
                    "shown_wrong_critique": level.shownWrong.json, "shown_right_critique": level.shownRight.json,
                    "unpaired_assisted_labels": .number(Double(level.unpairedAssisted)),
                    "relative_risk": level.relativeRisk?.json ?? .null,
                ],
                "step": ["label": level.labelStep?.json ?? .null, "critique": level.critiqueStep?.json ?? .null],
                "inherited_share": .number(rounded(level.inheritedShare)),
                "error_types": .object(errorTypes),
            ]
        }
        let models: [JSONValue] = self.models.map { model in
            [
                "id": .string(model.id), "seq": .number(Double(model.seq)), "role": .string(model.role),
                "level": .number(Double(model.level)),
                "training_labels": .number(model.trainingLabels), "known_share": .number(rounded(model.knownShare)),
                "training_audit": model.trainingAudit.json, "produced": .number(Double(model.produced)),
                "produced_audit": model.producedAudit.json, "critiqued": .number(Double(model.critiqued)),
                "critiqued_audit": model.critiquedAudit.json,
            ]
        }
        let roots: [JSONValue] = rootErrors.map { root in
            var direct: [JSONValue] = []
            for level in root.direct.keys.sorted() {
                direct.append(["level": .number(Double(level)), "by_kind": byKind(root.direct[level] ?? [:]) { .number(Double($0)) }])
            }
            var weighted = JSONObject()
            for (level, value) in root.weighted { weighted[String(level)] = .number(rounded(value)) }
            return [
                "id": .string(root.id), "seq": .number(Double(root.seq)), "kind": .string(root.kind.rawValue),
                "level": .number(Double(root.level)),
                "error_type": root.errorType.map { .string($0) } ?? .null,
                "direct": .array(direct), "direct_total": .number(Double(root.directTotal)),
                "weighted_by_level": .object(weighted), "weighted_total": .number(rounded(root.weightedTotal)),
                "reachable_through_training": .number(Double(root.reachable)), "radius": .number(rounded(root.radius)),
                "models": .array(root.models.map { ["id": .string($0.id), "share": .number(rounded($0.share))] }),
            ]
        }
        let assistance: [JSONValue] = self.assistance.map { row in
            [
                "level": .number(Double(row.level)), "assisted": row.assisted.json, "unassisted": row.unassisted.json,
                "ratio": row.ratio?.json ?? .null, "induced": .number(Double(row.induced)), "caught": .number(Double(row.caught)),
                "sycophancy_findings": .number(Double(row.sycophancy)),
            ]
        }
        return [
            "basis": [
                "entries": .number(Double(basis.entries)),
                "head": ["seq": .number(Double(basis.head.seq)), "hash": .string(basis.head.hash.hex)],
                "verified": .bool(basis.verified), "deep": .bool(basis.deep),
                "checkpoint": basis.checkpoint.map { checkpoint in
                    [
                        "size": .number(Double(checkpoint.size)), "root_hash": .string(checkpoint.rootHash),
                        "origin": .string(checkpoint.origin),
                        "signed_at": .string(checkpoint.signedAt),
                    ]
                } ?? .null,
                "audited": .number(Double(basis.audited)), "seeds": .number(Double(basis.seeds)),
                "assumed_erroneous": basis.assumed.map { .string($0) } ?? .null,
            ],
            "levels": .array(levels),
            "multiplicity": [
                "method": "holm", "family_wise_alpha": .number(Claim.alpha), "claims": .number(Double(claims.count)),
                "holding": .number(Double(claims.filter(\.significant).count)),
            ],
            "claims": .array(claims.map(\.json)),
            "models": .array(models),
            "sources": .array(sources.map(\.json)),
            "raters": .array(raters.map(\.json)),
            "root_errors": .array(roots), "root_error_count": .number(Double(rootErrorCount)),
            "root_error_groups": .array(
                rootErrorGroups.map { group in
                    [
                        "name": .string(group.name), "kind": .string(group.kind.rawValue), "level": .number(Double(group.level)),
                        "producer": .string(group.producer), "error_type": group.errorType.map(JSONValue.string) ?? .null,
                        "count": .number(Double(group.count)), "largest_radius": .number(rounded(group.largestRadius)),
                        "smallest_radius": .number(rounded(group.smallestRadius)), "total_radius": .number(rounded(group.totalRadius)),
                        "examples": .array(group.examples.map(JSONValue.string)),
                    ]
                }),
            "assistance": .array(assistance),
        ]
    }
}
