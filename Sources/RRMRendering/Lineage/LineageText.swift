import RRMFormat
import RRMStore

/// A lineage answer as text: counts per level and kind upstream and downstream, then the entries
/// as a tree, each under the entry it was reached from.
package enum LineageText {
    private static func describe(_ entry: StoredEntry?) -> String {
        guard let entry else { return "?" }
        return "\(entry.kind.rawValue) \"\(entry.id)\" (entry \(entry.seq), level \(entry.level))"
    }

    /// What `rrm-ledger lineage` prints: counts per level and kind each way, then the tree.
    package static func render(_ answer: LineageAnswer, _ query: LineageQuery, listing: LineageListing) -> String {
        var lines: [String] = []
        let classes = LinkClass.allCases.filter { query.via.contains($0) }.map(\.rawValue).joined(separator: ", ")
        lines.append("lineage of \(describe(answer.start)), via \(classes)\(query.maxDepth.map { ", at most \($0) links" } ?? "")")
        for (name, counts, shown) in [
            ("upstream: what influenced it", answer.upstreamCounts, query.direction != .down),
            ("downstream: what it influenced", answer.downstreamCounts, query.direction != .up),
        ] where shown {
            let total = counts.values.flatMap(\.values).reduce(0, +)
            lines.append("")
            lines.append("\(name): \(grouped(total)) entries")
            if total > 0 { lines += LevelKindTable.lines(counts, indent: "  ") }
        }
        lines.append("")
        let filter = [listing.kind.map { "kind \($0.rawValue)" }, listing.level.map { "level \($0)" }].compactMap { $0 }.joined(
            separator: ", ")
        lines.append("entries\(filter.isEmpty ? "" : " (\(filter))"), each under the entry it was reached from:")
        tree(answer, into: &lines)
        if answer.truncated {
            lines.append("… listing stopped at \(grouped(answer.listed.count)) entries (--limit); --all lists everything")
        }
        return lines.joined(separator: "\n")
    }

    /// The breadth-first tree, depth first, each entry indented under the one it was reached from.
    private static func tree(_ answer: LineageAnswer, into lines: inout [String]) {
        var children: [Int64: [LineageClosure.Step]] = [:]
        let listed = Set(answer.listed.map(\.seq))
        var roots: [LineageClosure.Step] = []
        for step in answer.listed {
            if let from = step.from, from != answer.start.seq, listed.contains(from) {
                children[from, default: []].append(step)
            } else {
                roots.append(step)
            }
        }
        func visit(_ step: LineageClosure.Step, _ indent: Int) {
            let arrow = step.upstream ? "→" : "←"
            let role = step.role?.rawValue ?? ""
            lines.append(
                String(repeating: "  ", count: indent)
                    + "\(arrow) \(role.padding(toLength: 15, withPad: " ", startingAt: 0)) \(describe(answer.entries[step.seq]))")
            for child in children[step.seq] ?? [] { visit(child, indent + 1) }
        }
        for root in roots { visit(root, 1) }
    }
}
