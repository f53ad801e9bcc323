import Foundation
import GRDB
import RRMFormat

/// An entry as stored: its chain fields, its derived level, and its canonical body.
public struct StoredEntry: Sendable, Equatable {
    public let seq: Int64
    public let id: String
    public let kind: EventKind
    public let level: Int
    public let time: String
    /// The canonical JSON body, exactly the bytes that were hashed.
    public let body: String
    public let prevHash: SHA256Hash
    public let hash: SHA256Hash

    /// The columns, in the order `init(row:)` reads them, from `tables`:
    /// `SELECT \(columns) FROM \(tables) WHERE e.…`.
    static let columns = "e.seq, e.id, e.kind, l.level, e.time, e.body, e.prev_hash, e.hash"
    /// The entry (`e`) with its derived level (`l`), kept even when the level row is missing, so
    /// that `init(row:)` can say so rather than the entry vanish.
    static let tables = "entry e LEFT JOIN entry_level l ON l.seq = e.seq"

    /// - Throws: `LedgerError.missingLevel` when the entry has no level row, `.malformedRow`
    ///   when a column holds what the schema forbids.
    init(row: Row) throws(LedgerError) {
        let seq: Int64 = try row.stored(0, "seq", row: 0)
        self.seq = seq
        guard let storedLevelValue: Int64 = try row.stored(3, "level", table: "entry_level", row: seq) else {
            throw .missingLevel(seq: seq)
        }
        id = try row.stored(1, "id", row: seq)
        kind = try EventKind(stored: row.stored(2, "kind", row: seq), row: seq)
        level = Int(try storedLevel(storedLevelValue, row: seq))
        time = try row.stored(4, "time", row: seq)
        body = try row.stored(5, "body", row: seq)
        prevHash = try row.storedDigest(6, "prev_hash", row: seq)
        hash = try row.storedDigest(7, "hash", row: seq)
    }

    /// The body parsed back into JSON; a body that is not JSON (the file was edited) is refused.
    public func bodyValue() throws(LedgerError) -> JSONValue {
        do {
            return try JSONParser.parse(body)
        } catch {
            throw .malformedRow(table: "entry", row: seq, column: "body", problem: "not JSON: \(error.reason) at byte \(error.offset)")
        }
    }
}

/// One lineage link seen from one of its ends: the entry at the other end and the role.
public struct LinkedEntry: Sendable, Equatable {
    public let role: LinkRole
    public let seq: Int64
    public let id: String
    public let kind: EventKind
    public let level: Int
}
