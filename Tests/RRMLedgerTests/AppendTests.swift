import Foundation
import GRDB
import Testing

@testable import RRMAnalysis
@testable import RRMArchive
@testable import RRMFormat
@testable import RRMStore

@Suite struct AppendTests {
    @Test func appendsAPipelineWithCountsHeadAndLevels() throws {
        let temp = try TemporaryLedger()
        let summary = try temp.append(Fixture.pipeline)
        #expect(summary.total == Fixture.entryCount)
        #expect(summary.firstSeq == 1)
        #expect(summary.head.seq == Int64(Fixture.entryCount))
        #expect(summary.countsByKind == [.model: 3, .output: 3, .critique: 1, .label: 3, .dataset: 1, .finding: 2])
        #expect(try temp.ledger.head() == summary.head)

        // Levels follow the level rule: an output from its model, a critique and a label from
        // their targets, a finding from what it judges.
        #expect(try temp.ledger.entry(id: "out-1a").level == 1)
        #expect(try temp.ledger.entry(id: "crit-1a").level == 1)
        #expect(try temp.ledger.entry(id: "label-1a").level == 1)
        #expect(try temp.ledger.entry(id: "finding-1").level == 1)
        #expect(try temp.ledger.entry(id: "data-0").level == 0)
    }

    @Test func storesLineageEdgesBothWays() throws {
        let temp = try TemporaryLedger()
        try temp.append(Fixture.pipeline)
        let label = try temp.ledger.entry(id: "label-1a")
        let parents = try temp.ledger.parents(of: label.seq)
        #expect(parents.map(\.id) == ["crit-1a", "out-1a"])
        #expect(parents.map(\.role) == [.assistedBy, .labelTarget])

        let critique = try temp.ledger.entry(id: "crit-1a")
        let children = try temp.ledger.children(of: critique.seq)
        #expect(children.map(\.id) == ["label-1a", "finding-1", "finding-2"])
        #expect(try temp.ledger.childCounts(of: critique.seq) == [.assistedBy: 1, .about: 2])
        #expect(try temp.ledger.latestFinding(about: critique.seq)?.id == "finding-2")
    }

