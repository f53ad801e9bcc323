import Foundation
import Testing

@testable import RRMArchive
@testable import RRMFormat
@testable import RRMStore

/// Import of a hostile archive: an entry whose chain, tree and checkpoint all verify but whose
/// body a ledger would refuse (or store otherwise) is refused with the archive's own error, and
/// the ledger imported into is unchanged (docs/ARCHIVES.md, "Importing").
@Suite struct ArchiveImportTests {
    func path(_ temp: TemporaryLedger, _ name: String) -> String { temp.folder.appendingPathComponent(name).path }

    /// Appends `body` as it stands, past every check an append makes on a line, as a forger who
    /// controls the source ledger could: the writer trusts its producer's validation, so the
    /// entry is chained, in the tree, and exported and checkpointed like any other.
    static func forge(_ body: String, into ledger: Ledger) throws {
        let bytes = Array(body.utf8)
        let event = Event(
            kind: .finding, id: "forged", time: "2026-01-01T00:00:00Z", timeWasAssigned: false, references: [], declaredLevel: nil,
            modelRole: nil,
            body: bytes)
        let decoded = DecodedEvent(line: 1, event: event, bodyDigest: bytes.withUnsafeBytes { ChainHash.bodyDigest($0) })
        let events = ProducerThread<[DecodedEvent]>(capacity: 1) { sink in sink.send([decoded]) }
        _ = try ledger.append(decodedBy: events, sourceName: "forger")
    }

    /// A receiver holding a signed ledger's first entries, and an increment whose one entry has
    /// `body`, checkpointed by the source's key.
    func hostileIncrement(_ body: String) throws -> (temp: TemporaryLedger, receiver: String, increment: String, seq: Int64) {
        let (temp, signer) = try ArchiveTests.signedLedger(outputs: 10)
        let base = try temp.ledger.head()
        let receiver = path(temp, "receiver.sqlite")
        _ = try temp.ledger.exportArchive(to: path(temp, "base.tar.gz"))
        _ = try Ledger.importArchive(from: path(temp, "base.tar.gz"), into: receiver)
        try Self.forge(body, into: temp.ledger)
        _ = try temp.ledger.recordCheckpoint(signer: signer)
        let increment = path(temp, "increment.tar.gz")
        _ = try temp.ledger.exportArchive(to: increment, ExportOptions(selection: .since(size: Int64(base.seq))))
        // Everything an archive's verification checks holds: the body is the only thing wrong.
        let report = try ArchiveVerifier.verify(path: increment, verifier: signer.verifier)
        #expect(report.isIntact, "\(report.faults)")
        return (temp, receiver, increment, base.seq + 1)
    }

    @Test func aBodyNoLedgerWouldAcceptIsRefusedAsAMalformedArchive() throws {
        let (temp, receiver, increment, seq) = try hostileIncrement(
            #"{"about":"L1-label-2","auditor":"human:zoe","id":"forged","kind":"finding","time":"2026-01-01T00:00:00Z","verdict":"correct","weight":1}"#
        )
        _ = temp
        let before = try TemporaryLedger.contentDigest(ofLedgerAt: receiver)
        let error = #expect(throws: ArchiveError.self) { try Ledger.importArchive(from: increment, into: receiver) }
        guard case .malformed(let path, .bodyNotAnEvent(let badSeq, let id, let problem))? = error else {
            Issue.record("expected ArchiveError.malformed(.bodyNotAnEvent), got \(String(describing: error))")
            return
        }
        #expect(path == increment)
        #expect(badSeq == Int64(seq) && id == "forged")
        #expect(problem.contains("weight"), "\(problem)")
        #expect(try TemporaryLedger.contentDigest(ofLedgerAt: receiver) == before)
    }

