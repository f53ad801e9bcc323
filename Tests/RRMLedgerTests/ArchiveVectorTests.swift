import Foundation
import RRMTestSupport
import Testing

@testable import RRMArchive
@testable import RRMFormat
@testable import RRMStore

/// docs/ARCHIVES.md section 8.6: the test vectors of format version 2 are what `export` writes
/// and what a verifier computes, and the Python verifier printed there, written from the page
/// alone, agrees with rrm-ledger.
@Suite struct ArchiveVectorTests {
    static let document = "docs/ARCHIVES.md"

    func block(_ language: String) throws -> String {
        try #require(try Python.codeBlock(language, inDocument: Self.document), "\(Self.document) lost its \(language) block")
    }

    /// The vectors' ledger, exported.
    func vectorArchive() throws -> (TemporaryLedger, String) {
        let temp = try TemporaryLedger()
        try temp.append(try block("jsonl"))
        let archive = temp.folder.appendingPathComponent("vectors.tar.gz").path
        _ = try temp.ledger.exportArchive(to: archive)
        return (temp, archive)
    }

    @Test func theDocumentedMembersAreWhatExportWrites() throws {
        let (temp, archive) = try vectorArchive()
        let members = try Crafted.members(of: archive)
        #expect(members.map(\.name) == [ArchiveFormat.manifestMember, ArchiveFormat.entriesMember(1)])
        let entries = try block("archive-entries")
        #expect(String(decoding: members[1].bytes, as: UTF8.self) == entries)
        #expect(try Self.document(says: "is these \(entries.utf8.count) bytes"))
        // The manifest, but for the exporter's time and the ledger's origin.
        guard case .object(var written) = try JSONParser.parse(members[0].bytes),
            case .object(var documented) = try JSONParser.parse(try block("archive-manifest"))
        else {
            Issue.record("a manifest is not an object")
            return
        }
        for key in ["created", "origin"] {
            #expect(written[key] != nil && documented[key] != nil)
            written[key] = nil
            documented[key] = nil
        }
        #expect(written == documented)
        #expect(try ArchiveVerifier.verify(path: archive).isIntact)
        _ = temp
    }

    @Test func theDocumentedHashesAreWhatAVerifierComputes() throws {
        let (temp, _) = try vectorArchive()
        let lines = try block("archive-entries").split(separator: "\n").map { Array($0.utf8) }
        var stated: [String: [String]] = [:]
        for line in try block("archive-hashes").split(separator: "\n") {
            let words = line.split(separator: " ").map(String.init)
            stated[words[0] + " " + words[1]] = Array(words.dropFirst(2))
        }
        var previous = ChainHash.genesis
        var leaves: [SHA256Hash] = []
        for (index, body) in lines.enumerated() {
            let seq = Int64(index + 1)
            let digest = body.withUnsafeBytes { ChainHash.bodyDigest($0) }
            let hash = ChainHash.entryHash(previous: previous, seq: seq, bodyDigest: digest)
            #expect(stated["seq \(seq)"] == ["body_sha256", digest.hex, "hash", hash.hex])
            previous = hash
            leaves.append(MerkleHash.leafHash(hash))
        }
        #expect(try temp.ledger.head() == ChainHead(seq: Int64(lines.count), hash: previous))
        var frontier = MerkleFrontier()
        for leaf in leaves { frontier.append(leafHash: leaf) }
        #expect(stated["root 3"] == [frontier.rootHash.hex])
        #expect(try temp.ledger.treeHead().rootHash == frontier.rootHash)
    }

    @Test func theDocumentedPythonVerifierAgreesWithRRMLedger() throws {
        let (signed, signer) = try ArchiveTests.signedLedger(outputs: 8)
        let script = signed.folder.appendingPathComponent("verify.py")
        try Data(try block("python").utf8).write(to: script)
        for (name, options) in [("plain", ExportOptions()), ("pseudonymised", ExportOptions(pseudonymise: true))] {
            let archive = signed.folder.appendingPathComponent("\(name).tar.gz").path
            _ = try signed.ledger.exportArchive(to: archive, options)
            #expect(try ArchiveVerifier.verify(path: archive, verifier: signer.verifier).isIntact)
            let result = try Python.run(script: script, arguments: [archive])
            #expect(result.status == 0, "\(name): \(result.stderr)")
            #expect(result.stdout == "\(try signed.ledger.head())\n")
        }
        // One body changed: both refuse it.
        let archive = signed.folder.appendingPathComponent("plain.tar.gz").path
        var members = try Crafted.members(of: archive)
        var text = String(decoding: members[1].bytes, as: UTF8.self)
        let year = try #require(text.range(of: "\"time\":\"2026"))
        text.replaceSubrange(year, with: "\"time\":\"2027")
        members[1] = .init(name: members[1].name, bytes: Array(text.utf8))
        let changed = signed.folder.appendingPathComponent("changed.tar.gz").path
        try Crafted.archive(at: changed, members: members)
        #expect(try !ArchiveVerifier.verify(path: changed).isIntact)
        let result = try Python.run(script: script, arguments: [changed])
        #expect(result.status != 0)
        #expect(result.stderr.contains("the chain ends at"))
    }

    static func document(says words: String) throws -> Bool {
        try RepositoryFiles.text(document).contains(words)
    }
}
