import GRDB
import RRMFormat

/// Counts of entries per kind and level.
public struct LedgerStatistics: Sendable, Equatable {
    /// Entries per level, then per kind; levels that have no entries are absent.
    public let counts: [Int: [EventKind: Int]]
    public let head: ChainHead

    public var total: Int { counts.values.flatMap(\.values).reduce(0, +) }
    public var levels: [Int] { counts.keys.sorted() }

    public func count(level: Int, kind: EventKind) -> Int { counts[level]?[kind] ?? 0 }
    public func count(kind: EventKind) -> Int { counts.values.map { $0[kind] ?? 0 }.reduce(0, +) }
    public func count(level: Int) -> Int { counts[level]?.values.reduce(0, +) ?? 0 }
}

/// A filter over the log of entries. Every condition given must hold.
public struct EntryFilter: Sendable {
    public var kind: EventKind?
    public var level: Int?
    /// First sequence number to include.
    public var fromSeq: Int64
    /// Most entries to return; `nil` for all.
    public var limit: Int?
    /// Only findings with this verdict (`erroneous`, `correct`).
    public var verdict: String?
    /// Only labels given by this rater (the label's `rater`: a person's name or a model's id).
    public var rater: String?
    /// Only findings about this entry (its sequence number), found through the `about` edges.
    public var aboutSeq: Int64?
    /// Only entries whose event time is at or after this one (`Timestamp.normalize`d).
    public var since: String?
    /// Only entries whose event time is before this one (`Timestamp.normalize`d).
    public var until: String?

    public init(
        kind: EventKind? = nil, level: Int? = nil, fromSeq: Int64 = 1, limit: Int? = nil, verdict: String? = nil,
        rater: String? = nil, aboutSeq: Int64? = nil, since: String? = nil, until: String? = nil
    ) {
        self.kind = kind
        self.level = level
        self.fromSeq = fromSeq
        self.limit = limit
        self.verdict = verdict
        self.rater = rater
        self.aboutSeq = aboutSeq
        self.since = since
        self.until = until
    }

    /// A normalized time as a key that orders as the instants do: the text without its `.` and
    /// `Z`. Normalized times are fixed-width up to the seconds, and a fraction has no trailing
    /// zeros, so `…:00` < `…:0005` < `…:005` as 0 < 0.05 < 0.5, which the raw text does not give
    /// (`.` sorts before `Z`). The SQL in `forEachEntry` computes the same key of each entry.
    public static func orderKey(_ time: String) -> String {
        String(time.filter { $0 != "." && $0 != "Z" })
    }
}

extension Ledger {
    /// The entry with this id.
    /// - Throws: `LedgerError.unknownEntry` when there is none.
    public func entry(id: String) throws(LedgerError) -> StoredEntry {
        let entry = try read { db in
            try Row.fetchOne(db, sql: "SELECT \(StoredEntry.columns) FROM \(StoredEntry.tables) WHERE e.id = ?", arguments: [id])
                .map(StoredEntry.init(row:))
        }
        guard let entry else { throw .unknownEntry(id: id) }
        return entry
    }

    /// The entries this one references (its parents: what influenced it), in role order.
    public func parents(of seq: Int64) throws(LedgerError) -> [LinkedEntry] {
        try links(
            sql:
                """
                SELECT e.role, p.seq, p.id, p.kind, l.level FROM edge e JOIN entry p ON p.seq = e.parent
                LEFT JOIN entry_level l ON l.seq = e.parent WHERE e.child = ? ORDER BY e.role, p.seq
                """,
            seq: seq, limit: nil)
    }

    /// The entries that reference this one (its children: what it influenced directly), oldest first.
    public func children(of seq: Int64, limit: Int? = nil) throws(LedgerError) -> [LinkedEntry] {
        try links(
            sql:
                """
                SELECT e.role, c.seq, c.id, c.kind, l.level FROM edge e JOIN entry c ON c.seq = e.child
                LEFT JOIN entry_level l ON l.seq = e.child WHERE e.parent = ? ORDER BY c.seq
                """,
            seq: seq, limit: limit)
    }

