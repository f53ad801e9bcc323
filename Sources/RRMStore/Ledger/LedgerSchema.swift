/// Facts about the on-disk schema that the code relies on. The schema itself is Schema/ledger.sql.
///
/// The schema has two parts with a version each, as Fossil keeps them: the authoritative tables
/// (`entry`, `checkpoint`, `ledger_info`, `receipt`), whose version is `PRAGMA user_version`, and the derived
/// tables and views, whose version is `ledger_info.derived_schema` and which `rebuild` can drop and
/// re-derive from the entries at any time.
public enum LedgerSchema {
    /// The authoritative schema version this build writes (`PRAGMA user_version`). It changes only
    /// when `entry`, `checkpoint` or `ledger_info` change; an older ledger is upgraded in place
    /// when opened for writing (`LedgerMigration`) and read as it is otherwise.
    public static let version = 3
    /// The oldest authoritative version this build reads and upgrades.
    public static let oldestVersion = 1
    /// The layout of the derived tables this build writes and reads (`ledger_info.derived_schema`,
    /// set by the derived part of the schema script).
    public static let derivedVersion = 2
    /// `PRAGMA application_id` of every ledger: "RRML".
    public static let applicationID: Int32 = 0x5252_4D4C
    /// The format name recorded in `ledger_info`: the version of what is hashed and signed
    /// (docs/FORMAT.md), which neither schema version changes.
    public static let formatName = "rrm-ledger/1"

    /// Schema/ledger.sql, for what documents it (its comments describe every table and column).
    package static var script: String { sql }

    /// The lines of Schema/ledger.sql that open and close its derived part.
    static let derivedBegins = "-- DERIVED DATA BEGINS"
    static let derivedEnds = "-- DERIVED DATA ENDS"

    /// The derived part of the schema script, from its DERIVED DATA BEGINS line to its DERIVED DATA
    /// ENDS line: the statements `rebuild` runs again, inside its own transaction, after dropping
    /// `derivedObjects`.
    static let derivedSQL: String = {
        let lines = sql.split(separator: "\n", omittingEmptySubsequences: false)
        guard let begin = lines.firstIndex(of: Substring(derivedBegins)), let end = lines.firstIndex(of: Substring(derivedEnds)),
            begin < end
        else {
            preconditionFailure("Schema/ledger.sql has no \(derivedBegins) … \(derivedEnds) part")
        }
        return lines[begin...end].joined(separator: "\n")
    }()

    /// What a full `rebuild` drops: every object the derived part creates and every one it created
    /// in earlier layouts. Dropping a table drops its indexes and triggers, and a full-text table
    /// its shadow tables.
    static var derivedObjects: [(type: String, name: String)] { currentDerivedObjects + earlierDerivedObjects }

    /// Every object the derived part of this layout creates, views first (they name the tables).
    /// A test checks this list against a new ledger's schema.
    static let currentDerivedObjects: [(type: String, name: String)] =
        [
            "entry_count", "entry_chain", "checkpoints", "models", "outputs", "critiques", "labels", "datasets", "findings", "lineage",
            "label_critique", "latest_finding", "search_content",
        ].map { ("VIEW", $0) }
        + ["edge", "entry_level", "link_role", "entry_search", "merkle_node"].map { ("TABLE", $0) }

    /// Objects of earlier derived layouts that this one no longer has: layout 1's contentless
    /// index of critiques.
    static let earlierDerivedObjects: [(type: String, name: String)] = [("TABLE", "critique_search")]

    /// The authoritative tables, which nothing derived may replace.
    static let authoritativeTables = ["ledger_info", "entry", "checkpoint", "receipt"]

    /// The authoritative tables a ledger of `version` has (`receipt` came with version 3).
    static func authoritativeTables(ofVersion version: Int) -> [String] {
        version >= 3 ? authoritativeTables : authoritativeTables.filter { $0 != "receipt" }
    }

    /// The statements of Schema/ledger.sql that create `receipt` and its triggers, for the
    /// version 2 → 3 upgrade: taken from the script, so the upgraded table is the new one's.
    static let receiptSQL: String = {
        let lines = sql.split(separator: "\n", omittingEmptySubsequences: false)
        guard let begin = lines.firstIndex(where: { $0.hasPrefix("CREATE TABLE receipt") }),
            let end = lines[begin...].firstIndex(where: { $0.hasPrefix("-- ----") })
        else {
            preconditionFailure("Schema/ledger.sql has no receipt table before its derived part")
        }
        return lines[begin..<end].joined(separator: "\n")
    }()
}
