import ArgumentParser
import RRMLedger

extension LineageDirection: ExpressibleByArgument {}

/// The formats lineage can be printed in.
enum LineageFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, dot
    case provJSON = "prov-json"
}

struct LineageCommand: LedgerCommand {
    static let configuration = CommandConfiguration(
        commandName: "lineage",
        abstract: "Show what influenced an entry (up), what it influenced (down), or both.",
        discussion: """
            Links come in classes: evaluation (output → critique → label, and the critiques shown to \
            a rater), training (label → dataset → model → what the model produced or critiqued), \
            version (a model and its base) and audit (a finding and what it judges). In recursive \
            reward modelling nearly everything is connected through training, so a full closure \
            can be most of the ledger: counts per level and kind are always complete, and the \
            listing stops at --limit (200) unless --all. --via restricts the classes followed.
            """)

    @OptionGroup var ledger: LedgerOptions

    @Argument(help: ArgumentHelp("The entry's id.", valueName: "id"))
    var id: String

    @Option(help: "up (ancestors), down (descendants) or both.")
    var direction: LineageDirection = .both

    @Option(help: ArgumentHelp("Link classes to follow, comma-separated: evaluation, training, version, audit.", valueName: "classes"))
    var via = "evaluation,training,version,audit"

    @Option(help: ArgumentHelp("Follow at most this many links from the entry.", valueName: "n"))
    var depth: Int?

    @Option(help: "List only entries of this kind.")
    var kind: EventKind?

    @Option(help: "List only entries at this level.")
    var level: Int?

    @Option(help: ArgumentHelp("Most entries to list (text, json) or draw (dot, prov-json).", valueName: "n"))
    var limit = 200

    @Flag(help: "List every entry reached, however many.")
    var all = false

    @Option(help: "Output format: text, json, dot (Graphviz) or prov-json (W3C PROV).")
    var format: LineageFormat = .text

    @Flag(help: "With prov-json: replace person ids (human:… raters and auditors) with pseudonyms, as export --pseudonymise does.")
    var pseudonymise = false

    func validate() throws {
        if pseudonymise && format != .provJSON { throw ValidationError("--pseudonymise applies to --format prov-json only") }
        _ = try classes()
        try checkOption("--depth", depth, in: OptionRange.depth)
        try checkOption("--level", level, in: OptionRange.level)
        try checkOption("--limit", limit, in: OptionRange.listed)
    }

    private func classes() throws -> Set<LinkClass> {
        try linkClasses(via)
    }

    func execute() throws {
        let target = try openLedger(ledger, readOnly: true)
        let query = LineageQuery(direction: direction, via: try classes(), maxDepth: depth)
        let listing = LineageListing(kind: kind, level: level, limit: all ? nil : limit)
        let answer = try target.lineage(of: id, query, listing: listing)
        switch format {
        case .text: Output.line(LineageText.render(answer, query, listing: listing))
        case .json: Output.json(answer.json(query))
        case .dot:
            let findings = try target.latestFindings(about: answer.entries.keys)
            let context = LineageDOT.Context(findings: findings, reached: reached(answer, listing))
            print(LineageDOT.render(answer, context), terminator: "")
        case .provJSON:
            let classes = LinkClass.allCases.filter { query.via.contains($0) }.map(\.rawValue).joined(separator: ", ")
            let extract = ProvenanceJSON.Extract(
                selection: "lineage of \(id) (\(direction.rawValue); via \(classes))", reached: reached(answer, listing),
                truncated: answer.truncated, pseudonymise: pseudonymise)
            _ = try ProvenanceJSON.write(from: target, .entries(Set(answer.entries.keys), via: query.via), extract, to: Output.bytes)
        }
    }
}

/// How many entries the listing matched, drawn or not (its kind and level filters applied).
private func reached(_ answer: LineageAnswer, _ listing: LineageListing) -> Int {
    var total = 0
    for counts in [answer.upstreamCounts, answer.downstreamCounts] {
        for (level, kinds) in counts where listing.level.map({ $0 == level }) ?? true {
            for (kind, count) in kinds where listing.kind.map({ $0 == kind }) ?? true { total += count }
        }
    }
    return total
}

/// The link classes a `--via` value names.
func linkClasses(_ via: String) throws -> Set<LinkClass> {
    var classes = Set<LinkClass>()
    for name in via.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
        guard let linkClass = LinkClass(rawValue: name) else {
            throw ValidationError("--via: unknown link class \"\(name)\" (evaluation, training, version, audit)")
        }
        classes.insert(linkClass)
    }
    if classes.isEmpty { throw ValidationError("--via must name at least one link class") }
    return classes
}