    /// How many entries reference this one, per role.
    public func childCounts(of seq: Int64) throws(LedgerError) -> [LinkRole: Int] {
        try read { db in
            var counts: [LinkRole: Int] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT role, count(*), max(child) FROM edge WHERE parent = ? GROUP BY role", arguments: [seq])
            {
                let child: Int64 = try row.stored(2, "child", table: "edge", row: seq)
                counts[try LinkRole(stored: row.stored(0, "role", table: "edge", row: child), row: child)] = try row.stored(
                    1, "count", table: "edge", row: child)
            }
            return counts
        }
    }

    private func links(sql: String, seq: Int64, limit: Int?) throws(LedgerError) -> [LinkedEntry] {
        try read { db in
            let limited = limit.map { sql + " LIMIT \($0)" } ?? sql
            return try Row.fetchAll(db, sql: limited, arguments: [seq]).map { row throws(LedgerError) in
                let other: Int64 = try row.stored(1, "seq", row: seq)
                let child = max(seq, other)  // links point back: the child is the later entry
                guard let level: Int64 = try row.stored(4, "level", row: other) else { throw .missingLevel(seq: other) }
                return LinkedEntry(
                    role: try LinkRole(stored: row.stored(0, "role", table: "edge", row: child), row: child), seq: other,
                    id: try row.stored(2, "id", row: other), kind: try EventKind(stored: row.stored(3, "kind", row: other), row: other),
                    level: Int(try storedLevel(level, row: other)))
            }
        }
    }

    /// When the ledger received entry `seq`, by its own clock (`receipt`); `nil` for an entry
    /// appended before schema version 3, which recorded none.
    public func receivedAt(seq: Int64) throws(LedgerError) -> String? {
        try read { db in
            let row = try Row.fetchOne(
                db,
                sql: "SELECT first_seq, received_at FROM receipt WHERE first_seq <= ? AND last_seq >= ? ORDER BY first_seq DESC LIMIT 1",
                arguments: [seq, seq])
            guard let row else { return nil }
            let first: Int64 = try row.stored(0, "first_seq", table: "receipt", row: 0)
            return try row.stored(1, "received_at", table: "receipt", row: first) as String
        }
    }

    /// The latest finding about an entry (later findings supersede earlier ones), if any.
    public func latestFinding(about seq: Int64) throws(LedgerError) -> StoredEntry? {
        try latestFindings(about: [seq])[seq]
    }

    /// The latest finding about each of `seqs` that has one, keyed by the entry it judges: what
    /// lineage pictures colour entries by. "Latest" is by sequence number, the order the ledger
    /// received them, never by the time an event claims.
    public func latestFindings(about seqs: some Sequence<Int64>) throws(LedgerError) -> [Int64: StoredEntry] {
        try read { db in
            let statement = try db.cachedStatement(
                sql:
                    "SELECT \(StoredEntry.columns) FROM \(StoredEntry.tables) WHERE e.seq = (SELECT max(child) FROM edge WHERE parent = ? AND role = 'about')"
            )
            var found: [Int64: StoredEntry] = [:]
            for seq in seqs {
                if let row = try Row.fetchOne(statement, arguments: [seq]) { found[seq] = try StoredEntry(row: row) }
            }
            return found
        }
    }

