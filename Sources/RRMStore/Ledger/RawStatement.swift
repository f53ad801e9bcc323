import GRDB
import GRDBSQLite

/// A prepared statement driven through the SQLite C API, for the loops that touch every entry
/// (append, verify), where GRDB's per-call argument boxing would dominate. GRDB still prepares,
/// owns and finalizes the statement; this adds bind, step and column access without copies.
package struct RawStatement {
    private let statement: Statement
    private let database: Database

    package init(_ db: Database, _ sql: String) throws {
        self.statement = try db.makeStatement(sql: sql)
        self.database = db
    }

    private var handle: SQLiteStatement { statement.sqliteStatement }

    package func bind(_ index: Int32, _ value: Int64) {
        sqlite3_bind_int64(handle, index, value)
    }

    /// Binds text the statement copies (SQLITE_TRANSIENT), so the Swift string may go away.
    func bind(_ index: Int32, _ text: String) {
        var text = text
        text.withUTF8 { utf8 in bindText(index, UnsafeRawBufferPointer(utf8)) }
    }

    /// Binds UTF-8 bytes as text, copied.
    func bindText(_ index: Int32, _ bytes: UnsafeRawBufferPointer) {
        // SQLite reads a NULL pointer as SQL NULL, so empty text needs a real (if unread) address.
        let base = bytes.baseAddress ?? UnsafeRawPointer(Self.emptyText)
        sqlite3_bind_text(handle, index, base.assumingMemoryBound(to: CChar.self), Int32(bytes.count), SQLITE_TRANSIENT)
    }

    nonisolated(unsafe) private static let emptyText: UnsafeMutableRawPointer = .allocate(byteCount: 1, alignment: 1)  // never written

    /// Binds bytes as a blob, copied.
    func bindBlob(_ index: Int32, _ bytes: UnsafeRawBufferPointer) {
        sqlite3_bind_blob(handle, index, bytes.baseAddress ?? UnsafeRawPointer(Self.emptyText), Int32(bytes.count), SQLITE_TRANSIENT)
    }

    /// Runs a statement that returns no rows, then resets it for the next use.
    func run() throws {
        let code = sqlite3_step(handle)
        sqlite3_reset(handle)
        guard code == SQLITE_DONE else { throw error(code) }
    }

    /// Steps once: `true` with a row ready to read, `false` when done.
    package func step() throws -> Bool {
        let code = sqlite3_step(handle)
        switch code {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw error(code)
        }
    }

    package func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    package func int64(_ column: Int32) -> Int64 {
        sqlite3_column_int64(handle, column)
    }

    package func isNull(_ column: Int32) -> Bool {
        sqlite3_column_type(handle, column) == SQLITE_NULL
    }

    package func isInteger(_ column: Int32) -> Bool {
        sqlite3_column_type(handle, column) == SQLITE_INTEGER
    }

    /// The column's storage class (SQLITE_INTEGER, SQLITE_TEXT, …).
    package func type(_ column: Int32) -> Int32 {
        sqlite3_column_type(handle, column)
    }

    /// The column's bytes (text or blob), valid until the next step or reset.
    package func bytes(_ column: Int32) -> UnsafeRawBufferPointer {
        // Pointer first, then length: the order SQLite documents as safe.
        guard let base = sqlite3_column_blob(handle, column) else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: base, count: Int(sqlite3_column_bytes(handle, column)))
    }

    package func string(_ column: Int32) -> String {
        String(decoding: bytes(column), as: UTF8.self)
    }

    private func error(_ code: Int32) -> DatabaseError {
        let extended = sqlite3_extended_errcode(database.sqliteConnection)
        let message = String(cString: sqlite3_errmsg(database.sqliteConnection))
        return DatabaseError(resultCode: ResultCode(rawValue: extended), message: message, sql: statement.sql)
    }
}

/// SQLite's "copy this buffer" destructor, which the C header spells as a cast of -1.
let SQLITE_TRANSIENT = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
