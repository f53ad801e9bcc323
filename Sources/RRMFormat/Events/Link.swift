/// The class of a lineage link, which says how an error travels along it (docs/ANALYSIS.md).
public enum LinkClass: String, Sendable, CaseIterable, Codable {
    /// Output → critique → label: a wrong critique shown to a rater misleads that rater directly.
    case evaluation
    /// Label → dataset → model → what the model produces: an error arrives diluted, as a share.
    case training
    /// A model and the model it was fine-tuned from.
    case version
    /// A finding and the entry it judges.
    case audit
}

/// A named reference from one event to an earlier entry: the event field it comes from, the
/// kinds the referenced entry may have, and the class of lineage link it makes.
public enum LinkRole: String, Sendable, CaseIterable, Codable {
    case base
    case trainedOn = "trained_on"
    case model
    case critic
    case critiqueTarget = "critique_target"
    case rater
    case labelTarget = "label_target"
    case assistedBy = "assisted_by"
    case member
    case extends
    case about

    /// The event field the link comes from.
    public var field: String {
        switch self {
        case .base: return "base"
        case .trainedOn: return "trained_on"
        case .model: return "model"
        case .critic: return "critic"
        case .critiqueTarget, .labelTarget: return "targets"
        case .rater: return "rater"
        case .assistedBy: return "assisted_by"
        case .member: return "members"
        case .extends: return "extends"
        case .about: return "about"
        }
    }

    /// How an error travels along this link.
    public var linkClass: LinkClass {
        switch self {
        case .critiqueTarget, .labelTarget, .assistedBy: return .evaluation
        case .trainedOn, .model, .critic, .rater, .member, .extends: return .training
        case .base: return .version
        case .about: return .audit
        }
    }

    /// What the referenced entry must be, in words for error messages.
    public var expectation: String {
        switch self {
        case .base, .model, .critic, .rater: return "a model"
        case .trainedOn: return "a dataset, a label or a reward model"
        case .critiqueTarget, .labelTarget: return "an output"
        case .assistedBy: return "a critique"
        case .member: return "a label"
        case .extends: return "a dataset"
        case .about: return "an entry"
        }
    }

    /// Whether an entry of `kind` (and, for models, `role`) may be referenced through this link.
    public func accepts(kind: EventKind, modelRole: String?) -> Bool {
        switch self {
        case .base, .model, .critic, .rater: return kind == .model
        case .trainedOn: return kind == .dataset || kind == .label || (kind == .model && modelRole == "reward_model")
        case .critiqueTarget, .labelTarget: return kind == .output
        case .assistedBy: return kind == .critique
        case .member: return kind == .label
        case .extends: return kind == .dataset
        case .about: return true
        }
    }
}

/// One reference an event makes, before it is resolved against the ledger.
public struct Reference: Sendable, Equatable {
    public let role: LinkRole
    /// The referenced entry's id.
    public let id: String
    /// Where in the event the id stands (`targets[1]`), for error messages.
    public let path: String

    public init(role: LinkRole, id: String, path: String) {
        self.role = role
        self.id = id
        self.path = path
    }
}
