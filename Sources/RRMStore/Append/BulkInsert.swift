import GRDB

/// Inserts rows into one table in bulk: rows are held until `holdLimit` have gathered (or
/// `flush`), then written together, `rowsPerStatement` to a prepared multi-row
/// `INSERT … VALUES (…), (…), …`.
///
/// Append writes its derived rows this way. One statement per row, interleaved with each entry's
/// other rows, walks a B-tree from its root for every row with the other tables' pages in
/// between; a table's rows written together share their pages (docs/BENCHMARKS.md, "Append
/// in bulk"). Columns are integers, texts chosen by an integer from a fixed list, or hashes, so a
/// held row is a few machine words and memory stays flat: `holdLimit` rows at most.
final class BulkInsert {
    /// A column to fill, and how `add`'s value for it is bound.
    enum Column {
        /// An integer, bound as it is.
        case integer(String)
        /// A text from a fixed list, given by its index in `texts`.
        case text(String, texts: [String])
        /// A blob of 32 bytes (a hash), given to `add` as bytes.
        case hash(String)

        var name: String {
            switch self {
            case .integer(let name), .text(let name, _), .hash(let name): return name
            }
        }
    }

    /// Rows per statement: at most 768 parameters, inside SQLite's limit (999 before 3.32).
    static let rowsPerStatement = 256
    /// Rows held before they are written: a few megabytes at most.
    static let holdLimit = 1 << 16

    private let db: Database
    private let columns: [Column]
    private let insert: String
    private let row: String
    private let full: RawStatement
    /// The one-row statement for a flush of fewer than `rowsForAPreparedRemainder` rows.
    private var single: RawStatement?
    /// From this many rows on, a flush's remainder is written by a statement prepared for it.
    static let rowsForAPreparedRemainder = 16
    /// The held rows' integer values, `columns.count` per row (a hash column's is unused).
    private var held: [Int64] = []
    /// The held rows' hashes, 32 bytes per row, for a table with a hash column.
    private var heldHashes: [UInt8] = []
    private(set) var rowsWritten: Int64 = 0

    /// - Parameter columns: the table's columns to fill, in the order `add` gives their values.
    init(_ db: Database, table: String, columns: [Column]) throws {
        self.db = db
        self.columns = columns
        insert = "INSERT INTO \(table) (\(columns.map(\.name).joined(separator: ", "))) VALUES "
        row = "(" + Array(repeating: "?", count: columns.count).joined(separator: ", ") + ")"
        full = try RawStatement(db, insert + Array(repeating: row, count: Self.rowsPerStatement).joined(separator: ", "))
        held.reserveCapacity(Self.holdLimit * columns.count)
    }

    private var heldRows: Int { held.count / columns.count }

    /// Holds a row of two columns.
    func add(_ a: Int64, _ b: Int64) throws {
        precondition(columns.count == 2, "a row of two columns")
        held.append(a)
        held.append(b)
        if heldRows >= Self.holdLimit { try flush() }
    }

    /// Holds a row of three columns.
    func add(_ a: Int64, _ b: Int64, _ c: Int64) throws {
        precondition(columns.count == 3, "a row of three columns")
        held.append(a)
        held.append(b)
        held.append(c)
        if heldRows >= Self.holdLimit { try flush() }
    }

    /// Holds a row of two integer columns and a hash column, in that order.
    func add(_ a: Int64, _ b: Int64, hash: UnsafeRawBufferPointer) throws {
        precondition(hash.count == 32 && columns.count == 3, "two integers and a hash of 32 bytes")
        held.append(a)
        held.append(b)
        held.append(0)
        heldHashes.append(contentsOf: hash)
        if heldRows >= Self.holdLimit { try flush() }
    }

    /// Writes every held row.
    func flush() throws {
        var first = 0
        while heldRows - first >= Self.rowsPerStatement {
            try write(rows: first..<first + Self.rowsPerStatement, with: full)
            first += Self.rowsPerStatement
        }
        if heldRows - first >= Self.rowsForAPreparedRemainder {
            let rest = first..<heldRows
            try write(rows: rest, with: RawStatement(db, insert + Array(repeating: row, count: rest.count).joined(separator: ", ")))
        } else if first < heldRows {
            // A few rows (a flush before each of the resolver's lookups in SQLite, in a batch that
            // references many earlier ones) go one at a time through one statement kept for that,
            // rather than preparing a statement for each flush.
            if single == nil { single = try RawStatement(db, insert + row) }
            for one in first..<heldRows { try write(rows: one..<one + 1, with: single!) }
        }
        held.removeAll(keepingCapacity: true)
        heldHashes.removeAll(keepingCapacity: true)
    }

    private func write(rows: Range<Int>, with statement: RawStatement) throws {
        var parameter: Int32 = 1
        try heldHashes.withUnsafeBytes { hashes in
            for row in rows {
                for (index, column) in columns.enumerated() {
                    let value = held[row * columns.count + index]
                    switch column {
                    case .integer: statement.bind(parameter, value)
                    case .text(_, let texts): statement.bind(parameter, texts[Int(value)])
                    case .hash: statement.bindBlob(parameter, UnsafeRawBufferPointer(rebasing: hashes[row * 32..<row * 32 + 32]))
                    }
                    parameter += 1
                }
            }
            try statement.run()
        }
        rowsWritten += Int64(rows.count)
    }
}
