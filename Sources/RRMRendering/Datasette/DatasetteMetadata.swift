import RRMFormat
import RRMStore

/// Datasette metadata for a ledger (`rrm-ledger datasette-metadata`, docs/AUDITING.md): search
/// configured on the views people search, every table and view described from the schema's own
/// comments (Schema/ledger.sql), column descriptions, and canned queries for the everyday
/// questions of an audit. Datasette names a database after its file without the extension, and
/// metadata is keyed by that name, so it is made for one ledger file.
public enum DatasetteMetadata {
    /// The views searched through the full-text index `entry_search` (Datasette's `?_search=`).
    static let searchedViews = ["critiques", "outputs", "findings", "search_content"]

    /// Descriptions of the views' columns that are not a body field of the same name.
    static let viewColumns: [String: String] = [
        "seq": "the entry's sequence number (1, 2, 3, …)", "id": "the entry's id", "level": "its recursion level",
        "time": "the event's time, UTC (as the pipeline sent it)", "kind": "the entry's kind",
        "attributes": "the event's free-form attributes (JSON)", "targets": "the ids it judges (a JSON list)",
        "entry_id": "the id of the audited entry", "finding_id": "the id of its latest finding", "verdict": "erroneous or correct",
        "hash": "the entry's chain hash, hex", "prev_hash": "the previous entry's chain hash, hex",
        "root": "the Merkle tree's root at this size, hex", "text": "a critique's text, an output's content or a finding's evidence",
        "claims": "a critique's claimed flaws, one per line",
    ]

    /// Canned queries: name, title, SQL, description.
    static let queries: [(name: String, title: String, sql: String, description: String)] = [
        (
            "search", "Search critiques, outputs and findings",
            """
            SELECT c.kind, c.id, snippet(entry_search, 0, '[', ']', '…', 16) AS text,
                   snippet(entry_search, 1, '[', ']', '…', 16) AS claims
            FROM entry_search JOIN search_content c ON c.seq = entry_search.rowid
            WHERE entry_search MATCH :q ORDER BY rank LIMIT 200
            """,
            "FTS5 query syntax, with English stemming (overflow finds overflows). Quote a term with punctuation: \"L1-critique\" (unquoted, FTS5 reads -critique as a column filter: no such column). claims: leaks searches the claims only."
        ),
        (
            "errors_by_level", "What did auditors find wrong, per level and error type?",
            """
            SELECT level, kind, error_type, count(*) AS entries FROM latest_finding
            WHERE verdict = 'erroneous' GROUP BY level, kind, error_type ORDER BY level, entries DESC
            """,
            "Latest findings only: a later finding about the same entry supersedes an earlier one."
        ),
        (
            "critiques_behind_wrong_labels", "Which critiques were shown to the raters of labels found erroneous?",
            """
            SELECT f.entry_id AS label, f.level, lc.critique_id, lc.critic_id, cf.verdict AS critique_verdict
            FROM latest_finding f JOIN label_critique lc ON lc.label_id = f.entry_id
            LEFT JOIN latest_finding cf ON cf.entry_id = lc.critique_id
            WHERE f.kind = 'label' AND f.verdict = 'erroneous' ORDER BY f.level, f.entry_id
            """,
            "critique_verdict is the critique's own latest verdict, when it was audited."
        ),
        (
            "links_of", "Every link of one entry, both ways",
            "SELECT * FROM lineage WHERE child_id = :id OR parent_id = :id ORDER BY link_class, role",
            "Follow an id (a target, a critique shown, a dataset member) by running this again with it; rrm-ledger lineage ID walks the whole closure."
        ),
        (
            "findings_about", "The findings about one entry, oldest first",
            "SELECT * FROM findings WHERE about = :id ORDER BY seq",
            "The last one is the entry's verdict (latest_finding)."
        ),
        (
            "entry", "One entry with its hashes in hex",
            "SELECT c.*, e.body FROM entry_chain c JOIN entry e ON e.seq = c.seq WHERE c.id = :id",
            "The body is the canonical JSON the chain hashes; rrm-ledger verify checks it, Datasette does not."
        ),
    ]

    /// What the typed views hold, which one comment above the first of them says for all.
    static let typedViews = [
        "models": "model", "outputs": "output", "critiques": "critique", "labels": "label", "datasets": "dataset",
        "findings": "finding",
    ]

