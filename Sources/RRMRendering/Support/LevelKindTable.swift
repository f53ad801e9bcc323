import RRMFormat

/// Counts per level (rows) and kind (columns), as tables and as JSON.
package enum LevelKindTable {
    /// The table as lines of text, each starting with `indent`.
    package static func lines(_ counts: [Int: [EventKind: Int]], indent: String = "") -> [String] {
        let kinds = EventKind.allCases
        let header = ["level"] + kinds.map(\.rawValue) + ["total"]
        var rows: [[String]] = counts.keys.sorted().map { level in
            let perKind = counts[level] ?? [:]
            return [String(level)] + kinds.map { grouped(perKind[$0] ?? 0) } + [grouped(perKind.values.reduce(0, +))]
        }
        rows.append(
            ["all"] + kinds.map { kind in grouped(counts.values.map { $0[kind] ?? 0 }.reduce(0, +)) } + [
                grouped(counts.values.flatMap(\.values).reduce(0, +))
            ])
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max()! }
        func format(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                index == 0
                    ? cell.padding(toLength: widths[0], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[index] - cell.count) + cell
            }.joined(separator: "  ")
        }
        return ([header] + rows).map { indent + format($0) }
    }

    package static func json(_ counts: [Int: [EventKind: Int]]) -> JSONValue {
        let levels: [JSONValue] = counts.keys.sorted().map { level in
            var byKind = JSONObject()
            for (kind, count) in counts[level] ?? [:] { byKind[kind.rawValue] = .number(Double(count)) }
            return [
                "level": .number(Double(level)), "by_kind": .object(byKind),
                "total": .number(Double((counts[level] ?? [:]).values.reduce(0, +))),
            ]
        }
        return ["total": .number(Double(counts.values.flatMap(\.values).reduce(0, +))), "by_level": .array(levels)]
    }
}
