import Foundation
import GRDB
import Testing

@testable import RRMFormat
@testable import RRMStore

/// The bulk writer of append's derived rows: every row lands once, in order, with its texts,
/// whether it went out in a full statement, a partial one, or when the hold filled.
@Suite struct BulkInsertTests {
    private static func table() throws -> DatabaseQueue {
        let queue = try DatabaseQueue()
        try queue.write { try $0.execute(sql: "CREATE TABLE t (n INTEGER NOT NULL, role TEXT NOT NULL, m INTEGER NOT NULL) STRICT") }
        return queue
    }

    private static func rows(_ queue: DatabaseQueue) throws -> [[String]] {
        try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT n, role, m FROM t ORDER BY rowid").map { ["\($0[0] as Int64)", $0[1], "\($0[2] as Int64)"] }
        }
    }

    @Test func writesEveryRowInOrderAcrossFullAndPartialStatements() throws {
        let queue = try Self.table()
        let count = BulkInsert.rowsPerStatement * 2 + 7
        try queue.write { db in
            let insert = try BulkInsert(
                db, table: "t", columns: [.integer("n"), .text("role", texts: ["base", "member", "about"]), .integer("m")])
            for n in 0..<count { try insert.add(Int64(n), Int64(n % 3), Int64(-n)) }
            #expect(insert.rowsWritten == 0)  // held, not written, below the hold limit
            try insert.flush()
            #expect(insert.rowsWritten == Int64(count))
            try insert.flush()  // nothing held: writes nothing
            #expect(insert.rowsWritten == Int64(count))
        }
        let rows = try Self.rows(queue)
        #expect(rows.count == count)
        #expect(rows == (0..<count).map { ["\($0)", ["base", "member", "about"][$0 % 3], "\(-$0)"] })
    }

    /// Flushes of a few rows (one before each resolver lookup in SQLite) reuse one statement;
    /// every row still lands once, in order.
    @Test func manySmallFlushesWriteEveryRowOnce() throws {
        let queue = try Self.table()
        try queue.write { db in
            let insert = try BulkInsert(db, table: "t", columns: [.integer("n"), .text("role", texts: ["a", "b"]), .integer("m")])
            var n: Int64 = 0
            for size in [1, 2, BulkInsert.rowsForAPreparedRemainder - 1, BulkInsert.rowsForAPreparedRemainder, 3] {
                for _ in 0..<size {
                    try insert.add(n, n % 2, n * 10)
                    n += 1
                }
                try insert.flush()
                #expect(insert.rowsWritten == n)
            }
        }
        let rows = try Self.rows(queue)
        #expect(rows == (0..<rows.count).map { ["\($0)", ["a", "b"][$0 % 2], "\($0 * 10)"] })
        #expect(rows.count == 1 + 2 + (BulkInsert.rowsForAPreparedRemainder - 1) + BulkInsert.rowsForAPreparedRemainder + 3)
    }

    @Test func writesWhenTheHoldFillsWithoutBeingAsked() throws {
        let queue = try DatabaseQueue()
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE p (a INTEGER NOT NULL, b INTEGER NOT NULL) STRICT")
            let insert = try BulkInsert(db, table: "p", columns: [.integer("a"), .integer("b")])
            for a in 0..<(BulkInsert.holdLimit + 3) { try insert.add(Int64(a), Int64(a) * 2) }
            #expect(insert.rowsWritten == Int64(BulkInsert.holdLimit))
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM p") == BulkInsert.holdLimit)
            try insert.flush()
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM p") == BulkInsert.holdLimit + 3)
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM p WHERE b != 2 * a") == 0)
        }
    }

    @Test func writesHashesWithTheirRows() throws {
        let queue = try DatabaseQueue()
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE h (a INTEGER NOT NULL, b INTEGER NOT NULL, hash BLOB NOT NULL) STRICT")
            let insert = try BulkInsert(db, table: "h", columns: [.integer("a"), .integer("b"), .hash("hash")])
            let count = BulkInsert.rowsPerStatement + 3
            for a in 0..<count {
                try Array(repeating: UInt8(a % 256), count: 32).withUnsafeBytes { try insert.add(Int64(a), Int64(a + 1), hash: $0) }
            }
            try insert.flush()
            let rows = try Row.fetchAll(db, sql: "SELECT a, b, hash FROM h ORDER BY rowid")
            #expect(rows.count == count)
            for (a, row) in rows.enumerated() {
                #expect(row[0] as Int64 == Int64(a) && row[1] as Int64 == Int64(a + 1))
                #expect((row[2] as Data) == Data(repeating: UInt8(a % 256), count: 32))
            }
        }
    }

    /// A level held for bulk writing must be in `entry_level` before the resolver reads it from
    /// SQLite (as it does for an id its cache no longer holds): otherwise the entry would read as
    /// damaged derived data.
    @Test func theResolverFindsALevelStillHeld() throws {
        let queue = try DatabaseQueue()
        try queue.writeWithoutTransaction { try $0.execute(sql: LedgerSchema.sql) }
        try queue.write { db in
            let model = try EventDecoder.decode(
                try JSONParser.parse(Array(#"{"kind":"model","id":"m","time":"2026-01-01T00:00:00Z","level":2,"role":"policy"}"#.utf8)),
                appendTime: "")
            try db.execute(
                sql:
                    "INSERT INTO entry (seq, id, kind, time, body, prev_hash, hash) VALUES (1, 'm', 'model', ?, ?, zeroblob(32), zeroblob(32))",
                arguments: [model.time, String(decoding: model.body, as: UTF8.self)])
            var writer = try DerivedDataWriter(db, tables: [.edges, .levels], tree: MerkleFrontier())
            #expect(try writer.writeLineage(seq: 1, event: model, referenced: []) == 2)
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM entry_level") == 0)  // held

            let resolver = try ReferenceResolver(db)
            resolver.beforeLookup = writer.beforeReadingLevels
            let resolved = try #require(try resolver.resolve("m"))
            #expect(resolved.seq == 1 && resolved.level == 2 && resolved.modelRole == "policy")
            try writer.finish()
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM entry_level") == 1)
        }
    }
}
