/// The six kinds of entry a ledger holds (docs/EVENTS.md).
public enum EventKind: String, Sendable, CaseIterable, Codable, Comparable {
    /// A trained policy, reward model or critic at a recursion level.
    case model
    /// Something a model produced that someone evaluates.
    case output
    /// An assistant model's assessment of outputs, with its claimed flaws.
    case critique
    /// A rater's judgement of one output (a rating) or two (a comparison).
    case label
    /// A named set of labels used to train a model.
    case dataset
    /// A later audit verdict about any entry.
    case finding

    /// Kinds in pipeline order, the order reports list them in.
    public static func < (a: EventKind, b: EventKind) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}
