import GRDB
import RRMFormat

/// Finds the entries that ids name, on the writer's own connection so that entries appended
/// earlier in the same uncommitted batch are found too. A bounded cache of recent ids spares
/// SQLite most lookups, since pipelines mostly reference what they recorded moments ago.
final class ReferenceResolver {
    /// Most ids kept in the cache; beyond it the cache starts over, keeping memory flat.
    static let cacheLimit = 1 << 18

    private var cache: [ExactString: ResolvedEntry] = [:]
    private let lookup: RawStatement
    /// Runs before each lookup in SQLite: the writer's held level rows must be written first.
    var beforeLookup: () throws -> Void = {}

    init(_ db: Database) throws {
        lookup = try RawStatement(
            db,
            """
            SELECT e.seq, e.kind, l.level, CASE e.kind WHEN 'model' THEN json_extract(e.body, '$.role') END
            FROM entry e LEFT JOIN entry_level l ON l.seq = e.seq WHERE e.id = ?
            """)
    }

    /// The entry with this id, or `nil` if there is none.
    /// - Throws: `LedgerError.missingLevel` when the entry has no level row (damaged derived data).
    func resolve(_ id: String) throws -> ResolvedEntry? {
        if let hit = cache[ExactString(id)] { return hit }
        try beforeLookup()
        lookup.bind(1, id)
        defer { lookup.reset() }
        guard try lookup.step() else { return nil }
        let seq = lookup.int64(0)
        guard !lookup.isNull(2) else { throw LedgerError.missingLevel(seq: seq) }
        let entry = ResolvedEntry(
            seq: seq, kind: try EventKind(stored: lookup.string(1), row: seq),
            level: Int(try storedLevel(lookup.storedInteger(2, "level", table: "entry_level", row: seq), row: seq)),
            modelRole: lookup.isNull(3) ? nil : lookup.string(3))
        remember(id, entry)
        return entry
    }

    /// Records an entry just written, so references to it later in the batch are cache hits.
    func remember(_ id: String, _ entry: ResolvedEntry) {
        if cache.count >= Self.cacheLimit { cache.removeAll(keepingCapacity: true) }
        cache[ExactString(id)] = entry
    }

    /// Resolves every reference of `event`, checking that each names an existing entry of an
    /// acceptable kind.
    /// - Throws: `EventError` naming the field of the first reference that fails.
    func resolveReferences(of event: Event) throws -> [ResolvedEntry] {
        var resolved: [ResolvedEntry] = []
        resolved.reserveCapacity(event.references.count)
        for reference in event.references {
            guard let entry = try resolve(reference.id) else {
                let hint =
                    reference.role == .rater
                    ? "a rater is a model version's id, or a person's id starting with \"\(EventDecoder.personPrefix)\""
                    : "entries must be recorded before they are referenced"
                throw EventError(field: reference.path, "no entry has the id \"\(reference.id)\" (\(hint))")
            }
            guard reference.role.accepts(kind: entry.kind, modelRole: entry.modelRole) else {
                let actual = entry.kind == .model ? "a model with role \"\(entry.modelRole ?? "")\"" : entry.kind.withArticle
                throw EventError(
                    field: reference.path,
                    "\"\(reference.id)\" is \(actual), but \(reference.role.field) must name \(reference.role.expectation)")
            }
            resolved.append(entry)
        }
        return resolved
    }
}
