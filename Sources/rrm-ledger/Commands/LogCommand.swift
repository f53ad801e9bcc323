import ArgumentParser
import RRMLedger

extension EventKind: ExpressibleByArgument {}

/// A finding's verdict, as `log --verdict` selects it.
enum FindingVerdict: String, CaseIterable, ExpressibleByArgument {
    case erroneous, correct
}

struct LogCommand: LedgerCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "List entries in sequence order, optionally by kind, level, verdict, rater, subject or time.",
        discussion: """
            Text prints one line per entry, a finding's with its verdict and what it is about; json \
            prints one JSON object per line (JSON Lines), body included; --bodies prints each entry's \
            canonical body alone, one per line. Output streams.
            """)

    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var output: FormatOptions

    @Option(name: .long, help: "Only entries of this kind: \(EventKind.allCases.map(\.rawValue).joined(separator: ", ")).")
    var kind: EventKind?

    @Option(name: .long, help: "Only entries at this level.")
    var level: Int?

    @Option(name: .long, help: ArgumentHelp("Start at this sequence number.", valueName: "seq"))
    var from: Int64 = 1

    @Option(name: .long, help: ArgumentHelp("Print at most this many entries.", valueName: "n"))
    var limit: Int?

    @Option(name: .long, help: "Only findings with this verdict: erroneous or correct.")
    var verdict: FindingVerdict?

    @Option(name: .long, help: ArgumentHelp("Only labels given by this rater (a person's name, a model's id).", valueName: "id"))
    var rater: String?

    @Option(name: .long, help: ArgumentHelp("Only findings about this entry.", valueName: "id"))
    var about: String?

    @Option(name: .long, help: ArgumentHelp("Only entries whose event time is at or after this RFC 3339 time.", valueName: "time"))
    var since: String?

    @Option(name: .long, help: ArgumentHelp("Only entries whose event time is before this RFC 3339 time.", valueName: "time"))
    var until: String?

    @Flag(name: .long, help: "Print each entry's canonical body alone, one JSON object per line.")
    var bodies = false

    func validate() throws {
        try checkOption("--level", level, in: OptionRange.level)
        try checkOption("--limit", limit, in: OptionRange.listed)
        try checkOption("--from", from, in: OptionRange.seq)
        if rater != nil && (verdict != nil || about != nil) {
            throw ValidationError("--rater selects labels and --verdict and --about select findings; give one or the other")
        }
        if let kind {
            if let selector = verdict.map({ _ in "--verdict" }) ?? about.map({ _ in "--about" }), kind != .finding {
                throw ValidationError("\(selector) selects findings; it cannot be combined with --kind \(kind.rawValue)")
            }
            if rater != nil, kind != .label {
                throw ValidationError("--rater selects labels; it cannot be combined with --kind \(kind.rawValue)")
            }
        }
        let window = try (since.map { try eventTime("--since", $0) }, until.map { try eventTime("--until", $0) })
        if let since = window.0, let until = window.1, EntryFilter.orderKey(since) >= EntryFilter.orderKey(until) {
            throw ValidationError("--since (\(since)) must be before --until (\(until))")
        }
    }

    func execute() throws {
        let target = try openLedger(ledger, readOnly: true)
        let filter = EntryFilter(
            kind: kind, level: level, fromSeq: from, limit: limit, verdict: verdict?.rawValue, rater: rater,
            aboutSeq: try about.map { try target.entry(id: $0).seq }, since: try since.map { try eventTime("--since", $0) },
            until: try until.map { try eventTime("--until", $0) })
        try target.forEachEntry(filter) { entry in
            if bodies {
                // Re-encoded, not copied: a body edited outside rrm-ledger into something that is not
                // JSON is refused (65), never passed on.
                Output.jsonLine(try entry.bodyValue())
                return
            }
            switch output.format {
            case .text:
                let kindColumn = entry.kind.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)
                var line = "\(entry.seq)\t\(kindColumn)\tL\(entry.level)\t\(entry.time)\t\(entry.hash.hex.prefix(12))\t\(entry.id)"
                if entry.kind == .finding { line += "\t" + (try Self.judgement(of: entry)) }
                Output.line(line)
            case .json:
                let line: JSONValue = [
                    "seq": .number(Double(entry.seq)), "id": .string(entry.id), "kind": .string(entry.kind.rawValue),
                    "level": .number(Double(entry.level)), "time": .string(entry.time),
                    "hash": .string(entry.hash.hex), "prev_hash": .string(entry.prevHash.hex),
                    "body": try entry.bodyValue(),
                ]
                Output.jsonLine(CanonicalJSON.string(line))
            }
        }
    }

    /// A finding's verdict, error type and subject as its log line ends: `erroneous (sycophancy)
    /// about crit-1`. Each is free text from the body, escaped whole, so it cannot forge a line.
    static func judgement(of finding: StoredEntry) throws -> String {
        let body = try finding.bodyValue()
        let verdict = TerminalText.escaped(body["verdict"]?.stringValue ?? "?")
        let type = body["error_type"]?.stringValue.map { " (\(TerminalText.escaped($0)))" } ?? ""
        let about = TerminalText.escaped(body["about"]?.stringValue ?? "?")
        return "\(verdict)\(type) about \(about)"
    }
}

/// An option's RFC 3339 time, normalized as event times are (docs/EVENTS.md), or a usage error
/// naming the option and why the text is not one.
func eventTime(_ option: String, _ text: String) throws -> String {
    do {
        return try Timestamp.normalize(text)
    } catch {
        throw ValidationError("\(option) \"\(text)\" is not an RFC 3339 time such as 2026-01-01T00:00:00Z: \(error.reason)")
    }
}
