import RRMFormat
import RRMStore

/// Lineage as Graphviz DOT, drawn for an auditor: entries grouped by level, filled by their
/// latest finding (erroneous, correct, not audited), a legend, large fans of dataset members
/// drawn as one node with counts, and a visible mark when the picture was cut at `--limit`.
public enum LineageDOT {
    /// What the picture needs besides the lineage answer.
    public struct Context: Sendable {
        /// The latest finding about each drawn entry that has one (`Ledger.latestFindings`).
        public var findings: [Int64: StoredEntry]
        /// How many entries the listing matched, drawn or not: the truncation mark says how many
        /// of them the picture holds.
        public var reached: Int
        /// A dataset drawn with more members than this has its members that link to nothing else
        /// in the picture drawn as one node per kind and level.
        public var fanLimit: Int

        public init(findings: [Int64: StoredEntry], reached: Int, fanLimit: Int = 8) {
            self.findings = findings
            self.reached = reached
            self.fanLimit = fanLimit
        }
    }

    /// The verdict an entry is drawn with.
    enum Verdict: String, CaseIterable {
        case erroneous, correct
        case unknown = "not audited"

        var fill: String {
            switch self {
            case .erroneous: "#f4a6a0"
            case .correct: "#b9e4c9"
            case .unknown: "#ffffff"
            }
        }
    }

    /// Fill colour of a node that stands for several members.
    static let summaryFill = "#eeeeee"