    @Test func canonicalBodyAndNormalizedTimeAreStored() throws {
        let temp = try TemporaryLedger()
        try temp.append(
            #"{"kind":"model","role":"policy","level":0,"id":"m","time":"2026-03-01T01:30:00.500+02:00","attributes":{"b":1.0,"a":[1e2]}}"#)
        let entry = try temp.ledger.entry(id: "m")
        #expect(entry.time == "2026-02-28T23:30:00.5Z")
        #expect(
            entry.body
                == #"{"attributes":{"a":[100],"b":1},"id":"m","kind":"model","level":0,"role":"policy","time":"2026-02-28T23:30:00.5Z"}"#)
        #expect(entry.hash == ChainHash.entryHash(previous: ChainHash.genesis, seq: 1, body: Array(entry.body.utf8)))
    }

    @Test func appendTimeIsRecordedWhenAbsent() throws {
        let temp = try TemporaryLedger()
        try temp.append(#"{"kind":"model","id":"m","level":0,"role":"policy"}"#)
        let time = try temp.ledger.entry(id: "m").time
        #expect(try Timestamp.normalize(time) == time)
        #expect(time.hasPrefix(String(Timestamp.now().prefix(4))))
    }

    @Test func laterBatchesChainOntoTheHead() throws {
        let temp = try TemporaryLedger()
        let first = try temp.append(#"{"kind":"model","id":"m0","level":0,"role":"policy","time":"2026-01-01T00:00:00Z"}"#)
        let second = try temp.append(#"{"kind":"output","id":"o","model":"m0","task":"t","time":"2026-01-01T00:00:01Z"}"#)
        #expect(second.firstSeq == 2)
        let entry = try temp.ledger.entry(id: "o")
        #expect(entry.prevHash == first.head.hash)
        #expect(try temp.ledger.verify().isIntact)
    }

    @Test func dryRunChecksEverythingAndWritesNothing() throws {
        let temp = try TemporaryLedger()
        let before = try temp.contentDigest()
        let summary = try temp.append(Fixture.pipeline, dryRun: true)
        #expect(summary.dryRun)
        #expect(summary.total == Fixture.entryCount)
        #expect(try temp.contentDigest() == before)
        #expect(try temp.ledger.head() == .empty)
    }

    /// Append turns SQLite's foreign-key enforcement off for its own transaction only: after a
    /// dry run, a commit and a refused batch alike, the connection enforces them again.
    @Test func foreignKeysAreEnforcedAgainAfterEveryAppend() throws {
        let temp = try TemporaryLedger()
        func enforced() throws -> Bool { try temp.ledger.read { try Int.fetchOne($0, sql: "PRAGMA foreign_keys") } == 1 }
        #expect(try enforced())
        try temp.append(Fixture.pipeline, dryRun: true)
        #expect(try enforced())
        try temp.append(Fixture.pipeline)
        #expect(try enforced())
        #expect(throws: LedgerError.self) {
            try temp.append(#"{"kind":"label","id":"l-x","rater":"human:r","targets":["no-such-output"],"value":{"score":1}}"#)
        }
        #expect(try enforced())
    }

    @Test func streamsALargeBatchInBoundedChunks() throws {
        let temp = try TemporaryLedger()
        let count = 30_000
        let source = GeneratedLines(count: count)
        let summary = try temp.ledger.append(from: source)
        #expect(summary.total == count + 1)
        #expect(summary.countsByKind[.output] == count)
        let report = try temp.ledger.verify()
        #expect(report.isIntact)
        #expect(report.entries == Int64(count + 1))
    }
}

/// A model, then `count` outputs, produced on demand so the batch never exists in memory whole.
final class GeneratedLines: ByteSource {
    let name = "generated"
    private let count: Int
    private var next = -1
    private var pending: [UInt8] = []

    init(count: Int) {
        self.count = count
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(InputError) -> Int {
        while pending.count < buffer.count && next < count {
            let line =
                next < 0
                ? #"{"kind":"model","id":"m","level":0,"role":"policy"}"#
                : #"{"kind":"output","id":"o-\#(next)","model":"m","task":"t\#(next % 7)"}"#
            pending.append(contentsOf: line.utf8)
            pending.append(0x0A)
            next += 1
        }
        let n = min(buffer.count, pending.count)
        pending.withUnsafeBytes { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        pending.removeFirst(n)
        return n
    }
}

@Suite struct ExactIdentifierTests {
    /// "café" in NFC and in NFD are two ids: SQLite compares bytes, and so must every lookup.
    @Test func canonicallyEquivalentIdsStayDistinct() throws {
        let temp = try TemporaryLedger()
        try temp.append(
            #"""
            {"kind":"model","id":"caf\u00e9","level":0,"role":"policy"}
            {"kind":"model","id":"cafe\u0301","level":7,"role":"policy"}
            {"kind":"output","id":"o","model":"caf\u00e9","task":"t"}
            {"kind":"output","id":"p","model":"cafe\u0301","task":"t"}
            {"kind":"critique","id":"c","critic":"caf\u00e9","targets":["o","p"]}
            """#)
        #expect(try temp.ledger.entry(id: "o").level == 0)
        #expect(try temp.ledger.entry(id: "p").level == 7)
        let parents = try temp.ledger.parents(of: try temp.ledger.entry(id: "o").seq)
        #expect(parents.map(\.seq) == [1])
        #expect(try temp.ledger.verify(VerificationOptions(deep: true)).isIntact)
        #expect(JSONValue.string("caf\u{e9}") != JSONValue.string("cafe\u{301}"))
    }

    @Test func aPersonRaterFollowsTheIdRules() throws {
        let temp = try TemporaryLedger()
        try temp.append(
            #"{"kind":"model","id":"m","level":0,"role":"policy"}"# + "\n" + #"{"kind":"output","id":"o","model":"m","task":"t"}"#)
        let error = #expect(throws: LedgerError.self) {
            try temp.append(#"{"kind":"label","id":"l","rater":"human:a\u0007","targets":["o"],"value":1}"#)
        }
        guard case .badEvent(1, _, _, _)? = error, let problem = error?.description else {
            Issue.record("expected a bad event, got \(String(describing: error))")
            return
        }
        #expect(problem.contains("person id contains the control character"))
    }
}
