import Foundation
import Testing

@testable import RRMArchive
@testable import RRMFormat
@testable import RRMStore

/// What the signed checkpoint covers (docs/ARCHIVES.md section 4, steps 6 and 7): an increment
/// ends at its checkpoint, so entries after it are refused; a full archive may run past its
/// checkpoint, and the verifier says which entries no signature covers.
@Suite struct ArchiveSignedTailTests {
    func path(_ temp: TemporaryLedger, _ name: String) -> String { temp.folder.appendingPathComponent(name).path }

    /// A ledger, a receiver holding its first entries, and an increment of findings up to a new checkpoint.
    func increment(version: ArchiveVersion) throws -> (temp: TemporaryLedger, signer: NoteSigner, receiver: String, archive: String) {
        let (temp, signer) = try ArchiveTests.signedLedger(outputs: 5)
        let base = try temp.ledger.head()
        let receiver = path(temp, "receiver.sqlite")
        _ = try temp.ledger.exportArchive(to: path(temp, "base.tar.gz"), ExportOptions(version: version))
        _ = try Ledger.importArchive(from: path(temp, "base.tar.gz"), into: receiver)
        try temp.append(ArchiveImportTests.findings(3))
        _ = try temp.ledger.recordCheckpoint(signer: signer)
        let archive = path(temp, "inc.tar.gz")
        _ = try temp.ledger.exportArchive(to: archive, ExportOptions(selection: .since(size: base.seq), version: version))
        #expect(try ArchiveVerifier.verify(path: archive, verifier: signer.verifier).isIntact)
        return (temp, signer, receiver, archive)
    }

    /// The manifest with one more entry of `kind` (at `level`, for version 1), ending at `head`.
    static func manifest(_ bytes: [UInt8], plusOne kind: String, level: Int?, head: ChainHead) throws -> [UInt8] {
        var object = try #require(try JSONParser.parse(bytes).objectValue)
        let entries = try #require(object["entries"]?.wholeNumberValue)
        object["entries"] = .number(Double(entries + 1))
        object["last_seq"] = .number(Double(head.seq))
        object["head"] = ["seq": .number(Double(head.seq)), "hash": .string(head.hash.hex)]
        if let level {
            var levels = try #require(object["counts"]?.arrayValue)
            let index = try #require(levels.firstIndex { $0["level"]?.wholeNumberValue == Int64(level) })
            var byKind = try #require(levels[index]["by_kind"]?.objectValue)
            byKind[kind] = .number(Double((byKind[kind]?.wholeNumberValue ?? 0) + 1))
            var entry = try #require(levels[index].objectValue)
            entry["by_kind"] = .object(byKind)
            levels[index] = .object(entry)
            object["counts"] = .array(levels)
        } else {
            var counts = try #require(object["counts"]?.objectValue)
            counts[kind] = .number(Double((counts[kind]?.wholeNumberValue ?? 0) + 1))
            object["counts"] = .object(counts)
        }
        return Array(JSONValue.object(object).prettyPrinted().utf8)
    }

    /// An increment given one more valid entry after its checkpoint, its manifest made to agree
    /// (entries, last_seq, counts, head): the extra entry is signed by no one, and is refused.
    @Test(arguments: ArchiveVersion.allCases)
    func anIncrementWithEntriesAfterItsCheckpointIsRefused(version: ArchiveVersion) throws {
        let (temp, signer, receiver, archive) = try increment(version: version)
        let report = try ArchiveVerifier.verify(path: archive, verifier: signer.verifier)
        let size = try #require(report.manifest.checkpoint?.size)
        var members = try Crafted.members(of: archive)
        let index = try #require(members.firstIndex { $0.name.hasSuffix(".jsonl") })
        let text = String(decoding: members[index].bytes, as: UTF8.self)
        let last = String(try #require(text.split(separator: "\n").last))
        let seq = size + 1
        let line: String
        let level: Int?
        let hash: SHA256Hash
        switch version {
        case .v1:
            guard case .success(let entry) = Array(last.utf8).withUnsafeBufferPointer({ ArchivedEntry.parse($0) }) else {
                Issue.record("the last line does not parse")
                return
            }
            let body = Array(
                String(decoding: entry.body, as: UTF8.self).replacingOccurrences(of: "\"id\":\"f-3\"", with: "\"id\":\"f-4\"").utf8)
            hash = ChainHash.entryHash(previous: entry.hash, seq: seq, bodyDigest: body.withUnsafeBytes { ChainHash.bodyDigest($0) })
            let extra = ArchivedEntry(seq: seq, level: entry.level, body: body, prevHash: entry.hash, hash: hash)
            line = String(decoding: extra.line(), as: UTF8.self)
            level = entry.level
        case .v2:
            let body = last.replacingOccurrences(of: "\"id\":\"f-3\"", with: "\"id\":\"f-4\"")
            #expect(body != last)
            hash = ChainHash.entryHash(
                previous: report.head.hash, seq: seq, bodyDigest: Array(body.utf8).withUnsafeBytes { ChainHash.bodyDigest($0) })
            line = body + "\n"
            level = nil
        }
        members[index] = .init(name: members[index].name, bytes: members[index].bytes + Array(line.utf8))
        members[0] = .init(
            name: members[0].name,
            bytes: try Self.manifest(members[0].bytes, plusOne: "finding", level: level, head: ChainHead(seq: seq, hash: hash)))
        let extended = path(temp, "extended.tar.gz")
        try Crafted.archive(at: extended, members: members)

        let faults = try ArchiveVerifier.verify(path: extended, verifier: signer.verifier).faults
        #expect(
            faults == [
                "an incremental archive ends at its checkpoint's \(size) entries, and this one holds entries up to \(seq): entries \(seq)…\(seq) are not covered by the signed checkpoint"
            ])
        let before = try Data(contentsOf: URL(fileURLWithPath: receiver))
        #expect(throws: ArchiveError.self) { try Ledger.importArchive(from: extended, into: receiver, verifier: signer.verifier) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: receiver)) == before)
        // The increment as exported still imports.
        #expect(try Ledger.importArchive(from: archive, into: receiver, verifier: signer.verifier).head.seq == size)
    }

    /// A damaged stored body (not starting with "{", or holding a line feed) would make a
    /// version-2 archive that no reader can read: export refuses it, names the row and leaves nothing.
    @Test(arguments: [
        ("' ' || body", "the body does not start with \"{\""),
        ("replace(body, ',\"kind\"', char(10) || ',\"kind\"')", "the body holds a line feed"),
    ])
    func theVersion2ExporterRefusesABodyThatCannotBeALine(change: String, words: String) throws {
        let temp = try ArchiveVersion2Tests.unsignedLedger(outputs: 2)
        try temp.tamper("UPDATE entry SET body = \(change) WHERE seq = 3")
        let archive = path(temp, "a.tar.gz")
        let error = #expect(throws: LedgerError.self) { try temp.ledger.exportArchive(to: archive) }
        guard case .malformedRow(table: "entry", row: 3, column: "body", let problem)? = error else {
            Issue.record("expected a malformed body row, got \(String(describing: error))")
            return
        }
        #expect(problem.hasPrefix(words), "\(problem)")
        #expect(!FileManager.default.fileExists(atPath: archive))
    }
}
