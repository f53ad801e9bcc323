import Foundation
import GRDB
import Testing

@testable import RRMFormat
@testable import RRMStore

/// A ledger of schema version 1 (each entry's level in `entry.level`) is upgraded in place to
/// version 2 (`entry_level`) when opened for writing, in one transaction, keeping every hash,
/// Merkle tree node, proof and checkpoint; opened read-only, it is read as it is, unchanged.
@Suite struct LedgerMigrationTests {
    /// The pipeline fixture with a signed checkpoint over all of it, as a current ledger (the
    /// source) and as the version-1 ledger holding the same rows (`path`).
    final class Pair {
        let source: TemporaryLedger
        let path: String
        let signer = TreeFixtures.signer()

        init() throws {
            source = try TemporaryLedger()
            try source.append(Fixture.pipeline)
            _ = try source.ledger.recordCheckpoint(signer: signer)
            path = source.folder.appendingPathComponent("version-1.sqlite").path
            try VersionOneLedger.make(at: path, from: source)
        }
    }

    @Test func theFixtureIsAVersionOneLedger() throws {
        let pair = try Pair()
        #expect(try VersionOneLedger.userVersion(pair.path) == 1)
        let levels = try DatabaseQueue(path: pair.path).read { db in
            try Int.fetchAll(db, sql: "SELECT level FROM entry ORDER BY seq")
        }
        #expect(levels == [0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1])
    }

    @Test func upgradingKeepsEveryHashNodeProofAndCheckpoint() throws {
        let pair = try Pair()
        let before = try VersionOneLedger.keptRows(pair.path)
        let (head, root, inclusion, consistency) = try Self.proofs(Ledger.open(at: pair.path, readOnly: true))
        #expect(try VersionOneLedger.userVersion(pair.path) == 1, "a read-only open changes nothing")

        let upgraded = try Ledger.open(at: pair.path)
        #expect(upgraded.upgradedFromVersion == 1)
        #expect(try VersionOneLedger.userVersion(pair.path) == LedgerSchema.version)
        #expect(try VersionOneLedger.keptRows(pair.path) == before)
        let after = try Self.proofs(upgraded)
        #expect(after.head == head)
        #expect(after.root == root)
        #expect(after.inclusion == inclusion)
        #expect(after.consistency == consistency)
        let verified = try InclusionProofBundle(parsing: after.inclusion).verify(with: pair.signer.verifier, origin: try upgraded.origin())
        #expect(verified.size == Int64(Fixture.entryCount))
        let report = try upgraded.verify(VerificationOptions(deep: true))
        #expect(report.isIntact, "\(report.faults)")
        #expect(report.head == head)
    }

    @Test func anUpgradedLedgerHasTheSchemaOfANewOne() throws {
        let pair = try Pair()
        _ = try Ledger.open(at: pair.path)
        let upgraded = try Self.schema(pair.path)
        let fresh = try Self.schema(pair.source.path)
        // The same objects; the derived ones (re-created by the upgrade) with the same text. The
        // authoritative tables keep the text they were created with, comments and all, so their
        // columns are compared instead.
        #expect(upgraded.objects.map(\.name) == fresh.objects.map(\.name))
        let authoritative = Set(LedgerSchema.authoritativeTables)
        #expect(upgraded.objects.filter { !authoritative.contains($0.table) } == fresh.objects.filter { !authoritative.contains($0.table) })
        #expect(upgraded.columns == fresh.columns)
        #expect(upgraded.columns["entry"] == ["seq", "id", "kind", "time", "body", "prev_hash", "hash"])
        #expect(upgraded.derivedVersion == "\(LedgerSchema.derivedVersion)")
        #expect(try pair.source.ledger.read { db in try Int.fetchOne(db, sql: "PRAGMA user_version") } == LedgerSchema.version)
    }

    @Test func aReadOnlyOpenReadsAVersionOneLedgerWithoutChangingIt() throws {
        let pair = try Pair()
        let bytes = FileManager.default.contents(atPath: pair.path)
        let ledger = try Ledger.open(at: pair.path, readOnly: true)
        #expect(ledger.upgradedFromVersion == nil)
        #expect(try ledger.entry(id: "label-1a").level == 1)
        #expect(try ledger.statistics() == pair.source.ledger.statistics())
        #expect(try ledger.parents(of: 11) == pair.source.ledger.parents(of: 11))
        let deep = try ledger.verify(VerificationOptions(deep: true))
        #expect(deep.isIntact, "\(deep.faults)")
        var entries: [StoredEntry] = []
        try ledger.forEachEntry(EntryFilter(level: 1)) { entries.append($0) }
        #expect(entries.map(\.id) == ["policy-1", "out-1a", "crit-1a", "label-1a", "finding-1", "finding-2"])
        #expect(try VersionOneLedger.userVersion(pair.path) == 1)
        #expect(FileManager.default.contents(atPath: pair.path) == bytes)
    }

