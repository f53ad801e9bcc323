import RRMAnalysis
import RRMFormat

extension ErrorTrace {
    /// Every figure of the trace; `verified` says whether the chain was verified first.
    package func json(verified: Bool) -> JSONValue {
        let trace = self
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
