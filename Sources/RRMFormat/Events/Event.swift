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
    /// RFC 8785 canonical JSON of the normalized event: the bytes the chain hashes.
    public let body: [UInt8]
}
