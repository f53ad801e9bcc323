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

    /// Position in pipeline order (the order of `allCases`), for per-kind tallies.
    public var ordinal: Int {
        switch self {
        case .model: return 0
        case .output: return 1
        case .critique: return 2
        case .label: return 3
        case .dataset: return 4
        case .finding: return 5
        }
    }

    /// The kind's name with its indefinite article, for messages: "an output", "a label".
    public var withArticle: String {
        self == .output ? "an output" : "a \(rawValue)"
    }

    /// Kinds in pipeline order, the order reports list them in.
    public static func < (a: EventKind, b: EventKind) -> Bool {
        a.ordinal < b.ordinal
    }
}
