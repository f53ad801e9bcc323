import Foundation
import GRDB
import RRMFormat

/// Makes derived tables anew from the entries, inside a write transaction its caller holds, then
/// checks the result with `verify --deep`'s own checks before the caller commits.
///
/// A full rebuild drops every derived object (`LedgerSchema.derivedObjects`) and runs the derived
/// part of the schema again, so it also brings a ledger of another derived layout to this
/// build's, and restores a view or index someone dropped or redefined. A rebuild of some tables
/// empties only those. Either way the entries are streamed once in sequence order through the
/// appender's own derivation (`EventDecoder`, `ReferenceResolver`, `LevelRule`,
/// `DerivedDataWriter` with its `MerkleFrontier`): memory stays flat whatever the ledger's size.
/// Then `ChainScan` with `DerivedDataCheck` and `MerkleTreeCheck` re-read everything, as
/// `verify --deep` does; any fault throws, and the caller's transaction rolls back.
struct DerivedDataRebuild {
    let db: Database
    let path: String

    /// Rebuilds `tables` (all of them: a full rebuild) and checks the ledger.
    /// - Throws: `LedgerError.rebuildRefused` with the first fault when an entry cannot be
    ///   derived or the check finds anything wrong; `.derivedSchemaMismatch` for a partial
    ///   rebuild of a ledger whose derived layout is not this build's.
    func run(_ tables: Set<DerivedTable>) throws -> RebuildSummary {
        let start = Date()
        let full = tables == Set(DerivedTable.allCases)
        if full {
            try dropDerivedObjects()
            try db.execute(sql: LedgerSchema.derivedSQL)
        } else {
            try requireCurrentDerivedLayout()
            for table in tables.sorted() { try empty(table) }
        }
        let (entries, rows) = try derive(tables)
        let derived = Date()
        try check(rebuiltSearch: tables.contains(.search))
        return RebuildSummary(
            tables: tables.sorted(), rows: rows, entries: entries, head: try Ledger.head(db),
            deriveSeconds: derived.timeIntervalSince(start), checkSeconds: Date().timeIntervalSince(derived))
    }

    /// Drops the derived objects of this layout and of earlier ones, views first (they name the
    /// tables), then tables that reference others before those they reference.
    func dropDerivedObjects() throws {
        for object in LedgerSchema.derivedObjects {
            try db.execute(sql: "DROP \(object.type) IF EXISTS \(object.name)")
        }
    }

    private func requireCurrentDerivedLayout() throws {
        let found = try String.fetchOne(db, sql: "SELECT value FROM ledger_info WHERE key = 'derived_schema'").flatMap { Int($0) }
        guard found == LedgerSchema.derivedVersion else {
            throw LedgerError.derivedSchemaMismatch(path: path, found: found, supported: LedgerSchema.derivedVersion)
        }
    }

    private func empty(_ table: DerivedTable) throws {
        switch table {
        case .search:
            // An external-content full-text table is emptied with 'delete-all' (its content is a view).
            try db.execute(sql: "INSERT INTO entry_search (entry_search) VALUES ('delete-all')")
        case .edges, .levels, .merkle:
            try db.execute(sql: "DELETE FROM \(table.tableName)")
        }
    }

    /// A fault that stops the derivation at one entry.
    private struct Stop: Error {
        let fault: ChainFault
    }

    /// Streams every entry in sequence order through the derivation; returns the entries read
    /// and the rows written per table.
    private func derive(_ tables: Set<DerivedTable>) throws -> (Int64, [DerivedTable: Int64]) {
        let needsEvents = tables.contains { $0.needsEvents }
        let needsReferences = tables.contains { $0.needsReferences }
        let resolver = try ReferenceResolver(db)
        var writer = try DerivedDataWriter(db, tables: tables, tree: MerkleFrontier())
        resolver.beforeLookup = writer.beforeReadingLevels
        let rows = try RawStatement(db, "SELECT seq, body, hash FROM entry ORDER BY seq")
        defer { rows.reset() }
        var expected: Int64 = 1
        do {
            while try rows.step() {
                let seq = rows.int64(0)
                guard seq >= expected else {
                    throw Stop(
                        fault: ChainFault(
                            seq: seq, kind: .insertedEntries, message: "sequence numbers start at 1: the row was inserted by hand"))
                }
                guard seq == expected else { throw Stop(fault: .missing(expected, through: seq - 1)) }
                expected += 1
                if needsEvents {
                    let event = try decode(seq: seq, body: rows.bytes(1))
                    let referenced = needsReferences ? try resolve(event, seq: seq, resolver) : []
                    let level = try writer.writeLineage(seq: seq, event: event, referenced: referenced)
                    if tables.contains(.levels) {
                        // Later references find the level just derived; with the levels left as they
                        // were, the resolver reads the stored ones.
                        resolver.remember(event.id, ResolvedEntry(seq: seq, kind: event.kind, level: level, modelRole: event.modelRole))
                    }
                }
                try writer.appendLeaf(entryHash: rows.bytes(2))
            }
        } catch let stop as Stop {
            throw LedgerError.rebuildRefused(path: path, faultCount: 1, first: stop.fault)
        }
        try writer.finish()
        return (expected - 1, writer.rows)
    }