    @Test func aVersionOneLedgerWhoseLevelWasForgedIsCaughtReadOnlyAndRepairedByTheUpgrade() throws {
        let pair = try Pair()
        try Tampering.forge(pair.path) { db in try db.execute(sql: "UPDATE entry SET level = 4 WHERE seq = 9") }
        let report = try Ledger.open(at: pair.path, readOnly: true).verify(VerificationOptions(deep: true))
        #expect(!report.isIntact)
        #expect(report.faults.allSatisfy { $0.kind == .derivedMismatch })
        #expect(report.faults.first?.message == "stored level is 4, but the level rule gives 1")
        #expect(report.firstDamagedSeq == 9)
        // The upgrade re-derives every level; the forged one is not carried over.
        let upgraded = try Ledger.open(at: pair.path)
        #expect(try upgraded.entry(id: "out-1a").level == 1)
        #expect(try upgraded.verify(VerificationOptions(deep: true)).isIntact)
    }

    @Test func anUpgradeOfALedgerThatDoesNotVerifyChangesNothing() throws {
        let pair = try Pair()
        try Tampering.forge(pair.path) { db in
            try db.execute(sql: "UPDATE entry SET body = replace(body, 'human:carol', 'human:mallory') WHERE seq = 11")
        }
        let before = try VersionOneLedger.keptRows(pair.path)
        let error = try #require(throws: LedgerError.self) { _ = try Ledger.open(at: pair.path) }
        guard case .upgradeRefused(let path, 1, 3, _, let first) = error else {
            Issue.record("not an upgrade refused: \(error)")
            return
        }
        #expect(path == pair.path)
        #expect(first.seq == 11)
        #expect(first.kind == .hashMismatch)
        #expect(try VersionOneLedger.userVersion(pair.path) == 1)
        #expect(try VersionOneLedger.keptRows(pair.path) == before)
        // Still readable, and verify says what is wrong.
        let report = try Ledger.open(at: pair.path, readOnly: true).verify()
        #expect(report.firstDamagedSeq == 11)
    }

    @Test func appendingAfterTheUpgradeExtendsTheChainAndTheSignedTree() throws {
        let pair = try Pair()
        let ledger = try Ledger.open(at: pair.path)
        let more = #"{"kind":"output","id":"out-1b","model":"policy-1","task":"parse","time":"2026-01-01T00:00:13Z"}"# + "\n"
        let summary = try ledger.append(from: MemoryByteSource(more))
        #expect(summary.firstSeq == 14)
        #expect(try ledger.entry(id: "out-1b").level == 1)
        let recording = try ledger.recordCheckpoint(signer: pair.signer)
        #expect(recording.checkpoint.size == 14)
        let proof = try ledger.consistencyProofBundle(oldSize: 13)
        #expect(throws: Never.self) { _ = try proof.verify(with: pair.signer.verifier, origin: try ledger.origin()) }
        #expect(try ledger.verify(VerificationOptions(deep: true)).isIntact)
        // Opening it again finds nothing to upgrade.
        #expect(try Ledger.open(at: pair.path).upgradedFromVersion == nil)
    }

    @Test func aLedgerOfAVersionBeforeOneIsRefused() throws {
        let pair = try Pair()
        try Tampering.forge(pair.path) { db in try db.execute(sql: "PRAGMA user_version = 0") }
        #expect(throws: LedgerError.notALedger(path: pair.path, detail: "schema version 0 is not one this tool can read")) {
            _ = try Ledger.open(at: pair.path, readOnly: true)
        }
    }

    // MARK: - Helpers

    /// The head, the root, the inclusion proof of entry 11 and the consistency proof from size 5,
    /// as a ledger gives them.
    static func proofs(_ ledger: Ledger) throws -> (head: ChainHead, root: SHA256Hash, inclusion: String, consistency: String) {
        (
            try ledger.head(), try ledger.rootHash(size: Int64(Fixture.entryCount)),
            try ledger.inclusionProofBundle(id: "label-1a").text, try ledger.consistencyProofBundle(oldSize: 5).text
        )
    }

    struct Schema {
        let objects: [SchemaObject]
        /// The columns of each authoritative table.
        let columns: [String: [String]]
        let derivedVersion: String?
    }

    struct SchemaObject: Equatable {
        let type: String
        let name: String
        let table: String
        let sql: String?
    }

    /// The schema objects of a ledger file, by name, read without rrm-ledger.
    static func schema(_ path: String) throws -> Schema {
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        return try queue.read { db in
            Schema(
                objects: try Row.fetchAll(db, sql: "SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY name").map {
                    SchemaObject(type: $0[0], name: $0[1], table: $0[2], sql: $0[3])
                },
                columns: try Dictionary(
                    uniqueKeysWithValues: LedgerSchema.authoritativeTables.map { table in
                        (table, try String.fetchAll(db, sql: "SELECT name FROM pragma_table_xinfo(?) ORDER BY cid", arguments: [table]))
                    }),
                derivedVersion: try String.fetchOne(db, sql: "SELECT value FROM ledger_info WHERE key = 'derived_schema'"))
        }
    }
}
