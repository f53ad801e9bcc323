/// An event that has passed every check that needs no ledger: its shape, types and values. It
/// carries the canonical body that will be hashed, and the references still to be resolved.
public struct Event: Sendable {
    public let kind: EventKind
    public let id: String
    /// The normalized UTC time (the append time when the event had none).
    public let time: String
    /// Whether the event had no `time` and was given the append time: a retry of it then
    /// differs from the recorded entry in `time` alone, and is still the same event.
    public let timeWasAssigned: Bool
    /// Every id the event names, with the link each makes, in field order.
    public let references: [Reference]
    /// A model's own level; other kinds take theirs from what they reference.
    public let declaredLevel: Int?
    /// A model's role (`policy`, `reward_model`, `critic`, …).
    public let modelRole: String?
    /// What the full-text index holds for a critique, an output or a finding; `nil` for the
    /// other kinds.
    public let searchText: SearchText?
    /// RFC 8785 canonical JSON of the normalized event: the bytes the chain hashes.
    public let body: [UInt8]
}

/// What the full-text index (`entry_search`) holds for an entry: exactly the row its content view
/// (`search_content`, Schema/ledger.sql) gives, which snippets are cut from.
public struct SearchText: Sendable, Equatable {
    /// A critique's `text`, an output's `content` or a finding's `evidence`; empty when absent.
    public let text: String
    /// A critique's findings' claims, one per line; empty for the other kinds.
    public let claims: String

    /// The part of a string the index holds: up to its first U+0000, where SQLite's
    /// json_extract, and so the content view, ends it.
    static func indexed(_ text: String) -> String {
        guard let nul = text.utf8.firstIndex(of: 0) else { return text }
        return String(text[..<nul])
    }
}
