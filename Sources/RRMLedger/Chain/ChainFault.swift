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
    }

    /// The entry concerned, when the fault is about one.
    public let seq: Int64?
    public let kind: Kind
    public let message: String

    public init(seq: Int64?, kind: Kind, message: String) {
        self.seq = seq
        self.kind = kind
        self.message = message
    }

    public var description: String {
        (seq.map { "entry \($0): " } ?? "") + message
    }
}
