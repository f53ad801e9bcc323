import Foundation
import GRDB

@testable import RRMFormat
@testable import RRMStore

/// Ledgers of authoritative schema version 1, as rrm-ledger 0.1.0 wrote them: made from the
/// version-1 schema text kept in Tests/Fixtures/ledger-v1.sql, filled with the rows a version-1
/// append wrote (each entry's level in its `entry.level` column), taken from a current ledger
/// that the same events were appended to. The derivation did not change between the versions,
/// only where the level is stored.
enum VersionOneLedger {
    /// Writes a version-1 ledger at `path` holding everything `source` holds: entries with their
    /// levels, edges, Merkle tree nodes, checkpoints, the search index and `ledger_info` (but for
    /// the derived schema version, which version 1 did not record).
    static func make(at path: String, from source: TemporaryLedger) throws {
        let schema = try RepositoryFiles.text("Tests/Fixtures/ledger-v1.sql")
        let queue = try DatabaseQueue(path: path)
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: schema)
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "ATTACH DATABASE ? AS source", arguments: [source.path])
            try db.inTransaction {
                try db.execute(
                    sql: """
                        INSERT INTO main.ledger_info SELECT key, value FROM source.ledger_info WHERE key <> 'derived_schema';
                        INSERT INTO main.entry (seq, id, kind, level, time, body, prev_hash, hash)
                            SELECT e.seq, e.id, e.kind, l.level, e.time, e.body, e.prev_hash, e.hash
                            FROM source.entry e JOIN source.entry_level l ON l.seq = e.seq ORDER BY e.seq;
                        INSERT INTO main.edge SELECT child, role, parent FROM source.edge;
                        INSERT INTO main.merkle_node SELECT level, idx, hash FROM source.merkle_node;
                        INSERT INTO main.checkpoint SELECT size, root, note, signed_at FROM source.checkpoint;
                        INSERT INTO main.critique_search (rowid, text, claims)
                            SELECT seq, coalesce(json_extract(body, '$.text'), ''),
                                   coalesce((SELECT group_concat(json_extract(f.value, '$.claim'), char(10))
                                             FROM json_each(body, '$.findings') f), '')
                            FROM main.entry WHERE kind = 'critique';
                        """)
                return .commit
            }
            try db.execute(sql: "DETACH DATABASE source")
        }
        try queue.close()
    }

    /// Every row of the authoritative tables and of the Merkle tree, and each entry's level, as
    /// text: what an upgrade must keep exactly (the level moves, its value stays).
    static func keptRows(_ path: String) throws -> [String] {
        var configuration = Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        defer { try? queue.close() }
        return try queue.read { db in
            let levelSource =
                try Bool.fetchOne(db, sql: "SELECT count(*) > 0 FROM pragma_table_info('entry') WHERE name = 'level'")!
                ? "SELECT seq, level FROM entry" : "SELECT seq, level FROM entry_level"
            let queries = [
                "SELECT 'entry', seq, id, kind, time, hex(CAST(body AS BLOB)), hex(prev_hash), hex(hash) FROM entry ORDER BY seq",
                "SELECT 'level', * FROM (\(levelSource)) ORDER BY seq",
                "SELECT 'node', level, idx, hex(hash) FROM merkle_node ORDER BY level, idx",
                "SELECT 'checkpoint', size, hex(root), note, signed_at FROM checkpoint ORDER BY size",
                "SELECT 'info', key, value FROM ledger_info WHERE key <> 'derived_schema' ORDER BY key",
                "SELECT 'edge', child, role, parent FROM edge ORDER BY child, role, parent",
            ]
            return try queries.flatMap { sql in try Row.fetchAll(db, sql: sql).map { "\($0)" } }
        }
    }

    /// `PRAGMA user_version` of the file, read without rrm-ledger.
    static func userVersion(_ path: String) throws -> Int {
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        return try queue.read { db in try Int.fetchOne(db, sql: "PRAGMA user_version")! }
    }
}
