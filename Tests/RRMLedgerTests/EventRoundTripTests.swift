import Foundation
import Testing

@testable import RRMArchive
@testable import RRMFormat
@testable import RRMStore

/// Property tests of the promise that an event's meaning, not its spelling, is what the ledger
/// keeps: random valid events of every kind (Support/RandomEvents.swift), sent in random
/// non-canonical spellings, are stored as their canonical form, and that form is a fixed point.
@Suite struct EventRoundTripTests {
    private static let appendTime = "2000-01-01T00:00:00Z"

    /// The body the ledger must store for a generated event: its canonical form, with the time
    /// it was sent with normalized to UTC, or the append time.
    private static func expectedBody(_ event: RandomPipeline.GeneratedEvent, appendTime: String) -> String {
        var fields = event.value.objectValue!
        fields["time"] = .string(event.normalizedTime ?? appendTime)
        return CanonicalJSON.string(.object(fields))
    }

    @Test func decodesEveryRandomSpellingOfAnEventToItsCanonicalBody() throws {
        var rng = PropertyRandom(seed: 0xE7E7)
        var decoded = 0
        for _ in 0..<25 {
            let pipeline = RandomPipeline(count: 120, &rng)
            for event in pipeline.events {
                let text = JSONSpelling.text(event.value, &rng)
                #expect(!text.contains("\n"), "a JSONL line must not contain a newline")
                let first = try EventDecoder.decode(JSONParser.parse(text), appendTime: Self.appendTime)
                let body = String(decoding: first.body, as: UTF8.self)
                #expect(body == Self.expectedBody(event, appendTime: Self.appendTime), "\(text)")
                #expect(first.kind == event.kind)
                #expect(first.id.isByteEqual(to: event.id))
                // The body is a fixed point: decoded again, with another append time, it is itself.
                let second = try EventDecoder.decode(JSONParser.parse(first.body), appendTime: "1999-01-01T00:00:00Z")
                #expect(second.body == first.body, "\(body)")
                #expect(second.references == first.references)
                #expect(second.time == first.time)
                decoded += 1
            }
        }
        #expect(decoded == 3000)
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func storesEveryRandomEventAsItsCanonicalBodyAndReappendingItGivesTheSameHash(seed: UInt64) throws {
        var rng = PropertyRandom(seed: seed)
        let pipeline = RandomPipeline(count: 150, &rng)
        let temp = try TemporaryLedger()
        // In batches of random sizes, lines ended by LF or CRLF, with blank lines among them.
        var index = 0
        while index < pipeline.events.count {
            let batch = pipeline.events[index..<min(pipeline.events.count, index + rng.int(1...40))]
            var jsonl = ""
            for event in batch {
                if rng.oneIn(8) { jsonl += rng.pick(["\n", " \t\n", "\r\n"]) }
                jsonl += JSONSpelling.text(event.value, &rng) + rng.pick(["\n", "\r\n"])
            }
            try temp.append(jsonl)
            index += batch.count
        }

        var stored: [StoredEntry] = []
        for event in pipeline.events {
            let entry = try temp.ledger.entry(id: event.id)
            #expect(entry.kind == event.kind)
            #expect(try Timestamp.normalize(entry.time) == entry.time)
            #expect(entry.body == Self.expectedBody(event, appendTime: entry.time), "\(event.value)")
            #expect(entry.hash == ChainHash.entryHash(previous: entry.prevHash, seq: entry.seq, body: Array(entry.body.utf8)))
            stored.append(entry)
        }
        #expect(stored.map(\.seq) == Array(1...Int64(pipeline.events.count)))
        #expect(try temp.ledger.verify().isIntact)

        // The stored bodies, appended to a new ledger as they are, make the same chain.
        let copy = try TemporaryLedger()
        try copy.append(stored.map(\.body).joined(separator: "\n") + "\n")
        for entry in stored {
            let again = try copy.ledger.entry(id: entry.id)
            #expect(again.seq == entry.seq)
            #expect(again.body == entry.body)
            #expect(again.hash == entry.hash, "entry \(entry.seq)")
            #expect(again.level == entry.level)
        }
        #expect(try copy.ledger.head() == temp.ledger.head())
    }

    /// Two pipelines that send the same events in different spellings keep the same chain.
    @Test func differentSpellingsOfTheSameEventsMakeTheSameChain() throws {
        var rng = PropertyRandom(seed: 0x5BE11)
        let pipeline = RandomPipeline(count: 100, &rng)
        let values: [JSONValue] = pipeline.events.map { event in
            var fields = event.value.objectValue!
            if fields["time"] == nil { fields["time"] = .string(Self.appendTime) }
            return .object(fields)
        }
        var heads: [ChainHead] = []
        for _ in 0..<2 {
            let temp = try TemporaryLedger()
            try temp.append(values.map { JSONSpelling.text($0, &rng) }.joined(separator: "\n"))
            heads.append(try temp.ledger.head())
        }
        #expect(heads[0] == heads[1])
        #expect(heads[0].seq == 100)
    }

    @Test func spellsNumbersAsOtherLiteralsOfTheSameDouble() throws {
        var rng = PropertyRandom(seed: 0x9E)
        for _ in 0..<20_000 {
            let value = RandomJSON.double(&rng)
            let text = JSONSpelling.number(value, &rng)
            #expect(try JSONParser.parse(text) == .number(value), "\(text) for \(value)")
        }
    }
}
