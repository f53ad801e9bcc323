/// What a reference resolves to: the facts about an existing entry that validation and level
/// derivation need.
package struct ResolvedEntry: Sendable {
    package let seq: Int64
    package let kind: EventKind
    package let level: Int
    /// For models: the declared role (checked where `trained_on` wants a reward model).
    package let modelRole: String?

    package init(seq: Int64, kind: EventKind, level: Int, modelRole: String?) {
        self.seq = seq
        self.kind = kind
        self.level = level
        self.modelRole = modelRole
    }
}
