import RRMFormat
import RRMStore

extension LineageAnswer {
    /// Every figure of the answer, with the query that produced it.
    package func json(_ query: LineageQuery) -> JSONValue {
        let answer = self
        func entryJSON(_ entry: StoredEntry?) -> JSONValue {
            guard let entry else { return .null }
            return [
                "seq": .number(Double(entry.seq)), "id": .string(entry.id), "kind": .string(entry.kind.rawValue),
                "level": .number(Double(entry.level)),
            ]
        }
        let listed: [JSONValue] = answer.listed.map { step in
            var object = entryJSON(answer.entries[step.seq]).objectValue ?? JSONObject()
            object["depth"] = .number(Double(step.depth))
            object["direction"] = .string(step.upstream ? "up" : "down")
            object["role"] = step.role.map { .string($0.rawValue) } ?? .null
            object["from"] = step.from.flatMap { answer.entries[$0] }.map { .string($0.id) } ?? .null
            return .object(object)
        }
        return [
            "start": entryJSON(answer.start), "direction": .string(query.direction.rawValue),
            "via": .array(LinkClass.allCases.filter { query.via.contains($0) }.map { .string($0.rawValue) }),
            "depth": query.maxDepth.map { .number(Double($0)) } ?? .null,
            "upstream": LevelKindTable.json(answer.upstreamCounts), "downstream": LevelKindTable.json(answer.downstreamCounts),
            "entries": .array(listed), "truncated": .bool(answer.truncated),
        ]
    }
}
