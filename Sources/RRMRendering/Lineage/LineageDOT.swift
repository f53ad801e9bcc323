import RRMFormat
import RRMStore

/// Lineage as Graphviz DOT, covering the entries given and the links among them.
public enum LineageDOT {
    /// A Graphviz digraph: one node per entry (labelled with kind, id and level, shaped by kind),
    /// one edge per link from the referencing entry to the referenced one, styled by link class.
    public static func render(_ entries: [StoredEntry], links: [(child: Int64, role: LinkRole, parent: Int64)], highlight: Int64?) -> String
    {
        var lines = [
            "digraph lineage {", "  rankdir=BT;", "  node [fontname=\"Helvetica\", fontsize=10];",
            "  edge [fontname=\"Helvetica\", fontsize=8];",
        ]
        for entry in entries.sorted(by: { $0.seq < $1.seq }) {
            let shape: String
            switch entry.kind {
            case .model: shape = "box3d"
            case .output: shape = "note"
            case .critique: shape = "hexagon"
            case .label: shape = "ellipse"
            case .dataset: shape = "folder"
            case .finding: shape = "octagon"
            }
            let bold = entry.seq == highlight ? ", penwidth=3" : ""
            lines.append(
                "  n\(entry.seq) [shape=\(shape)\(bold), label=\(dotString("\(entry.kind.rawValue)\n\(entry.id)\nlevel \(entry.level)"))];")
        }
        for link in links {
            let style: String
            switch link.role.linkClass {
            case .evaluation: style = "color=\"#c0392b\""
            case .training: style = "color=\"#2c3e50\""
            case .version: style = "color=\"#7f8c8d\", style=dashed"
            case .audit: style = "color=\"#8e44ad\", style=dotted"
            }
            lines.append("  n\(link.child) -> n\(link.parent) [label=\(dotString(link.role.rawValue)), \(style)];")
        }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
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
