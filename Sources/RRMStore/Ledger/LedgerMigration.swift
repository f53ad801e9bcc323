import GRDB
import RRMFormat

/// Brings a ledger of an older authoritative schema (`PRAGMA user_version`) to this build's, in
/// place and in one transaction, when it is opened for writing; lets one opened read-only be read
/// as it is, unchanged.
///
/// Version 2 → 3: the table `receipt` (the ledger's time of receipt of each batch) is created,
/// empty: earlier entries have no receipt. Nothing else changes.
///
/// Version 1 → 2: `entry.level`, derived but stored in the authoritative table, moves out of it.
/// The upgrade drops the derived objects (the views name the column), drops the column (SQLite
/// rewrites each row without it, every other byte unchanged), sets `user_version`, then runs a
/// full rebuild in the same transaction: the derived tables are created in this build's layout
/// and re-derived from the entries, and the whole ledger is checked as `verify --deep` checks
/// it before anything commits. Entry hashes never covered the level (docs/FORMAT.md), so every
/// hash, Merkle tree node, proof and checkpoint stays valid. A ledger that does not verify is not
/// upgraded (`LedgerError.upgradeRefused`) and stays readable. The upgrade costs about as much
/// as a `rebuild`: one pass over the entries, and one rewrite of the entry table.
enum LedgerMigration {
    /// Upgrades the ledger to `LedgerSchema.version` unless another process did it first (both
    /// take the write lock); returns the version it upgraded from, or `nil`.
    static func upgrade(_ queue: DatabaseQueue, path: String) throws -> Int? {
        try queue.writeWithoutTransaction { db -> Int? in
            var upgradedFrom: Int?
            try db.inTransaction(.immediate) {
                let version = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
                guard version < LedgerSchema.version else { return .commit }
                guard version == 1 || version == 2 else {
                    throw LedgerError.notALedger(path: path, detail: "schema version \(version) is not one this tool can upgrade")
                }
                try db.execute(sql: LedgerSchema.receiptSQL)
                try db.execute(sql: "PRAGMA user_version = \(LedgerSchema.version)")
                if version == 1 {
                    let rebuild = DerivedDataRebuild(db: db, path: path)
                    try rebuild.dropDerivedObjects()
                    try db.execute(sql: "ALTER TABLE entry DROP COLUMN level")
                    do {
                        _ = try rebuild.run(Set(DerivedTable.allCases))
                    } catch LedgerError.rebuildRefused(_, let count, let first) {
                        throw LedgerError.upgradeRefused(
                            path: path, from: version, to: LedgerSchema.version, faultCount: count, first: first)
                    }
                }
                upgradedFrom = version
                return .commit
            }
            return upgradedFrom
        }
    }

    /// Makes a ledger of an older version readable as this build reads a current one, on one
    /// read-only connection, without writing to it: for version 1, a temporary view
    /// `entry_level` over the old `entry.level` column (temporary objects live in the
    /// connection's own temp schema, and an unqualified name finds them first). The version-1
    /// views read the column directly and answer as before.
    static func readAsItIs(_ db: Database, version: Int) throws {
        // Before version 3 there were no receipts: an empty temporary table answers for them.
        if version < 3 {
            try db.execute(sql: "CREATE TEMP TABLE receipt (first_seq INTEGER PRIMARY KEY, last_seq INTEGER, received_at TEXT)")
        }
        switch version {
        case 1:
            try db.execute(sql: "CREATE TEMP VIEW entry_level AS SELECT seq, level FROM main.entry")
        case 2:
            break
        default:
            preconditionFailure("no way to read schema version \(version)")
        }
    }
}
