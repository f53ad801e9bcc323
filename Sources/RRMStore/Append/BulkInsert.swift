import GRDB

/// Inserts rows into one table in bulk: rows are held until `holdLimit` have gathered (or
/// `flush`), then written together, `rowsPerStatement` to a prepared multi-row
/// `INSERT … VALUES (…), (…), …`.
///
/// Append writes its derived rows this way. One statement per row, interleaved with each entry's
/// other rows, walks a B-tree from its root for every row with the other tables' pages in
/// between; a table's rows written together share their pages (tools/bench and
/// docs/BENCHMARKS.md, "Append in bulk"). Columns are integers, or texts chosen by an integer
/// from a fixed list (`texts`), so a held row is a few machine words and memory stays flat:
/// `holdLimit` rows at most.
final class BulkInsert {
    /// Rows per statement: far inside SQLite's limit of 32,766 parameters.
    static let rowsPerStatement = 256
    /// Rows held before they are written: a few megabytes at most.
    static let holdLimit = 1 << 16

    private let db: Database
    private let columns: Int
    /// Per column: the texts its values index, or nil for an integer column.
    private let texts: [[String]?]
    private let insert: String
    private let row: String
    private let full: RawStatement
    private var held: [Int64] = []
    private(set) var rowsWritten: Int64 = 0

    /// - Parameters:
    ///   - columns: the table's columns to fill, in the order `add` gives their values.
    ///   - texts: columns whose values are indexes into the given texts, bound as text.
    init(_ db: Database, table: String, columns: [String], texts: [Int: [String]] = [:]) throws {
        self.db = db
        self.columns = columns.count
        self.texts = columns.indices.map { texts[$0] }
        insert = "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES "
        row = "(" + Array(repeating: "?", count: columns.count).joined(separator: ", ") + ")"
        full = try RawStatement(db, insert + Array(repeating: row, count: Self.rowsPerStatement).joined(separator: ", "))
        held.reserveCapacity(Self.holdLimit * columns.count)
    }

    /// Holds a row of two columns.
    func add(_ a: Int64, _ b: Int64) throws {
        held.append(a)
        held.append(b)
        if held.count == Self.holdLimit * columns { try flush() }
    }

    /// Holds a row of three columns.
    func add(_ a: Int64, _ b: Int64, _ c: Int64) throws {
        held.append(a)
        held.append(b)
        held.append(c)
        if held.count == Self.holdLimit * columns { try flush() }
    }

    /// Writes every held row.
    func flush() throws {
        let width = Self.rowsPerStatement * columns
        var start = 0
        while held.count - start >= width {
            try write(held[start..<start + width], with: full)
            start += width
        }
        if start < held.count {
            let rest = held[start...]
            try write(rest, with: RawStatement(db, insert + Array(repeating: row, count: rest.count / columns).joined(separator: ", ")))
        }
        held.removeAll(keepingCapacity: true)
    }

    private func write(_ values: ArraySlice<Int64>, with statement: RawStatement) throws {
        var parameter: Int32 = 1
        var column = 0
        for value in values {
            if let names = texts[column] {
                statement.bind(parameter, names[Int(value)])
            } else {
                statement.bind(parameter, value)
            }
            parameter += 1
            column = column + 1 == columns ? 0 : column + 1
        }
        try statement.run()
        rowsWritten += Int64(values.count / columns)
    }
}
