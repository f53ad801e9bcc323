/// One thing `verify` found wrong, with the sequence number it concerns where there is one.
public struct ChainFault: Sendable, Equatable, CustomStringConvertible {
    /// What kind of damage, as printed and as in JSON output.
    public enum Kind: String, Sendable, Codable {
        /// The stored hash is not the hash of the stored fields: a body or hash was edited.
        case hashMismatch = "hash-mismatch"
        /// An entry's prev_hash is not the previous entry's hash.
        case brokenLink = "broken-link"
        /// Sequence numbers jump: entries were deleted.
        case missingEntries = "missing-entries"
        /// Entries were inserted, the later ones renumbered: reported at the inserted entries.
        case insertedEntries = "inserted-entries"
        /// A column (id, kind, time) disagrees with the hashed body.
        case columnMismatch = "column-mismatch"
        /// The body is not a valid event.
        case invalidBody = "invalid-body"
        /// The ledger ends before the head an auditor saved.
        case truncated = "truncated"
        /// The entry at the saved head's position has another hash: the past was rewritten.
        case rewritten = "rewritten"
        /// Derived data (edges, levels) disagrees with the bodies.
        case derivedMismatch = "derived-mismatch"
        /// SQLite's own integrity or foreign-key check failed.
        case storage = "storage"
        /// A schema object (table, index, trigger, view) or reference row differs from the
        /// schema of the ledger's version (`verify --deep`, `SchemaObjectCheck`).
        case schemaMismatch = "schema-mismatch"
        /// A receipt row (when the ledger received a batch) is malformed, overlaps another,
        /// or covers entries the ledger does not hold (`ReceiptCheck`).
        case receipt = "receipt"
    }

    /// The entry concerned, when the fault is about one.
    public let seq: Int64?
    /// For a fault about a run of entries (missing or inserted entries), the last one.
    public let lastSeq: Int64?
    public let kind: Kind
    public let message: String

    init(seq: Int64?, lastSeq: Int64? = nil, kind: Kind, message: String) {
        self.seq = seq
        self.lastSeq = lastSeq
        self.kind = kind
        self.message = message
    }

    /// A run of deleted entries.
    static func missing(_ first: Int64, through last: Int64) -> ChainFault {
        let message = first == last ? "is missing: it was deleted" : "entries \(first) to \(last) are missing: they were deleted"
        return ChainFault(seq: first, lastSeq: last, kind: .missingEntries, message: message)
    }

    /// Sorts faults by sequence number and joins runs of missing entries that parallel ranges
    /// reported in pieces, so the report does not depend on how the work was split.
    static func merged(_ faults: [ChainFault]) -> [ChainFault] {
        var result: [ChainFault] = []
        for fault in faults.sorted(by: { ($0.seq ?? .max) < ($1.seq ?? .max) }) {
            if fault.kind == .missingEntries, let last = result.last, last.kind == .missingEntries,
                let end = last.lastSeq, let start = fault.seq, end + 1 == start, let newEnd = fault.lastSeq
            {
                result[result.count - 1] = .missing(last.seq!, through: newEnd)
            } else {
                result.append(fault)
            }
        }
        return result
    }

    public var description: String {
        (seq.map { "entry \($0): " } ?? "") + message
    }
}