    /// The event a stored body holds, as `verify --deep` decodes it.
    private func decode(seq: Int64, body: UnsafeRawBufferPointer) throws -> Event {
        do {
            let value = try JSONParser.parse(body.assumingMemoryBound(to: UInt8.self))
            return try EventDecoder.decode(value, appendTime: "")
        } catch {
            throw Stop(fault: ChainFault(seq: seq, kind: .invalidBody, message: "body is not a valid event: \(error)"))
        }
    }

    /// The entries `event`'s references name, each earlier than `seq` and of a kind its role
    /// accepts, as append required when the entry was written.
    private func resolve(_ event: Event, seq: Int64, _ resolver: ReferenceResolver) throws -> [ResolvedEntry] {
        let referenced: [ResolvedEntry]
        do {
            referenced = try resolver.resolveReferences(of: event)
        } catch let error as EventError {
            throw Stop(fault: ChainFault(seq: seq, kind: .derivedMismatch, message: "its references do not resolve: \(error)"))
        } catch LedgerError.missingLevel(let parent) {
            // A later entry (whose level is not derived yet), or an earlier one whose stored level
            // is missing while the levels are not being rebuilt.
            let problem = parent >= seq ? "which is not earlier" : "which has no level (rebuild the levels too)"
            throw Stop(fault: ChainFault(seq: seq, kind: .derivedMismatch, message: "a reference names entry \(parent), \(problem)"))
        }
        for (reference, parent) in zip(event.references, referenced) where parent.seq >= seq {
            throw Stop(
                fault: ChainFault(
                    seq: seq, kind: .derivedMismatch,
                    message: "\(reference.path) names \"\(reference.id)\", entry \(parent.seq), which is not earlier"))
        }
        return referenced
    }

    /// Re-reads everything as `verify --deep` does (the chain, the columns, every entry's
    /// derived rows, the Merkle tree and the recorded checkpoints) and, when the search index was
    /// rebuilt, runs its own integrity check.
    private func check(rebuiltSearch: Bool) throws {
        let lastSeq = try Int64.fetchOne(db, sql: "SELECT max(seq) FROM entry") ?? 0
        var scan = ChainScan(previousHash: ChainHash.genesis, nextSeq: 1, checkColumns: true)
        scan.derivedCheck = try DerivedDataCheck(db)
        try scan.run(db, from: 1, through: lastSeq)
        var tree = MerkleTreeCheck()
        try tree.run(db)
        var faults = scan.faults + tree.faults
        var count = scan.faultCount + tree.faultCount
        if rebuiltSearch {
            do {
                // The index's own structure. (With rank 1 FTS5 would also compare it with its
                // content view, but SQLite 3.40 fails that on a view with a json_each subquery;
                // the index is filled from that view, so the two agree by construction.)
                try db.execute(sql: "INSERT INTO entry_search (entry_search) VALUES ('integrity-check')")
            } catch let error as DatabaseError {
                faults.append(
                    ChainFault(
                        seq: nil, kind: .storage, message: "the rebuilt search index fails its integrity check: \(error.message ?? "")"))
                count += 1
            }
        }
        if let first = ChainFault.merged(faults).first {
            throw LedgerError.rebuildRefused(path: path, faultCount: count, first: first)
        }
    }
}

/// What `rebuild` did.
public struct RebuildSummary: Sendable, Equatable {
    /// The tables made anew, in `DerivedTable` order.
    public let tables: [DerivedTable]
    /// Rows written per table rebuilt.
    public let rows: [DerivedTable: Int64]
    /// Entries read.
    public let entries: Int64
    /// The ledger's head, unchanged by the rebuild.
    public let head: ChainHead
    /// Seconds spent deriving, and checking the result before commit.
    public let deriveSeconds: Double
    public let checkSeconds: Double
}
