/// One of the tables derived from the entries (Schema/ledger.sql, "DERIVED DATA"): what append
/// writes beside each entry and `rebuild` can make anew.
public enum DerivedTable: String, Sendable, CaseIterable, Comparable {
    /// `edge`: the lineage links, one per reference an event makes.
    case edges
    /// `entry_level`: each entry's recursion level.
    case levels
    /// `entry_search`: the full-text index of critiques, outputs and findings.
    case search
    /// `merkle_node`: the Merkle tree's nodes, levels 1 and up.
    case merkle

    /// The table's name in the schema.
    public var tableName: String {
        switch self {
        case .edges: return "edge"
        case .levels: return "entry_level"
        case .search: return "entry_search"
        case .merkle: return "merkle_node"
        }
    }

    /// Whether deriving this table's rows needs each body decoded into an event.
    var needsEvents: Bool { self != .merkle }

    /// Whether deriving it needs each event's references resolved to earlier entries.
    var needsReferences: Bool { self == .edges || self == .levels }

    public static func < (lhs: DerivedTable, rhs: DerivedTable) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
