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

    /// The columns, in the order `init(row:)` reads them.
    static let columns = "seq, id, kind, level, time, body, prev_hash, hash"

    init(row: Row) {
        seq = row[0]
        id = row[1]
        kind = EventKind(rawValue: row[2]) ?? .model
        level = row[3]
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
