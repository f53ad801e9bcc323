import Foundation
import GRDB
import RRMFormat

/// `verify --deep`'s comparison of the ledger's schema objects with the schema of its version:
/// every table, index, trigger and view in `sqlite_master`, and every row of the reference
/// tables the schema script fills (`link_role`, the full-text table's configuration), against
/// a database made from Schema/ledger.sql in memory.
///
/// The chain cannot see these: a dropped append-only trigger, a view redefined so that every
/// verdict reads `correct`, or a role moved to another link class leaves every hash intact, and
/// an auditor who queries the views would be lied to. Each difference is a fault naming the
/// object. Definitions are compared with comments and layout removed (SQL comments and
/// whitespace carry no meaning, and `ALTER TABLE … DROP COLUMN`, which the version 1 → 2
/// upgrade runs, rewrites a table's text around the column it removes).
struct SchemaObjectCheck {
    private(set) var faults: [ChainFault] = []

    /// One schema object as `sqlite_master` describes it.
    private struct SchemaObject: Equatable {
        let type: String
        let name: String
        let table: String
        /// The definition, normalised (`normalised(_:)`); `nil` for SQLite's automatic indexes.
        let definition: String?
    }

    /// Compares `db`'s main schema with this build's. A ledger of an older authoritative or
    /// derived version (read as it is, not upgraded) has another schema, not compared here.
    mutating func run(_ db: Database) throws {
        let version = try Int.fetchOne(db, sql: "PRAGMA main.user_version") ?? 0
        let derived = try String.fetchOne(db, sql: "SELECT value FROM main.ledger_info WHERE key = 'derived_schema'")
        guard version == LedgerSchema.version, derived == String(LedgerSchema.derivedVersion) else {
            if version == LedgerSchema.version, derived.flatMap(Int.init) != LedgerSchema.derivedVersion {
                fault("ledger_info's derived_schema is \(derived.map { "'\($0)'" } ?? "missing"), not '\(LedgerSchema.derivedVersion)'")
            }
            return
        }
        let reference = try DatabaseQueue()
        try reference.writeWithoutTransaction { try $0.execute(sql: LedgerSchema.sql) }
        try reference.read { expected in
            try compareObjects(found: Self.objects(db), expected: Self.objects(expected))
            for table in try Self.referenceTables(expected) {
                try compareRows(of: table, found: db, expected: expected)
            }
        }
    }

    private mutating func fault(_ message: String) {
        faults.append(ChainFault(seq: nil, kind: .schemaMismatch, message: "schema: " + message))
    }

    private mutating func compareObjects(found: [String: SchemaObject], expected: [String: SchemaObject]) {
        for name in Set(found.keys).union(expected.keys).sorted() {
            switch (found[name], expected[name]) {
            case (nil, let object?):
                fault("the \(object.type) \(name) is missing")
            case (let object?, nil):
                fault("the \(object.type) \(shownStoredText(name)) is not in the schema of version \(LedgerSchema.version)")
            case (let object?, let wanted?) where object != wanted && !Self.isEarlierForm(object, of: wanted):
                if object.type != wanted.type {
                    fault("\(name) is a \(object.type), not a \(wanted.type)")
                } else {
                    fault("the \(object.type) \(name) is defined otherwise than in the schema")
                }
            default:
                break
            }
        }
    }

    /// `entry`'s kind constraint as ledgers created before 2026-12-03 hold it, and as the schema
    /// writes it now: the same constraint (Schema/ledger.sql says why it changed).
    private static let earlierKindCheck = "CHECK (kind IN ('model', 'output', 'critique', 'label', 'dataset', 'finding'))"
    private static let kindCheck =
        "CHECK (kind = 'model' OR kind = 'output' OR kind = 'critique' OR kind = 'label' OR kind = 'dataset' OR kind = 'finding')"

    /// Whether `object` is `wanted` as an earlier build of the same schema version wrote it.
    private static func isEarlierForm(_ object: SchemaObject, of wanted: SchemaObject) -> Bool {
        guard wanted.type == "table", wanted.name == "entry", let definition = wanted.definition else { return false }
        let earlier = definition.replacingOccurrences(of: normalised(kindCheck), with: normalised(earlierKindCheck))
        return earlier != definition
            && object == SchemaObject(type: wanted.type, name: wanted.name, table: wanted.table, definition: earlier)
    }

