import GRDB

extension LedgerSchema {
    /// The columns of every table and view of this build's schema, in order: read from an
    /// in-memory database made from the schema script, so that documentation of the views
    /// (Datasette's metadata) names exactly the columns they have.
    package static func columns() throws -> [String: [String]] {
        let queue = try DatabaseQueue()
        return try queue.inDatabase { db in  // the script holds its own BEGIN and COMMIT
            try db.execute(sql: script)
            var columns: [String: [String]] = [:]
            let names = try String.fetchAll(
                db, sql: "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'entry_search_%'")
            for name in names {
                columns[name] = try Row.fetchAll(db, sql: "SELECT name FROM pragma_table_info(?)", arguments: [name]).map { $0[0] }
            }
            return columns
        }
    }
}
