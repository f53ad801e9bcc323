import Foundation
import Testing

@testable import RRMAnalysis
@testable import RRMArchive
@testable import RRMFormat
@testable import RRMSimulation
@testable import RRMStore

private let hash = String(repeating: "ab", count: 32)

/// A gzip-compressed tar of the members, in a temporary file.
private func archive(_ members: [(String, String)]) throws -> (path: String, folder: URL) {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rrm-hostile-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let path = folder.appendingPathComponent("hostile.tar.gz").path
    let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
    defer { close(descriptor) }
    let gzip = try GzipWriter(descriptor: descriptor, path: path)
    for (name, contents) in members {
        let bytes = Array(contents.utf8)
        try gzip.write(TarWriter.header(name: name, size: bytes.count, modified: 0))
        try gzip.write(bytes)
        try gzip.write(TarWriter.padding(after: bytes.count))
    }
    try gzip.write(TarWriter.end)
    try gzip.finish()
    return (path, folder)
}

/// A manifest of one model entry at level 0, with `change` applied to its fields.
private func manifest(_ change: (inout JSONObject) -> Void = { _ in }) -> String {
    var fields: JSONObject = [
        "format": "rrm-ledger-archive/1", "created": "2026-01-01T00:00:00Z", "created_by": "test", "selection": "full",
        "entries": 1, "first_seq": 1, "last_seq": 1, "head": ["seq": 1, "hash": .string(hash)],
        "counts": [["level": 0, "by_kind": ["model": 1]]],
    ]
    change(&fields)
    return CanonicalJSON.string(.object(fields))
}

