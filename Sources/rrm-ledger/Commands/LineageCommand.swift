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

    func validate() throws {
        _ = try classes()
        if let depth, depth < 1 { throw ValidationError("--depth must be 1 or more") }
        if let level, level < 0 { throw ValidationError("--level must be 0 or more") }
        guard limit >= 0 else { throw ValidationError("--limit must be 0 or more") }
    }

    private func classes() throws -> Set<LinkClass> {
        try linkClasses(via)
    }

    func execute() throws {
        let target = try openLedger(ledger, readOnly: true)
        let query = LineageQuery(direction: direction, via: try classes(), maxDepth: depth)
        let answer = try target.lineage(of: id, query, listing: LineageListing(kind: kind, level: level, limit: all ? nil : limit))
        switch format {
        case .text: printText(answer, query)
        case .json: Output.json(json(answer, query))
        case .dot:
            print(LineageExport.dot(Array(answer.entries.values), links: answer.links, highlight: Int32(answer.start.seq)), terminator: "")
        case .provJSON:
            Output.json(LineageExport.provJSON(Array(answer.entries.values), links: answer.links))
        }
    }

    private func describe(_ entry: StoredEntry?) -> String {
        guard let entry else { return "?" }
        return "\(entry.kind.rawValue) \"\(entry.id)\" (entry \(entry.seq), level \(entry.level))"
    }

    private func printText(_ answer: LineageAnswer, _ query: LineageQuery) {
        let classes = LinkClass.allCases.filter { query.via.contains($0) }.map(\.rawValue).joined(separator: ", ")
        Output.line("lineage of \(describe(answer.start)), via \(classes)\(depth.map { ", at most \($0) links" } ?? "")")
        for (name, counts, shown) in [
            ("upstream: what influenced it", answer.upstreamCounts, direction != .down),
            ("downstream: what it influenced", answer.downstreamCounts, direction != .up),
        ] where shown {
            let total = counts.values.flatMap(\.values).reduce(0, +)
            Output.line("")
            Output.line("\(name): \(grouped(total)) entries")
            if total > 0 { LevelKindTable.print(counts, indent: "  ") }
        }
        Output.line("")
        let filter = [kind.map { "kind \($0.rawValue)" }, level.map { "level \($0)" }].compactMap { $0 }.joined(separator: ", ")
        Output.line("entries\(filter.isEmpty ? "" : " (\(filter))"), each under the entry it was reached from:")
        printTree(answer)
        if answer.truncated {
            Output.line("… listing stopped at \(grouped(answer.listed.count)) entries (--limit); --all lists everything")
        }
    }

    /// The breadth-first tree, depth first, each entry indented under the one it was reached from.
    private func printTree(_ answer: LineageAnswer) {
        var children: [Int32: [LineageClosure.Step]] = [:]
        let listed = Set(answer.listed.map(\.seq))
        var roots: [LineageClosure.Step] = []
        for step in answer.listed {
            if let from = step.from, from != Int32(answer.start.seq), listed.contains(from) {
                children[from, default: []].append(step)
            } else {
                roots.append(step)
            }
        }
        func visit(_ step: LineageClosure.Step, _ indent: Int) {
            let arrow = step.upstream ? "→" : "←"
            let role = step.role?.rawValue ?? ""
            Output.line(
                String(repeating: "  ", count: indent)
                    + "\(arrow) \(role.padding(toLength: 15, withPad: " ", startingAt: 0)) \(describe(answer.entries[step.seq]))")
            for child in children[step.seq] ?? [] { visit(child, indent + 1) }
        }
        for root in roots { visit(root, 1) }
    }

    private func json(_ answer: LineageAnswer, _ query: LineageQuery) -> JSONValue {
        func entryJSON(_ entry: StoredEntry?) -> JSONValue {
            guard let entry else { return .null }
            return [
                "seq": .number(Double(entry.seq)), "id": .string(entry.id), "kind": .string(entry.kind.rawValue),
                "level": .number(Double(entry.level)),
            ]
        }
        let listed: [JSONValue] = answer.listed.map { step in
            var object = entryJSON(answer.entries[step.seq]).objectValue ?? JSONObject()
            object["depth"] = .number(Double(step.depth))
            object["direction"] = .string(step.upstream ? "up" : "down")
            object["role"] = step.role.map { .string($0.rawValue) } ?? .null
            object["from"] = step.from.flatMap { answer.entries[$0] }.map { .string($0.id) } ?? .null
            return .object(object)
        }
        return [
            "start": entryJSON(answer.start), "direction": .string(query.direction.rawValue),
            "via": .array(LinkClass.allCases.filter { query.via.contains($0) }.map { .string($0.rawValue) }),
            "depth": depth.map { .number(Double($0)) } ?? .null,
            "upstream": LevelKindTable.json(answer.upstreamCounts), "downstream": LevelKindTable.json(answer.downstreamCounts),
            "entries": .array(listed), "truncated": .bool(answer.truncated),
        ]
    }
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