    /// Calls `visit` with each entry that passes the filter, in sequence order, streaming.
    public func forEachEntry(_ filter: EntryFilter, _ visit: (StoredEntry) throws -> Void) throws(LedgerError) {
        try read { db in
            var conditions = ["e.seq >= ?"]
            var arguments: StatementArguments = [filter.fromSeq]
            if let kind = filter.kind {
                conditions.append("e.kind = ?")
                _ = arguments.append(contentsOf: [kind.rawValue])
            }
            if let level = filter.level {
                conditions.append("l.level = ?")
                _ = arguments.append(contentsOf: [level])
            }
            // json_extract fails the whole query on a body that is not JSON (a file edited outside
            // rrm-ledger); CASE keeps such a row, and the check below refuses it by name.
            if let verdict = filter.verdict {
                conditions.append(
                    "e.kind = 'finding' AND CASE WHEN json_valid(e.body) THEN json_extract(e.body, '$.verdict') = ? ELSE 1 END")
                _ = arguments.append(contentsOf: [verdict])
            }
            if let rater = filter.rater {
                conditions.append("e.kind = 'label' AND CASE WHEN json_valid(e.body) THEN json_extract(e.body, '$.rater') = ? ELSE 1 END")
                _ = arguments.append(contentsOf: [rater])
            }
            if let about = filter.aboutSeq {
                // edge_by_parent (parent, role, child) gives the findings about the entry directly.
                conditions.append("e.seq IN (SELECT child FROM edge WHERE parent = ? AND role = 'about')")
                _ = arguments.append(contentsOf: [about])
            }
            let timeKey = "replace(replace(e.time, '.', ''), 'Z', '')"
            if let since = filter.since {
                conditions.append("\(timeKey) >= ?")
                _ = arguments.append(contentsOf: [EntryFilter.orderKey(since)])
            }
            if let until = filter.until {
                conditions.append("\(timeKey) < ?")
                _ = arguments.append(contentsOf: [EntryFilter.orderKey(until)])
            }
            var sql =
                "SELECT \(StoredEntry.columns) FROM \(StoredEntry.tables) WHERE \(conditions.joined(separator: " AND ")) ORDER BY e.seq"
            if let limit = filter.limit { sql += " LIMIT \(limit)" }
            let cursor = try Row.fetchCursor(db, sql: sql, arguments: arguments)
            let readsBodies = filter.verdict != nil || filter.rater != nil
            while let row = try cursor.next() {
                let entry = try StoredEntry(row: row)
                if readsBodies { _ = try entry.bodyValue() }  // a body not JSON: malformedRow, not a silent match
                try visit(entry)
            }
        }
    }

    /// Entries per kind and level, and the head, from one snapshot.
    public func statistics() throws(LedgerError) -> LedgerStatistics {
        try read { db in
            var counts: [Int: [EventKind: Int]] = [:]
            let rows = try Row.fetchAll(
                db,
                sql:
                    "SELECT l.level, e.kind, count(*), min(e.seq) FROM entry e LEFT JOIN entry_level l ON l.seq = e.seq GROUP BY l.level, e.kind"
            )
            for row in rows {
                // Each group is named by its first entry; a kind or level the schema forbids is refused, not skipped.
                let first: Int64 = try row.stored(3, "seq", row: 0)
                guard let level: Int64 = try row.stored(0, "level", table: "entry_level", row: first) else {
                    throw LedgerError.missingLevel(seq: first)
                }
                let kind = try EventKind(stored: row.stored(1, "kind", row: first), row: first)
                counts[Int(try storedLevel(level, row: first)), default: [:]][kind] = try row.stored(2, "count", row: first)
            }
            return LedgerStatistics(counts: counts, head: try Self.head(db))
        }
    }
}

extension Ledger {
    /// The entries with these sequence numbers (those that exist), by sequence number.
    package func entries(seqs: some Sequence<Int64>) throws(LedgerError) -> [Int64: StoredEntry] {
        let all = Array(seqs)
        return try read { db in
            var found: [Int64: StoredEntry] = [:]
            var start = 0
            while start < all.count {
                let chunk = all[start..<min(start + 500, all.count)]
                let list = chunk.map(String.init).joined(separator: ",")
                for row in try Row.fetchAll(db, sql: "SELECT \(StoredEntry.columns) FROM \(StoredEntry.tables) WHERE e.seq IN (\(list))") {
                    let entry = try StoredEntry(row: row)
                    found[entry.seq] = entry
                }
                start += 500
            }
            return found
        }
    }

    /// Walks a lineage query without loading the whole graph, through the edge indexes: fast
    /// for closures of hundreds or thousands of entries, slow for most of a large ledger.
    func indexedClosure(of seq: Int64, _ query: LineageQuery) throws(LedgerError) -> (LineageClosure, [Int: [EventKind: Int]]) {
        try read { db in
            let source = try IndexedLineageSource(db)
            let closure = try LineageWalker.closure(of: seq, in: source, query)
            return (closure, try closure.counts(in: source))
        }
    }
}