    @Test func aBodyNotInCanonicalFormIsRefusedAsFailingVerification() throws {
        // A valid event, but not in RFC 8785 form: a ledger would store other bytes, under
        // another hash than the archive's.
        let (temp, receiver, increment, seq) = try hostileIncrement(
            #"{"kind":"finding","id":"forged","about":"L1-label-2","verdict":"correct","auditor":"human:zoe","time":"2026-01-01T00:00:00Z"}"#
        )
        _ = temp
        let before = try TemporaryLedger.contentDigest(ofLedgerAt: receiver)
        let error = #expect(throws: ArchiveError.self) { try Ledger.importArchive(from: increment, into: receiver) }
        guard case .verificationFailed(let path, let faults)? = error else {
            Issue.record("expected ArchiveError.verificationFailed, got \(String(describing: error))")
            return
        }
        #expect(path == increment)
        #expect(faults == ["entry \(seq): its body is not in canonical form, so a ledger would store other bytes under another hash"])
        #expect(try TemporaryLedger.contentDigest(ofLedgerAt: receiver) == before)
    }

    @Test func aHostileFullArchiveLeavesNoLedger() throws {
        let temp = try TemporaryLedger()
        try temp.append(Fixture.pipeline)
        try Self.forge(#"{"id":"forged","kind":"finding"}"#, into: temp.ledger)
        let archive = path(temp, "full.tar.gz")
        _ = try temp.ledger.exportArchive(to: archive)
        #expect(try ArchiveVerifier.verify(path: archive).isIntact)
        let target = path(temp, "copy.sqlite")
        let error = #expect(throws: ArchiveError.self) { try Ledger.importArchive(from: archive, into: target) }
        guard case .malformed(_, .bodyNotAnEvent(let badSeq, let id, _))? = error else {
            Issue.record("expected ArchiveError.malformed(.bodyNotAnEvent), got \(String(describing: error))")
            return
        }
        #expect(badSeq == Int64(Fixture.entryCount + 1) && id == "forged")
        #expect(!FileManager.default.fileExists(atPath: target))
    }

    @Test func whatTheLedgerRefusesStaysALedgerError() throws {
        // The entries are a sound archive, but the ledger cannot take them: an entry names an id
        // it does not hold. That is the store's refusal, in the store's words.
        let temp = try TemporaryLedger()
        try temp.append(Fixture.pipeline)
        let base = try temp.ledger.head()
        try Self.forge(
            #"{"about":"no-such-entry","auditor":"human:zoe","id":"forged","kind":"finding","time":"2026-01-01T00:00:00Z","verdict":"correct"}"#,
            into: temp.ledger)
        let signer = try NoteSigner.generate(name: LedgerOrigin.keyName(for: try #require(try temp.ledger.origin()))).signer
        _ = try temp.ledger.recordCheckpoint(signer: signer)
        let receiver = try TemporaryLedger()
        try receiver.append(Fixture.pipeline)
        #expect(try receiver.ledger.head() == base)
        _ = try receiver.ledger.rootHash(size: Int64(base.seq))
        let increment = path(temp, "increment.tar.gz")
        _ = try temp.ledger.exportArchive(to: increment, ExportOptions(selection: .since(size: Int64(base.seq))))
        let before = try receiver.contentDigest()
        let error = #expect(throws: LedgerError.self) { try Ledger.importArchive(from: increment, into: receiver.path) }
        guard case .badEvent(_, let id, _, _)? = error, let problem = error?.description else {
            Issue.record("expected LedgerError.badEvent, got \(String(describing: error))")
            return
        }
        #expect(id == "forged")
        #expect(problem.contains("no-such-entry"), "\(problem)")
        #expect(try receiver.contentDigest() == before)
    }

    /// `count` valid findings about one label, as JSONL.
    static func findings(_ count: Int) -> String {
        (1...count).map { #"{"kind":"finding","id":"f-\#($0)","about":"L1-label-2","verdict":"correct","auditor":"human:zoe"}"# + "\n" }
            .joined()
    }

    /// Every way an increment can be refused, each after some entries were already written
    /// inside the import's transaction: the refusal leaves the receiver's file byte for byte
    /// as it was (every check runs before COMMIT, docs/ARCHIVES.md, "Importing").
    @Test(arguments: [
        // The last body is not canonical (its chain, tree and checkpoint made to match).
        (
            "not canonical",
            #"{"kind":"finding","id":"forged","about":"L1-label-2","verdict":"correct","auditor":"human:zoe","time":"2026-01-01T00:00:00Z"}"#
        ),
        // The body omits `time`: a ledger would fill it in and store other bytes.
        ("no time", #"{"about":"L1-label-2","auditor":"human:zoe","id":"forged","kind":"finding","verdict":"correct"}"#),
        // A field no event has.
        (
            "unknown field",
            #"{"about":"L1-label-2","auditor":"human:zoe","id":"forged","kind":"finding","time":"2026-01-01T00:00:00Z","verdict":"correct","weight":1}"#
        ),
    ])
    func aRefusedImportLeavesTheLedgerFileByteForByte(case name: String, body: String) throws {
        let (temp, signer) = try ArchiveTests.signedLedger(outputs: 10)
        let base = try temp.ledger.head()
        let receiver = path(temp, "receiver.sqlite")
        _ = try temp.ledger.exportArchive(to: path(temp, "base.tar.gz"))
        _ = try Ledger.importArchive(from: path(temp, "base.tar.gz"), into: receiver)
        // Valid entries first, so the writer has inserted rows when the forged last one comes.
        try temp.append(Self.findings(300))
        try Self.forge(body, into: temp.ledger)
        _ = try temp.ledger.recordCheckpoint(signer: signer)
        let increment = path(temp, "increment.tar.gz")
        _ = try temp.ledger.exportArchive(to: increment, ExportOptions(selection: .since(size: Int64(base.seq))))
        #expect(try ArchiveVerifier.verify(path: increment, verifier: signer.verifier).isIntact, "\(name)")
        let before = try #require(FileManager.default.contents(atPath: receiver))
        #expect(throws: (any Error).self, "\(name)") {
            try Ledger.importArchive(from: increment, into: receiver, verifier: signer.verifier)
        }
        #expect(FileManager.default.contents(atPath: receiver) == before, "\(name)")
        #expect(try Ledger.open(at: receiver, readOnly: true).head() == base, "\(name)")
    }

    /// An increment signed by another key than the one given, or not continuing the receiver's
    /// head, is refused with the file unchanged.
    @Test func aWrongKeyOrAWrongBaseLeavesTheLedgerFileByteForByte() throws {
        let (temp, signer) = try ArchiveTests.signedLedger(outputs: 10)
        let base = try temp.ledger.head()
        let receiver = path(temp, "receiver.sqlite")
        _ = try temp.ledger.exportArchive(to: path(temp, "base.tar.gz"))
        _ = try Ledger.importArchive(from: path(temp, "base.tar.gz"), into: receiver)
        try temp.append(Self.findings(300))
        _ = try temp.ledger.recordCheckpoint(signer: signer)
        let increment = path(temp, "increment.tar.gz")
        _ = try temp.ledger.exportArchive(to: increment, ExportOptions(selection: .since(size: Int64(base.seq))))
        let stranger = try NoteSigner.generate(name: signer.verifier.name).signer
        let before = try #require(FileManager.default.contents(atPath: receiver))
        #expect(throws: ArchiveError.self) { try Ledger.importArchive(from: increment, into: receiver, verifier: stranger.verifier) }
        #expect(FileManager.default.contents(atPath: receiver) == before)
        // The receiver moved on: the increment's base is no longer its head.
        _ = try Ledger.open(at: receiver).append(events: [try JSONParser.parse(#"{"kind":"model","id":"later","level":0,"role":"policy"}"#)]
        )
        let moved = try #require(FileManager.default.contents(atPath: receiver))
        let error = #expect(throws: ArchiveError.self) { try Ledger.importArchive(from: increment, into: receiver) }
        #expect("\(String(describing: error))".contains("it continues a ledger of \(base.seq) entries"))
        #expect(FileManager.default.contents(atPath: receiver) == moved)
    }
}