    /// A Graphviz digraph: one node per entry (kind, id, level and the latest finding's verdict
    /// and error type), in one cluster per level; one edge per link from the referencing entry to
    /// the referenced one, styled by link class.
    public static func render(_ answer: LineageAnswer, _ context: Context) -> String {
        let entries = answer.entries.values.sorted { $0.seq < $1.seq }
        let folded = FoldedFans(answer, limit: context.fanLimit)
        var lines = [
            "digraph lineage {",
            "  rankdir=BT; newrank=true;",
            "  graph [fontname=\"Helvetica\", fontsize=12, labelloc=t, label=\(dotString(title(answer, context)))];",
            "  node [fontname=\"Helvetica\", fontsize=10, style=filled, fillcolor=\"#ffffff\"];",
            "  edge [fontname=\"Helvetica\", fontsize=8];",
        ]
        var byLevel: [Int: [String]] = [:]
        for entry in entries where !folded.hidden.contains(entry.seq) {
            byLevel[entry.level, default: []].append(
                node(entry, finding: context.findings[entry.seq], highlight: entry.seq == answer.start.seq))
        }
        for group in folded.groups {
            let verdicts = group.members.map { verdict(of: context.findings[$0]) }
            let erroneous = verdicts.filter { $0 == .erroneous }.count
            let correct = verdicts.filter { $0 == .correct }.count
            let text =
                "\(group.members.count) \(group.kind.rawValue)s\nlevel \(group.level), members of \(group.datasetID)\n"
                + "\(erroneous) erroneous, \(correct) correct, \(group.members.count - erroneous - correct) not audited"
            byLevel[group.level, default: []].append(
                "    \(group.name) [shape=box, style=\"filled,rounded\", fillcolor=\"\(summaryFill)\", peripheries=2, label=\(dotString(text))];"
            )
        }
        for level in byLevel.keys.sorted() {
            lines.append("  subgraph cluster_level_\(level) {")
            lines.append("    label=\(dotString("level \(level)")); labeljust=l; style=rounded; color=\"#b0b0b0\"; fontsize=11;")
            lines += byLevel[level]!
            lines.append("  }")
        }
        for link in answer.links where !folded.hidden.contains(link.child) && !folded.hidden.contains(link.parent) {
            lines.append("  n\(link.child) -> n\(link.parent) [label=\(dotString(link.role.rawValue)), \(edgeStyle(link.role.linkClass))];")
        }
        for group in folded.groups {
            let style = edgeStyle(LinkRole.member.linkClass)
            lines.append("  n\(group.dataset) -> \(group.name) [label=\(dotString("member ×\(group.members.count)")), \(style)];")
        }
        if answer.truncated {
            lines.append(
                "  truncated [shape=note, color=\"#c0392b\", fontcolor=\"#c0392b\", fillcolor=\"#fff4f2\", label=\(dotString(truncationText(answer, context)))];"
            )
        }
        lines += legend()
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    static func title(_ answer: LineageAnswer, _ context: Context) -> String {
        let drawn = answer.listed.count
        let cut = answer.truncated ? " (truncated)" : ""
        return "lineage of \(answer.start.kind.rawValue) \(answer.start.id): \(drawn) of \(context.reached) entries reached drawn\(cut)"
    }

    static func truncationText(_ answer: LineageAnswer, _ context: Context) -> String {
        "TRUNCATED\n\(answer.listed.count) of \(context.reached) entries drawn (--limit);\n--all draws every one"
    }

    /// A finding's verdict, and how the picture writes it with its error type ("erroneous:
    /// sycophancy"); `nil` for a body with no verdict (an edited file).
    static func judgement(of finding: StoredEntry) -> (verdict: Verdict, text: String)? {
        guard let body = try? finding.bodyValue(), let said = body["verdict"]?.stringValue else { return nil }
        return (Verdict(rawValue: said) ?? .unknown, said + (body["error_type"]?.stringValue.map { ": \($0)" } ?? ""))
    }

    static func verdict(of finding: StoredEntry?) -> Verdict {
        finding.flatMap(judgement)?.verdict ?? .unknown
    }

    private static func node(_ entry: StoredEntry, finding: StoredEntry?, highlight: Bool) -> String {
        let shape: String
        switch entry.kind {
        case .model: shape = "box3d"
        case .output: shape = "note"
        case .critique: shape = "hexagon"
        case .label: shape = "ellipse"
        case .dataset: shape = "folder"
        case .finding: shape = "octagon"
        }
        let judged = finding.flatMap(judgement)
        let verdict = judged?.verdict ?? .unknown
        var text = "\(entry.kind.rawValue)\n\(entry.id)\nlevel \(entry.level)"
        if let finding, let judged, verdict != .unknown { text += "\n\(judged.text) (\(finding.id))" }
        if entry.kind == .finding, let own = judgement(of: entry) { text += "\nsays \(own.text)" }
        let bold = highlight ? ", penwidth=3" : ""
        return "    n\(entry.seq) [shape=\(shape)\(bold), fillcolor=\"\(verdict.fill)\", label=\(dotString(text))];"
    }

    private static func edgeStyle(_ linkClass: LinkClass) -> String {
        switch linkClass {
        case .evaluation: "color=\"#c0392b\""
        case .training: "color=\"#2c3e50\""
        case .version: "color=\"#7f8c8d\", style=dashed"
        case .audit: "color=\"#8e44ad\", style=dotted"
        }
    }

    /// One node with an HTML-like table: the fills and the edge classes.
    private static func legend() -> [String] {
        var rows = ["<tr><td colspan=\"2\"><b>legend</b></td></tr>"]
        for verdict in Verdict.allCases {
            let name = verdict == .unknown ? "not audited" : "latest finding: \(verdict.rawValue)"
            rows.append("<tr><td bgcolor=\"\(verdict.fill)\" border=\"1\" width=\"24\"></td><td align=\"left\">\(name)</td></tr>")
        }
        rows.append("<tr><td bgcolor=\"\(summaryFill)\" border=\"1\"></td><td align=\"left\">several dataset members, counted</td></tr>")
        for linkClass in LinkClass.allCases {
            let style = edgeStyle(linkClass)
            let color = style.split(separator: "\"")[1]
            let pattern = style.contains("dashed") ? " (dashed)" : style.contains("dotted") ? " (dotted)" : ""
            rows.append(
                "<tr><td><font color=\"\(color)\">━━</font></td><td align=\"left\"><font color=\"\(color)\">\(linkClass.rawValue) link\(pattern)</font></td></tr>"
            )
        }
        rows.append(
            "<tr><td colspan=\"2\" align=\"left\">shapes: model box, output note, critique hexagon,<br/>label ellipse, dataset folder, finding octagon</td></tr>"
        )
        return [
            "  legend [shape=plaintext, style=\"\", label=<<table border=\"1\" cellborder=\"0\" cellspacing=\"2\" cellpadding=\"2\">"
                + rows.joined() + "</table>>];"
        ]
    }

    /// A DOT string literal.
    static func dotString(_ text: String) -> String {
        var out = "\""
        for character in text {
            switch character {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default: out.append(character)
            }
        }
        return out + "\""
    }
}

/// The dataset members a picture draws as one node: for a dataset with more drawn members than
/// the limit, those members that link to nothing else drawn and are not the start, grouped by
/// kind and level. Members with other links stay, so no path through the picture is hidden.
struct FoldedFans {
    struct Group {
        let dataset: Int64
        let datasetID: String
        let kind: EventKind
        let level: Int
        let members: [Int64]
        var name: String { "fold\(dataset)_\(kind.rawValue)_\(level)" }
    }

    private(set) var groups: [Group] = []
    private(set) var hidden: Set<Int64> = []

    init(_ answer: LineageAnswer, limit: Int) {
        var degree: [Int64: Int] = [:]
        var membersOf: [Int64: [Int64]] = [:]
        for link in answer.links {
            degree[link.child, default: 0] += 1
            degree[link.parent, default: 0] += 1
            if link.role == .member { membersOf[link.child, default: []].append(link.parent) }
        }
        for (dataset, members) in membersOf.sorted(by: { $0.key < $1.key }) where members.count > limit {
            guard let datasetEntry = answer.entries[dataset] else { continue }
            var byKindLevel: [String: (EventKind, Int, [Int64])] = [:]
            for member in members where member != answer.start.seq && degree[member] == 1 && !hidden.contains(member) {
                guard let entry = answer.entries[member] else { continue }
                let key = "\(entry.kind.rawValue)/\(entry.level)"
                byKindLevel[key, default: (entry.kind, entry.level, [])].2.append(member)
            }
            for key in byKindLevel.keys.sorted() {
                let (kind, level, folded) = byKindLevel[key]!
                guard folded.count > 1 else { continue }
                groups.append(Group(dataset: dataset, datasetID: datasetEntry.id, kind: kind, level: level, members: folded))
                hidden.formUnion(folded)
            }
        }
    }
}
