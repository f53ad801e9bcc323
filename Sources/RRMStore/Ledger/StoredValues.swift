import Foundation
import GRDB
import RRMFormat

// Values read back from the ledger file, checked. The file may have been edited outside
// rrm-ledger (it is plain SQLite), so a kind, role or level this version does not know is a
// `LedgerError.malformedRow` naming where it was found, never a plausible default.

extension EventKind {
    /// The kind stored in a row's `kind` column.
    package init(stored text: String, table: String = "entry", row: Int64) throws(LedgerError) {
        guard let kind = EventKind(rawValue: text) else {
            throw .malformedRow(table: table, row: row, column: "kind", problem: "unknown kind \"\(text)\"")
        }
        self = kind
    }
}

extension LinkRole {
    /// The role stored in an `edge` row's `role` column; `row` is the link's child.
    package init(stored text: String, row: Int64) throws(LedgerError) {
        guard let role = LinkRole(rawValue: text) else {
            throw .malformedRow(table: "edge", row: row, column: "role", problem: "unknown link role \"\(text)\"")
        }
        self = role
    }
}

/// The level stored for entry `row` (in `entry_level`): a recursion level is from 0 to 2^31 − 1.
package func storedLevel(_ value: Int64, row: Int64) throws(LedgerError) -> Int32 {
    guard value >= 0, value <= Int64(Int32.max) else {
        throw .malformedRow(table: "entry_level", row: row, column: "level", problem: "level \(value) is outside 0…\(Int32.max)")
    }
    return Int32(value)
}

extension Row {
    /// Column `index` of this row of `table` (entry `row`), decoded with GRDB's throwing
    /// accessor: a NULL or a value of another type is a `LedgerError.malformedRow`, not a trap.
    package func stored<Value: DatabaseValueConvertible>(
        _ index: Int, _ column: String, table: String = "entry", row: Int64
    ) throws(LedgerError) -> Value {
        do {
            return try decode(Value.self, atIndex: index)
        } catch {
            throw .malformedRow(
                table: table, row: row, column: column,
                problem: "\(storedValueDescription(self[index])) where \(storedTypeName(Value.self)) belongs")
        }
    }

    /// A stored SHA-256 digest: exactly 32 bytes.
    package func storedDigest(_ index: Int, _ column: String, table: String = "entry", row: Int64) throws(LedgerError) -> SHA256Hash {
        let data: Data = try stored(index, column, table: table, row: row)
        guard let digest = SHA256Hash(bytes: data) else {
            throw .malformedRow(table: table, row: row, column: column, problem: "\(data.count) bytes where a SHA-256 digest has 32")
        }
        return digest
    }
}

extension RawStatement {
    /// A stored SHA-256 digest in column `index` of the current row of `table` (entry `row`):
    /// exactly 32 bytes, else a `LedgerError.malformedRow`.
    package func storedDigest(_ index: Int32, _ column: String, table: String = "entry", row: Int64) throws(LedgerError) -> SHA256Hash {
        let bytes = self.bytes(index)
        guard let digest = SHA256Hash(bytes: bytes) else {
            throw .malformedRow(table: table, row: row, column: column, problem: "\(bytes.count) bytes where a SHA-256 digest has 32")
        }
        return digest
    }
}

/// A stored value in a message: its type and a bounded rendering, since an edited row may hold
/// megabytes of text.
package func storedValueDescription(_ value: DatabaseValue) -> String {
    switch value.storage {
    case .null: return "NULL"
    case .int64(let number): return "the integer \(number)"
    case .double(let number): return "the real number \(number)"
    case .string(let text):
        let shown = text.unicodeScalars.count > 40 ? String(String.UnicodeScalarView(text.unicodeScalars.prefix(40))) + "…" : text
        return "the text \"\(shown)\" (\(text.utf8.count) bytes)"
    case .blob(let data): return "a blob of \(data.count) bytes"
    }
}

/// What a column read as `Value` must hold, in words.
private func storedTypeName<Value>(_: Value.Type) -> String {
    switch Value.self {
    case is Int64.Type, is Int64?.Type, is Int.Type, is Int?.Type: return "an integer"
    case is String.Type, is String?.Type: return "text"
    case is Data.Type, is Data?.Type: return "a blob"
    case is Bool.Type, is Bool?.Type: return "a truth value"
    default: return "a \(Value.self)"
    }
}