    /// The metadata for the ledger file at `ledgerPath`, under the name Datasette gives it.
    public static func json(ledgerPath: String) throws -> JSONValue {
        let documented = SchemaComments(LedgerSchema.script)
        let schemaColumns = try LedgerSchema.columns()
        var tables = JSONObject()
        for (name, object) in documented.objects {
            var description = object.description
            if let kind = typedViews[name] {
                description = "One row per \(kind) entry, with its body's fields as columns (JSON where they are lists or objects)."
            }
            var table: JSONObject = ["description": .string(description)]
            var columns = JSONObject()
            for (column, text) in object.columns { columns[column] = .string(text) }
            for column in schemaColumns[name] ?? [] where columns[column] == nil {
                if let text = viewColumns[column] { columns[column] = .string(text) }
            }
            if !columns.isEmpty { table["columns"] = .object(columns) }
            if searchedViews.contains(name) {
                table["fts_table"] = "entry_search"
                table["fts_pk"] = "seq"
            }
            tables[name] = .object(table)
        }
        var canned = JSONObject()
        for query in queries {
            canned[query.name] = ["title": .string(query.title), "sql": .string(query.sql), "description": .string(query.description)]
        }
        let described: JSONObject = [
            "description": .string(
                "An rrm-ledger ledger (\(ledgerPath)): hash-chained entries of a recursive reward modelling pipeline. Datasette reads it; rrm-ledger verify proves it. Hashes are hex in entry_chain and checkpoints."
            ),
            "tables": .object(tables), "queries": .object(canned),
        ]
        return [
            "title": "rrm-ledger", "description": "Audit and provenance of a recursive reward modelling pipeline (docs/AUDITING.md)",
            "databases": .object(JSONObject([(key: databaseName(ledgerPath), value: .object(described))])),
        ]
    }

    /// Datasette's name for a database file: its name without the extension.
    public static func databaseName(_ path: String) -> String {
        let file = path.split(separator: "/").last.map(String.init) ?? path
        guard let dot = file.lastIndex(of: "."), dot != file.startIndex else { return file }
        return String(file[..<dot])
    }
}

/// The comments of Schema/ledger.sql: for each table and view the comment lines just above its
/// CREATE statement, and for each table column the comment at the end of its line.
struct SchemaComments {
    struct Object {
        var isView: Bool
        var description: String
        var columns: [(String, String)]
    }

    private(set) var objects: [(String, Object)] = []

    init(_ script: String) {
        var comment: [String] = []
        var open: (name: String, object: Object)?
        for raw in script.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if var current = open {
                if line.hasPrefix(")") || line.hasSuffix(";") {
                    objects.append((current.name, current.object))
                    open = nil
                } else if let column = Self.column(line) {
                    current.object.columns.append(column)
                    open = current
                }
                continue
            }
            if line.hasPrefix("--") {
                let text = line.dropFirst(2).trimmingCharacters(in: .whitespaces)
                if !text.hasPrefix("-") && !text.isEmpty { comment.append(text) }
                continue
            }
            if let (name, isView, isTable) = Self.created(line) {
                let object = Object(isView: isView, description: Self.sentence(comment, name: name), columns: [])
                if isTable && !line.hasSuffix(";") { open = (name, object) } else { objects.append((name, object)) }
            }
            comment = []
        }
    }

    /// `CREATE TABLE name (`, `CREATE VIEW name AS`, `CREATE VIRTUAL TABLE name …`.
    private static func created(_ line: String) -> (String, Bool, Bool)? {
        for (prefix, isView, isTable) in [
            ("CREATE TABLE ", false, true), ("CREATE VIEW ", true, false), ("CREATE VIRTUAL TABLE ", false, false),
        ] where line.hasPrefix(prefix) {
            let name = line.dropFirst(prefix.count).prefix { $0.isLetter || $0.isNumber || $0 == "_" }
            return name.isEmpty ? nil : (String(name), isView, isTable)
        }
        return nil
    }

    /// `name TYPE … -- comment` inside a CREATE TABLE.
    private static func column(_ line: String) -> (String, String)? {
        guard let marker = line.range(of: "-- ") else { return nil }
        let name = line.prefix { $0.isLetter || $0.isNumber || $0 == "_" }
        guard !name.isEmpty, name.uppercased() != "PRIMARY", name.uppercased() != "CHECK" else { return nil }
        return (String(name), String(line[marker.upperBound...]).trimmingCharacters(in: .whitespaces))
    }

    /// The comment block as one paragraph, without the leading "name:" the schema writes.
    private static func sentence(_ lines: [String], name: String) -> String {
        var text = lines.filter { !$0.hasPrefix("SELECT") && !$0.hasPrefix("JOIN") && !$0.hasPrefix("WHERE") }.joined(separator: " ")
        if text.hasPrefix(name + ": ") { text = String(text.dropFirst(name.count + 2)) }
        return text
    }
}
