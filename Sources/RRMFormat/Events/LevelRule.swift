/// How an entry's recursion level follows from what it references (docs/EVENTS.md, "Levels").
///
/// A model declares its level. Everything else sits at the level of the thing being evaluated
/// or built: an output at its model's level, a critique and a label at the highest level among
/// their targets, a dataset at the highest level among its members (and the dataset it extends),
/// a finding at the level of the entry it judges. So a level-0 critic critiquing a level-1
/// output writes a level-1 critique: levels count evaluated work, not evaluators.
package enum LevelRule {
    /// The level of `event`, given the levels of the entries its references resolved to (in the
    /// order of `event.references`).
    package static func level(of event: Event, referencedLevels: [Int]) -> Int {
        if let declared = event.declaredLevel { return declared }
        var level = 0
        for (reference, referencedLevel) in zip(event.references, referencedLevels) where determinesLevel(reference.role) {
            level = max(level, referencedLevel)
        }
        return level
    }

    /// The level of `event`, given the entries its references resolved to.
    package static func level(of event: Event, referenced: [ResolvedEntry]) -> Int {
        if let declared = event.declaredLevel { return declared }
        var level = 0
        for (reference, entry) in zip(event.references, referenced) where determinesLevel(reference.role) {
            level = max(level, entry.level)
        }
        return level
    }

    /// Whether a link of this role carries its parent's level to the child.
    package static func determinesLevel(_ role: LinkRole) -> Bool {
        switch role {
        case .model, .critiqueTarget, .labelTarget, .member, .extends, .about: return true
        case .base, .trainedOn, .critic, .rater, .assistedBy: return false
        }
    }
}
