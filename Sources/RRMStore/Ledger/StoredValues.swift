import Foundation
import GRDB
import GRDBSQLite
import RRMFormat

// Values read back from the ledger file, checked. The file may have been edited outside
// rrm-ledger (it is plain SQLite), so a kind, role or level this version does not know is a
// `LedgerError.malformedRow` naming where it was found, never a plausible default.

extension EventKind {
    /// The kind stored in a row's `kind` column.
    package init(stored text: String, table: String = "entry", row: Int64) throws(LedgerError) {
        guard let kind = EventKind(rawValue: text) else {
            throw .malformedRow(table: table, row: row, column: "kind", problem: "unknown kind \"\(shownStoredText(text))\"")
        }
        self = kind
    }
}

extension LinkRole {
    /// The role stored in an `edge` row's `role` column; `row` is the link's child.
    package init(stored text: String, row: Int64) throws(LedgerError) {
        guard let role = LinkRole(rawValue: text) else {
            throw .malformedRow(table: "edge", row: row, column: "role", problem: "unknown link role \"\(shownStoredText(text))\"")
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
        // GRDB reads a real number into an integer type when it can (1.5 as 1), a plausible
        // value: an integer column must hold an integer.
        if Value.self is any BinaryInteger.Type {
            let stored: DatabaseValue = self[index]
            guard stored.isInteger else {
                throw .malformedRow(
                    table: table, row: row, column: column, problem: "\(storedValueDescription(stored)) where an integer belongs")
            }
        }
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
    /// An integer column of the current row of `table` (entry `row`): SQLite would read text or
    /// a blob as 0, a plausible value, so any other type is a `LedgerError.malformedRow`.
    package func storedInteger(_ index: Int32, _ column: String, table: String = "entry", row: Int64) throws(LedgerError) -> Int64 {
        guard isInteger(index) else {
            throw .malformedRow(
                table: table, row: row, column: column, problem: "\(storedValueDescription(index)) where an integer belongs")
        }
        return int64(index)
    }

    /// Column `index` of the current row, described as `storedValueDescription` describes values.
    package func storedValueDescription(_ index: Int32) -> String {
        switch type(index) {
        case SQLITE_NULL: return "NULL"
        case SQLITE_INTEGER: return "the integer \(int64(index))"
        case SQLITE_FLOAT: return "a real number"
        case SQLITE_TEXT: return "the text \"\(shownStoredText(string(index)))\""
        default: return "a blob of \(bytes(index).count) bytes"
        }
    }

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

/// Stored text as a message shows it: at most 40 characters, and its length when longer, since
/// an edited row may hold megabytes where an id or a kind belongs.
package func shownStoredText(_ text: some StringProtocol) -> String {
    let scalars = text.unicodeScalars
    guard scalars.count > 40 else { return String(text) }
    return String(String.UnicodeScalarView(scalars.prefix(40))) + "… (\(text.utf8.count) bytes)"
}

/// Stored bytes where a SHA-256 digest belongs, as a message shows them: hex when 32 bytes long.
package func shownStoredDigest(_ bytes: some Collection<UInt8>) -> String {
    bytes.count == SHA256Hash.byteCount ? Hex.encode(Array(bytes)) : "\(bytes.count) bytes, not a 32-byte digest"
}

/// A stored value in a message: its type and a bounded rendering, since an edited row may hold
/// megabytes of text.
package func storedValueDescription(_ value: DatabaseValue) -> String {
    switch value.storage {
    case .null: return "NULL"
    case .int64(let number): return "the integer \(number)"
    case .double(let number): return "the real number \(number)"
    case .string(let text): return "the text \"\(shownStoredText(text))\""
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

extension DatabaseValue {
    /// Whether SQLite stores this value as an integer.
    fileprivate var isInteger: Bool {
        if case .int64 = storage { return true }
        return false
    }
}