private func entry(seq: String = "1", level: String = "0", proof: [String]? = nil) -> String {
    let proofMember = proof.map { #""proof":["# + $0.map { "\"\($0)\"" }.joined(separator: ",") + "]," } ?? ""
    return #"{"body":"{}","hash":"\#(hash)","level":\#(level),"prev_hash":"\#(hash)",\#(proofMember)"seq":\#(seq)}"# + "\n"
}

/// Archives that Fuzz/ (fuzz-archive) found crashing the reader, written member by member: each
/// must be refused as malformed, never trap.
@Suite struct HostileArchiveTests {
    /// Whole numbers beyond what Int64 (or Int) holds, in every field read as one. The reader
    /// converted them with Int64(_:), Int(_:) or UInt64(_:), which trap; the first case is the
    /// fuzzer's own input, minimised (a manifest whose head seq is 1e19).
    @Test func refusesNumbersTooLargeForTheirFieldsInsteadOfTrapping() throws {
        let fuzzerManifest =
            #"{"created":"","created_by":"r","entries":7,"first_seq":1,"format":"rrm-ledger-archive/1","head":{"hash":"626f0535bc196c64d8e1c3c03ca4ac914cbe681fdccd5870ff490243b5103d26","seq":1e19},"last_seq":7,"selection":"full"}"#
        let checkpoint: JSONValue = ["size": 1e20, "root": .string(hash)]
        let cases: [(String, [(String, String)])] = [
            ("the fuzzer's manifest", [("rrm-archive/manifest.json", fuzzerManifest)]),
            ("head seq", [("rrm-archive/manifest.json", manifest { $0["head"] = ["seq": 1e19, "hash": .string(hash)] })]),
            ("checkpoint size", [("rrm-archive/manifest.json", manifest { $0["checkpoint"] = checkpoint })]),
            (
                "base size",
                [
                    (
                        "rrm-archive/manifest.json",
                        manifest {
                            $0["selection"] = "incremental"
                            $0["checkpoint"] = ["size": 2, "root": .string(hash)]
                            $0["base"] = [
                                "size": 1e20, "root": .string(hash), "entry_hash": .string(hash), "frontier": [], "consistency": [],
                            ]
                        }
                    )
                ]
            ),
            ("counted level", [("rrm-archive/manifest.json", manifest { $0["counts"] = [["level": 1e300, "by_kind": ["model": 1]]] })]),
            ("count", [("rrm-archive/manifest.json", manifest { $0["counts"] = [["level": 0, "by_kind": ["model": 1e300]]] })]),
            (
                "pseudonymised entries",
                [("rrm-archive/manifest.json", manifest { $0["pseudonymised"] = ["fields": ["rater"], "entries": 1e300] })]
            ),
            ("entry seq", [("rrm-archive/manifest.json", manifest()), ("rrm-archive/entries-000001.jsonl", entry(seq: "1e19"))]),
            ("entry level", [("rrm-archive/manifest.json", manifest()), ("rrm-archive/entries-000001.jsonl", entry(level: "1e300"))]),
        ]
        for (name, members) in cases {
            let (path, folder) = try archive(members)
            defer { try? FileManager.default.removeItem(at: folder) }
            let error = #expect(throws: ArchiveError.self, "\(name)") { try ArchiveVerifier.verify(path: path) }
            switch error {
            case .malformed(_, .manifest)? where !name.hasPrefix("entry"): break
            case .malformed(_, .line(member: "rrm-archive/entries-000001.jsonl", line: 1, _))? where name.hasPrefix("entry"): break
            default: Issue.record("\(name): expected a malformed manifest or first entry, got \(String(describing: error))")
            }
        }
        // The same archive with sound numbers reads (and fails only on its made-up hashes).
        let (path, folder) = try archive([("rrm-archive/manifest.json", manifest()), ("rrm-archive/entries-000001.jsonl", entry())])
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(try ArchiveVerifier.verify(path: path).entries == 1)
    }

    /// A version-1 line's inclusion proof is capped while the line is parsed: more than 64 hashes,
    /// or one that is not 64 lowercase hex digits, is refused by member and line; a proof far
    /// longer than that is refused before the line is parsed at all.
    @Test(arguments: [
        (Array(repeating: hash, count: 65), "\"proof\" holds 65 hashes; an inclusion proof holds at most 64"),
        (Array(repeating: hash, count: 100_000), "\"proof\" is longer than any member of an entry line but its body may be"),
        ([hash.uppercased()], "\"proof\"'s hash 1 is not 64 lowercase hex digits"),
        ([hash, "ab"], "\"proof\"'s hash 2 is not 64 lowercase hex digits"),
    ])
    func refusesAnOverlongOrMisspelledProof(proof: [String], words: String) throws {
        let (path, folder) = try archive([
            ("rrm-archive/manifest.json", manifest()), ("rrm-archive/entries-000001.jsonl", entry(proof: proof)),
        ])
        defer { try? FileManager.default.removeItem(at: folder) }
        let error = #expect(throws: ArchiveError.self) { try ArchiveVerifier.verify(path: path) }
        guard case .malformed(_, .line(member: "rrm-archive/entries-000001.jsonl", line: 1, let problem))? = error else {
            Issue.record("expected a malformed line, got \(String(describing: error))")
            return
        }
        #expect(problem.hasPrefix(words), "\(problem)")
        #expect(error?.description.contains("rrm-archive/entries-000001.jsonl, line 1: \(words)") == true)
    }

    /// Every hash parser shares the cap: 64 hashes are accepted (they fail only as a proof).
    @Test func sixtyFourProofHashesParse() throws {
        let line = Array(entry(proof: Array(repeating: hash, count: 64)).utf8.dropLast())
        guard case .success(let parsed) = line.withUnsafeBufferPointer({ ArchivedEntry.parse($0) }) else {
            Issue.record("64 hashes refused")
            return
        }
        #expect(parsed.proof?.count == 64)
        let annotation = EntryAnnotation(seq: 3, prevHash: ChainHash.genesis, proof: parsed.proof)
        let bytes = Array(annotation.line().dropLast())
        #expect((try? bytes.withUnsafeBufferPointer { EntryAnnotation.parse($0) }.get()) == annotation)
        #expect(bytes.count <= EntryAnnotation.maximumLineBytes)
        #expect(EntryAnnotation.maximumLineBytes == 4_483)  // docs/ARCHIVES.md section 8.2
    }
}
