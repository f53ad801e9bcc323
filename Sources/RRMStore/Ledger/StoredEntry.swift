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
    public let prevHash: [UInt8]
    public let hash: [UInt8]

    /// The columns, in the order `init(row:)` reads them, from `tables`:
    /// `SELECT \(columns) FROM \(tables) WHERE e.…`.
    static let columns = "e.seq, e.id, e.kind, l.level, e.time, e.body, e.prev_hash, e.hash"
    /// The entry (`e`) with its derived level (`l`), kept even when the level row is missing, so
    /// that `init(row:)` can say so rather than the entry vanish.
    static let tables = "entry e LEFT JOIN entry_level l ON l.seq = e.seq"

    /// - Throws: `LedgerError.missingLevel` when the entry has no level row.
    init(row: Row) throws(LedgerError) {
        seq = row[0]
        guard let level: Int = row[3] else { throw .missingLevel(seq: seq) }
        id = row[1]
        kind = EventKind(rawValue: row[2]) ?? .model
        self.level = level
        time = row[4]
        body = row[5]
        prevHash = Array(row[6] as Data)
        hash = Array(row[7] as Data)
    }

    /// The body parsed back into JSON.
    public var bodyValue: JSONValue {
        (try? JSONParser.parse(body)) ?? .string(body)
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