    /// Every row of `table` must be the schema's, no more, no fewer.
    private mutating func compareRows(of table: String, found db: Database, expected: Database) throws {
        let quoted = table.quotedDatabaseIdentifier
        // The table's own columns, whatever a forger altered: an unreadable table is a fault.
        let columns = try Row.fetchAll(expected, sql: "PRAGMA main.table_info(\(quoted))").compactMap { row -> String? in
            Self.text(row, 1)?.quotedDatabaseIdentifier
        }
        let query = "SELECT \(columns.joined(separator: ", ")) FROM main.\(quoted) ORDER BY \(columns.joined(separator: ", "))"
        let wanted = try Self.rowTexts(expected, query)
        let held: [String]
        do {
            held = try Self.rowTexts(db, query)
        } catch {
            fault("the rows of \(table) cannot be read: \(error)")
            return
        }
        for row in Set(wanted).subtracting(held).sorted() { fault("\(table) lacks the row \(shownStoredText(row))") }
        for row in Set(held).subtracting(wanted).sorted() {
            fault("\(table) holds the row \(shownStoredText(row)), which the schema does not")
        }
    }

    /// Each row as text, strings quoted (so that types stay apart: '1' is not 1).
    private static func rowTexts(_ db: Database, _ query: String) throws -> [String] {
        try Row.fetchAll(db, sql: query).map { row in
            "(" + row.databaseValues.map(\.description).joined(separator: ", ") + ")"
        }
    }

    /// Column `index` as text; `nil` for NULL or another type (read without GRDB's trapping decode).
    private static func text(_ row: Row, _ index: Int) -> String? {
        let value: DatabaseValue = row[index]
        return String.fromDatabaseValue(value)
    }

    /// The main schema's objects by name, SQLite's statistics tables left out (ANALYZE may make them).
    private static func objects(_ db: Database) throws -> [String: SchemaObject] {
        var objects: [String: SchemaObject] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT type, name, tbl_name, sql FROM main.sqlite_master") {
            let name = text(row, 1) ?? ""
            if name.hasPrefix("sqlite_stat") { continue }
            objects[name] = SchemaObject(
                type: text(row, 0) ?? "", name: name, table: text(row, 2) ?? "", definition: text(row, 3).map(normalised))
        }
        return objects
    }

    /// The tables the schema script fills with rows (a fresh ledger's reference data), except
    /// `ledger_info`, whose rows name each ledger, and a full-text table's content (its
    /// `_data`, `_idx` and `_docsize` shadow tables); its `_config` is reference data.
    private static func referenceTables(_ db: Database) throws -> [String] {
        let virtual = try String.fetchAll(
            db, sql: "SELECT name FROM main.sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL%'")
        var tables: [String] = []
        for table in try String.fetchAll(db, sql: "SELECT name FROM main.sqlite_master WHERE type = 'table' ORDER BY name") {
            if table == "ledger_info" || virtual.contains(table) { continue }
            if virtual.contains(where: { table.hasPrefix($0 + "_") }) && !virtual.contains(where: { table == $0 + "_config" }) { continue }
            if try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM main.\(table.quotedDatabaseIdentifier))") == true {
                tables.append(table)
            }
        }
        return tables
    }

    /// A definition without comments and with its layout reduced to single spaces between words
    /// (none beside punctuation); quoted text and identifiers are kept as they are.
    static func normalised(_ sql: String) -> String {
        let bytes = Array(sql.utf8)
        var out: [UInt8] = []
        var pendingSpace = false
        var index = 0
        func isPunctuation(_ byte: UInt8) -> Bool { "(),;=".utf8.contains(byte) }
        func emit(_ byte: UInt8) {
            if pendingSpace, let last = out.last, !isPunctuation(last), !isPunctuation(byte) { out.append(0x20) }
            pendingSpace = false
            out.append(byte)
        }
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "-"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "-") {
                while index < bytes.count, bytes[index] != 0x0A { index += 1 }
                pendingSpace = true
                continue
            }
            if byte == UInt8(ascii: "/"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "*") {
                index += 2
                while index + 1 < bytes.count, !(bytes[index] == UInt8(ascii: "*") && bytes[index + 1] == UInt8(ascii: "/")) { index += 1 }
                index += 2
                pendingSpace = true
                continue
            }
            if byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D {
                pendingSpace = true
                index += 1
                continue
            }
            if byte == UInt8(ascii: "'") || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "`") {
                // A quoted run, kept whole; a doubled quote inside it is part of it.
                emit(byte)
                index += 1
                while index < bytes.count {
                    out.append(bytes[index])
                    if bytes[index] == byte {
                        if index + 1 < bytes.count, bytes[index + 1] == byte {
                            out.append(byte)
                            index += 2
                            continue
                        }
                        index += 1
                        break
                    }
                    index += 1
                }
                continue
            }
            emit(byte)
            index += 1
        }
        return String(decoding: out, as: UTF8.self)
    }
}
