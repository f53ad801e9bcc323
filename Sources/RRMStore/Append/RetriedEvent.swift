import GRDB
import RRMFormat

/// Tells a retry from a conflict when an event's id is already taken.
///
/// A client that does not know whether its last batch landed sends it again (EVENTS.md, "Retries").
/// The resent event is then the recorded one: its canonical body is the recorded body byte for
/// byte, or, when it has no `time` of its own and so was given this append's clock, the recorded
/// body with another `time`. Anything else under a taken id is a conflict, and the differences
/// are named so that the operator can see which of the two events is wrong.
enum RetriedEvent {
    /// How the event sent under a taken id compares with the entry recorded under it.
    enum Comparison: Equatable {
        /// The same event: recorded already, nothing to append.
        case alreadyRecorded
        /// Another event: one line per differing field, recorded value first.
        case conflict(differences: [String])
    }

    /// Compares `sent` with the body recorded under its id.
    static func compare(sent: Event, recordedBody: [UInt8]) -> Comparison {
        if sent.body == recordedBody { return .alreadyRecorded }
        guard case .object(let sentFields)? = try? JSONParser.parse(sent.body),
            case .object(let recordedFields)? = try? JSONParser.parse(recordedBody)
        else {
            return .conflict(differences: ["the recorded body is not a JSON object"])
        }
        var differences: [String] = []
        let names = Set(sentFields.members.map(\.key)).union(recordedFields.members.map(\.key)).sorted()
        for name in names {
            if name == "time" && sent.timeWasAssigned { continue }
            switch (recordedFields[name], sentFields[name]) {
            case (let recorded?, let resent?) where recorded == resent:
                continue
            case (let recorded?, let resent?):
                differences.append("\"\(name)\" is \(excerpt(recorded)) in the entry and \(excerpt(resent)) in this event")
            case (let recorded?, nil):
                differences.append("\"\(name)\" is \(excerpt(recorded)) in the entry and absent from this event")
            case (nil, let resent?):
                differences.append("\"\(name)\" is absent from the entry and \(excerpt(resent)) in this event")
            case (nil, nil):
                continue
            }
        }
        return differences.isEmpty ? .alreadyRecorded : .conflict(differences: differences)
    }

    /// A value as canonical JSON, cut to a length that fits in one error line.
    private static func excerpt(_ value: JSONValue) -> String {
        let text = String(decoding: CanonicalJSON.encode(value), as: UTF8.self)
        return text.count <= 60 ? text : String(text.prefix(57)) + "…"
    }
}

/// Reads the canonical body recorded under an id, on the writer's connection (so entries of the
/// uncommitted batch are found too): only on the rare path of a taken id.
struct RecordedBodies {
    private let lookup: RawStatement

    init(_ db: Database) throws {
        lookup = try RawStatement(db, "SELECT body FROM entry WHERE seq = ?")
    }

    func body(seq: Int64) throws -> [UInt8]? {
        lookup.bind(1, seq)
        defer { lookup.reset() }
        guard try lookup.step(), !lookup.isNull(0) else { return nil }
        return [UInt8](lookup.bytes(0))
    }
}

/// Sequence numbers as ascending ranges of consecutive numbers: how a resent batch's
/// already-recorded entries are reported, in as few numbers as they allow.
public struct SeqRanges: Sendable, Equatable {
    public private(set) var ranges: [ClosedRange<Int64>] = []

    public init() {}

    /// Numbers held in all.
    public var count: Int64 { ranges.reduce(0) { $0 + ($1.upperBound - $1.lowerBound + 1) } }

    /// Adds `seq`, joining it to the last range when it follows it.
    public mutating func insert(_ seq: Int64) {
        if let last = ranges.last, last.upperBound &+ 1 == seq {
            ranges[ranges.count - 1] = last.lowerBound...seq
        } else {
            ranges.append(seq...seq)
        }
    }

    /// Adds every number of `other` after this one's.
    public mutating func append(contentsOf other: SeqRanges) {
        for range in other.ranges {
            if let last = ranges.last, last.upperBound &+ 1 == range.lowerBound {
                ranges[ranges.count - 1] = last.lowerBound...range.upperBound
            } else {
                ranges.append(range)
            }
        }
    }
}
