import Foundation
import GRDB
import Testing

@testable import RRMArchive
@testable import RRMFormat
@testable import RRMSimulation
@testable import RRMStore

private let digest = String(repeating: "ab", count: 32)
private let upperDigest = String(repeating: "AB", count: 32)

/// An annotation whose proof holds `count` digests of `digit` repeated.
private func proofAnnotation(count: Int, digit: String = "ab") -> String {
    let item = "\"" + String(repeating: digit, count: 32) + "\""
    return "[{\"proof\":[" + Array(repeating: item, count: count).joined(separator: ",") + "]}]"
}

/// Format version 2 (docs/ARCHIVES.md): the bodies alone, hashes recomputed; its round trip,
/// version 1 still read, and every hostile change to the new line format refused, saying what and
/// where.
@Suite struct ArchiveVersion2Tests {
    func path(_ temp: TemporaryLedger, _ name: String) -> String { temp.folder.appendingPathComponent(name).path }

    /// Every entry's sequence number, hash and previous hash, in order.
    static func chain(of ledgerPath: String) throws -> [String] {
        var configuration = Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: ledgerPath, configuration: configuration)
        return try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT seq, hex(hash), hex(prev_hash) FROM entry ORDER BY seq").map {
                "\($0[0] as Int64) \($0[1] as String) \($0[2] as String)"
            }
        }
    }

    /// A simulated ledger with no checkpoint: only the manifest's head states a hash.
    static func unsignedLedger(outputs: Int = 5) throws -> TemporaryLedger {
        let temp = try TemporaryLedger()
        var parameters = SimulationParameters()
        parameters.outputsPerLevel = outputs
        parameters.levels = 2
        _ = try SimulationRun.intoLedger(temp.ledger, parameters: parameters)
        return temp
    }

    /// The members of an archive, its entries member split into lines (without their newlines).
    func lines(of archive: String) throws -> (members: [Crafted.Member], lines: [String]) {
        let members = try Crafted.members(of: archive)
        let entries = String(decoding: try #require(members.first { $0.name.hasSuffix(".jsonl") }).bytes, as: UTF8.self)
        return (members, entries.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init))
    }

    /// The archive with its entries member's lines replaced (and, optionally, its manifest).
    func rewritten(_ members: [Crafted.Member], lines: [String], manifest: String? = nil, at file: String) throws -> String {
        var changed = members
        if let manifest { changed[0] = .init(name: members[0].name, bytes: Array(manifest.utf8)) }
        let index = try #require(changed.firstIndex { $0.name.hasSuffix(".jsonl") })
        changed[index] = .init(name: changed[index].name, bytes: Array(lines.map { $0 + "\n" }.joined().utf8))
        try Crafted.archive(at: file, members: changed)
        return file
    }

    // MARK: - Round trips

    @Test func aVersion2ArchiveRoundTripsToTheSameHeadAndHashes() throws {
        let (temp, signer) = try ArchiveTests.signedLedger(outputs: 20)
        let archive = path(temp, "v2.tar.gz")
        let summary = try temp.ledger.exportArchive(to: archive)
        #expect(summary.manifest.format == "rrm-ledger-archive/2")
        let report = try ArchiveVerifier.verify(path: archive, verifier: signer.verifier)
        #expect(report.isIntact, "\(report.faults)")
        #expect(report.head == (try temp.ledger.head()))
        let copy = path(temp, "copy.sqlite")
        let imported = try Ledger.importArchive(from: archive, into: copy, verifier: signer.verifier)
        #expect(imported.head == (try temp.ledger.head()))
        #expect(try Self.chain(of: copy) == (try Self.chain(of: temp.path)))
        #expect(try Ledger.open(at: copy).verify(VerificationOptions(deep: true)).isIntact)
        #expect(try Ledger.open(at: copy).statistics().counts == (try temp.ledger.statistics()).counts)

        // The lines are the bodies, exactly as stored and hashed, one per entry.
        let (_, lines) = try lines(of: archive)
        let bodies = try DatabaseQueue(path: temp.path).read { db in
            try String.fetchAll(db, sql: "SELECT CAST(body AS TEXT) FROM entry ORDER BY seq")
        }
        #expect(lines == bodies)
    }

    @Test func aVersion2IncrementExtendsItsBase() throws {
        let (temp, signer) = try ArchiveTests.signedLedger(outputs: 10)
        let base = try temp.ledger.head()
        let receiver = path(temp, "receiver.sqlite")
        _ = try temp.ledger.exportArchive(to: path(temp, "base.tar.gz"))
        _ = try Ledger.importArchive(from: path(temp, "base.tar.gz"), into: receiver)
        try temp.append(ArchiveImportTests.findings(12))
        _ = try temp.ledger.recordCheckpoint(signer: signer)
        let increment = path(temp, "inc.tar.gz")
        let summary = try temp.ledger.exportArchive(to: increment, ExportOptions(selection: .since(size: base.seq)))
        #expect(summary.manifest.firstSeq == base.seq + 1)
        #expect(try ArchiveVerifier.verify(path: increment, verifier: signer.verifier).isIntact)
        #expect(try Ledger.importArchive(from: increment, into: receiver, verifier: signer.verifier).head == (try temp.ledger.head()))
        #expect(try Self.chain(of: receiver) == (try Self.chain(of: temp.path)))
    }

    @Test func aVersion2SliceCarriesAnAnnotationBeforeEveryBody() throws {
        let (temp, signer) = try ArchiveTests.signedLedger(outputs: 10)
        let archive = path(temp, "slice.tar.gz")
        let summary = try temp.ledger.exportArchive(
            to: archive, ExportOptions(selection: .slice(lineageOf: nil, query: LineageQuery(direction: .both), level: 1)))
        #expect(try ArchiveVerifier.verify(path: archive, verifier: signer.verifier).isIntact)
        let (members, lines) = try lines(of: archive)
        #expect(lines.count == 2 * summary.manifest.entries)
        for (index, line) in lines.enumerated() { #expect(line.hasPrefix(index % 2 == 0 ? "[{\"prev_hash\":" : "{")) }
        // A body altered: its own inclusion proof fails, so the entry is named.
        var edited = lines
        edited[1] = edited[1].replacingOccurrences(of: "\"kind\":", with: " \"kind\":")
        let bad = try rewritten(members, lines: edited, at: path(temp, "bad.tar.gz"))
        ArchiveTests().expectRefused(
            bad, in: temp,
            mentioning: "entry \(summary.manifest.firstSeq) (rrm-archive/entries-000001.jsonl, line 2): its inclusion proof fails")
        // A body without its annotation.
        let bare = try rewritten(members, lines: Array(lines.dropFirst()), at: path(temp, "bare.tar.gz"))
        ArchiveTests().expectRefused(
            bare, in: temp,
            mentioning: "entries-000001.jsonl, line 1: a slice's body must follow an annotation with its seq, prev_hash and proof")
    }

    @Test func aVersion2PseudonymisedArchiveVerifiesAndCatchesForgeries() throws {
        let (temp, signer) = try ArchiveTests.signedLedger(outputs: 10)
        let archive = path(temp, "masked.tar.gz")
        let summary = try temp.ledger.exportArchive(to: archive, ExportOptions(pseudonymise: true))
        let report = try ArchiveVerifier.verify(path: archive, verifier: signer.verifier)
        #expect(report.isIntact, "\(report.faults)")
        #expect(report.head == (try temp.ledger.head()))
        let (members, lines) = try lines(of: archive)
        let annotations = lines.indices.filter { lines[$0].hasPrefix("[") }
        #expect(annotations.count == summary.manifest.pseudonymised?.entries)
        #expect(annotations.count > 0)
        #expect(!lines.joined().contains("\"human:rater"))
        let index = try #require(annotations.first)
        let seq = index - annotations.filter { $0 < index }.count + 1
        // The original person put back under the original's digest: not a pseudonymised body.
        var forged = lines
        forged[index + 1] = forged[index + 1].replacing(#/human:p-[0-9a-f]{16}/#, with: "human:mallory")
        ArchiveTests().expectRefused(
            try rewritten(members, lines: forged, at: path(temp, "named.tar.gz")), in: temp,
            mentioning: "entry \(seq) (rrm-archive/entries-000001.jsonl, line \(index + 2)): carries the digest of an original body")
        // The annotation dropped: a pseudonymised body without it, named as such, by member and line.
        var bare = lines
        bare.remove(at: index)
        ArchiveTests().expectRefused(
            try rewritten(members, lines: bare, at: path(temp, "bare.tar.gz")), in: temp,
            mentioning:
                "entry \(seq) (rrm-archive/entries-000001.jsonl, line \(index + 1)): a pseudonymised body without its body_sha256 annotation"
        )
        // Another digest: the chain no longer leads to the checkpoint's root.
        forged = lines
        var annotation = forged[index]
        let digit = try #require(annotation.range(of: "\"body_sha256\":\"")).upperBound
        annotation.replaceSubrange(digit...digit, with: annotation[digit] == "0" ? "1" : "0")
        forged[index] = annotation
        ArchiveTests().expectRefused(
            try rewritten(members, lines: forged, at: path(temp, "digest.tar.gz")), in: temp,
            mentioning: "do not lead to the checkpoint's root")
    }

    /// Archives made by the version-1 writer still verify and import: a fixture committed when
    /// version 2 came (its lines written by the version-1 encoder, unchanged since), and one made now.
    @Test func version1ArchivesStillVerifyAndImport() throws {
        let temp = try TemporaryLedger()
        let fixture = RepositoryFiles.url("Tests/Fixtures/archive-v1.tar.gz").path
        let key = try NoteVerifier(parsing: try RepositoryFiles.text("Tests/Fixtures/archive-v1.pub").trimmingCharacters(in: .newlines))
        let report = try ArchiveVerifier.verify(path: fixture, verifier: key)
        #expect(report.isIntact, "\(report.faults)")
        #expect(report.manifest.version == .v1)
        #expect(report.entries == 33)
        #expect(report.head.description == "33:03d418ea70eaa02b16f9e0f6cba43e9b37cf83ae50af655cb682264b9c2dce43")
        #expect(report.manifest.counts[1]?[.critique] == 3)
        let copy = path(temp, "fixture.sqlite")
        #expect(try Ledger.importArchive(from: fixture, into: copy, verifier: key).head == report.head)
        #expect(try Ledger.open(at: copy).verify(VerificationOptions(deep: true)).isIntact)

        let (signed, signer) = try ArchiveTests.signedLedger(outputs: 5)
        let made = path(signed, "v1.tar.gz")
        #expect(try signed.ledger.exportArchive(to: made, ExportOptions(version: .v1)).manifest.format == "rrm-ledger-archive/1")
        #expect(try ArchiveVerifier.verify(path: made, verifier: signer.verifier).isIntact)
        let imported = path(signed, "v1.sqlite")
        #expect(try Ledger.importArchive(from: made, into: imported, verifier: signer.verifier).head == (try signed.ledger.head()))
        #expect(try Self.chain(of: imported) == (try Self.chain(of: signed.path)))
    }

    // MARK: - Hostile version-2 archives

    @Test func aFlippedByteInABodyIsCaughtByTheHeadOrTheCheckpointRoot() throws {
        // Without a checkpoint, the manifest's head is the one stated hash.
        let unsigned = try Self.unsignedLedger()
        let plain = path(unsigned, "plain.tar.gz")
        _ = try unsigned.ledger.exportArchive(to: plain)
        var (members, lines) = try lines(of: plain)
        lines[4] = lines[4].replacingOccurrences(of: "\"time\":\"2026", with: "\"time\":\"2027")
        ArchiveTests().expectRefused(
            try rewritten(members, lines: lines, at: path(unsigned, "flipped.tar.gz")), in: unsigned,
            mentioning: "is not where the chain recomputed from the archive's bodies ends")

        // With one, the root at its size is checked first.
        let (signed, _) = try ArchiveTests.signedLedger(outputs: 5)
        let good = path(signed, "good.tar.gz")
        _ = try signed.ledger.exportArchive(to: good)
        (members, lines) = try self.lines(of: good)
        lines[4] = lines[4].replacingOccurrences(of: "\"time\":\"2026", with: "\"time\":\"2027")
        ArchiveTests().expectRefused(
            try rewritten(members, lines: lines, at: path(signed, "flipped.tar.gz")), in: signed,
            mentioning: "do not lead to the checkpoint's root: the archive is not what was signed (a body was altered")
    }

    @Test func aMissingAnExtraOrASwappedLineIsCaught() throws {
        let temp = try Self.unsignedLedger()
        let good = path(temp, "good.tar.gz")
        let summary = try temp.ledger.exportArchive(to: good)
        let (members, lines) = try lines(of: good)
        let count = summary.manifest.entries
        var missing = lines
        missing.remove(at: 3)
        ArchiveTests().expectRefused(
            try rewritten(members, lines: missing, at: path(temp, "missing.tar.gz")), in: temp,
            mentioning: "the manifest says \(count) entries, the archive holds \(count - 1)")
        var extra = lines
        extra.insert(lines[3], at: 4)
        ArchiveTests().expectRefused(
            try rewritten(members, lines: extra, at: path(temp, "extra.tar.gz")), in: temp,
            mentioning: "the manifest says \(count) entries, the archive holds \(count + 1)")
        var swapped = lines
        swapped.swapAt(3, 4)
        ArchiveTests().expectRefused(
            try rewritten(members, lines: swapped, at: path(temp, "swapped.tar.gz")), in: temp,
            mentioning: "the manifest's head (\(count):")
    }

    @Test func aWrongHeadHashInTheManifestIsCaught() throws {
        let temp = try Self.unsignedLedger()
        let good = path(temp, "good.tar.gz")
        let summary = try temp.ledger.exportArchive(to: good)
        let (members, lines) = try lines(of: good)
        let manifest = String(decoding: members[0].bytes, as: UTF8.self)
        let head = summary.manifest.head.hash.hex
        let lie = manifest.replacingOccurrences(of: head, with: String(head.reversed()))
        #expect(lie != manifest)
        let file = try rewritten(members, lines: lines, manifest: lie, at: path(temp, "lie.tar.gz"))
        let report = try ArchiveVerifier.verify(path: file)
        #expect(report.faults.count == 1)
        #expect(
            report.faults.first?.hasPrefix("the manifest's head (\(summary.manifest.head.seq):\(String(head.reversed()).prefix(16))…)")
                == true)
        ArchiveTests().expectRefused(file, in: temp)
    }

    @Test func aTruncatedVersion2StreamIsRefused() throws {
        let (temp, _) = try ArchiveTests.signedLedger(outputs: 10)
        let archive = path(temp, "full.tar.gz")
        _ = try temp.ledger.exportArchive(to: archive)
        let original = try Data(contentsOf: URL(fileURLWithPath: archive))
        for length in [10, original.count / 2, original.count - 8, original.count - 1] {
            let file = path(temp, "cut-\(length).tar.gz")
            try original.prefix(length).write(to: URL(fileURLWithPath: file))
            #expect(throws: ArchiveError.malformed(path: file, .gzipTruncated)) { try ArchiveVerifier.verify(path: file) }
            ArchiveTests().expectRefused(file, in: temp)
        }
    }

    @Test(arguments: [
        ("[{\"seq\":1}]", "an annotation in a full archive may carry only body_sha256"),
        ("[{\"prev_hash\":\"00\"}]", "the annotation's \"prev_hash\" is not 64 lowercase hex digits"),
        (proofAnnotation(count: 65), "the annotation's \"proof\" holds 65 hashes; an inclusion proof holds at most 64"),
        (proofAnnotation(count: 100_000), "longer than any annotation can be"),
        (proofAnnotation(count: 1, digit: "AB"), "the annotation's \"proof\"'s hash 1 is not 64 lowercase hex digits"),
        (#"[{"body_sha256":"\#(upperDigest)"}]"#, "the annotation's \"body_sha256\" is not 64 lowercase hex digits"),
        (#"[{"body_sha256": "\#(digest)"}]"#, "an annotation not in canonical form"),
        (#"[ {"body_sha256":"\#(digest)"}]"#, "an annotation not in canonical form"),
        (#"[{"body_sha256":"\#(digest)"}] "#, "an annotation not in canonical form"),
        (#"[{"seq":1.0}]"#, "an annotation not in canonical form"),
        (#"[{"seq":1e0}]"#, "an annotation not in canonical form"),
        (#"[{"seq":3,"prev_hash":"\#(digest)"}]"#, "an annotation not in canonical form"),
        ("[{\"colour\":\"red\"}]", "an annotation must be a list of one object"),
        ("[{}]", "an annotation must be a list of one object"),
        ("[{\"body_sha256\":\"" + String(repeating: "0", count: 64) + "\"},{}]", "an annotation must be a list of one object"),
        ("\"just a string\"", "neither a body (a JSON object, the entry's canonical body) nor an annotation"),
        ("", "neither a body"),
    ])
    func aLineThatIsNeitherABodyNorAnAllowedAnnotationIsNamed(inserted: String, words: String) throws {
        let temp = try Self.unsignedLedger(outputs: 2)
        let good = path(temp, "good.tar.gz")
        _ = try temp.ledger.exportArchive(to: good)
        var (members, lines) = try lines(of: good)
        lines.insert(contentsOf: inserted.split(separator: "\n", omittingEmptySubsequences: false).map(String.init), at: 2)
        let file = try rewritten(members, lines: lines, at: path(temp, "bad.tar.gz"))
        ArchiveTests().expectRefused(file, in: temp, mentioning: "rrm-archive/entries-000001.jsonl, line 3: ")
        ArchiveTests().expectRefused(file, in: temp, mentioning: words)
    }

    @Test func anAnnotationWithoutItsBodyOrBeforeAnotherIsRefused() throws {
        let temp = try Self.unsignedLedger(outputs: 2)
        let good = path(temp, "masked.tar.gz")
        _ = try temp.ledger.exportArchive(to: good, ExportOptions(pseudonymise: true))
        let (members, lines) = try lines(of: good)
        let index = try #require(lines.firstIndex { $0.hasPrefix("[") })
        var doubled = lines
        doubled.insert(lines[index], at: index)
        ArchiveTests().expectRefused(
            try rewritten(members, lines: doubled, at: path(temp, "doubled.tar.gz")), in: temp,
            mentioning: "line \(index + 2): an annotation follows an annotation")
        let ending = Array(lines) + [lines[index]]
        ArchiveTests().expectRefused(
            try rewritten(members, lines: ending, at: path(temp, "ending.tar.gz")), in: temp,
            mentioning: "line \(lines.count + 1): the member ends after an annotation, without its body")
        // An annotation in an archive that does not say it is pseudonymised.
        let manifest = String(decoding: members[0].bytes, as: UTF8.self)
        let hidden = try #require(manifest.firstRange(of: #/,\s*"pseudonymised": \{[^}]*\}/#))
        var plain = manifest
        plain.removeSubrange(hidden)
        ArchiveTests().expectRefused(
            try rewritten(members, lines: lines, manifest: plain, at: path(temp, "unsaid.tar.gz")), in: temp,
            mentioning: "pseudonymised, but the manifest does not say")
    }

    /// An annotation line parsed, changed and written again in canonical form.
    static func edited(_ line: String, _ change: (inout EntryAnnotation) -> Void) throws -> String {
        var annotation = try Array(line.utf8).withUnsafeBufferPointer { EntryAnnotation.parse($0) }.get()
        change(&annotation)
        return String(decoding: annotation.line().dropLast(), as: UTF8.self)
    }

    static func seq(of annotation: String) -> Int64? {
        try? Array(annotation.utf8).withUnsafeBufferPointer { EntryAnnotation.parse($0) }.get().seq
    }

    /// A slice whose annotations lie: every lie is caught, the entry named.
    @Test func aHostileVersion2SliceIsCaught() throws {
        let (temp, _) = try ArchiveTests.signedLedger(outputs: 10)
        let archive = path(temp, "slice.tar.gz")
        let summary = try temp.ledger.exportArchive(
            to: archive, ExportOptions(selection: .slice(lineageOf: nil, query: LineageQuery(direction: .both), level: 1)))
        let size = try #require(summary.manifest.checkpoint?.size)
        let (members, lines) = try lines(of: archive)
        #expect(lines.count >= 6)
        let first = try #require(Self.seq(of: lines[0]))
        let second = try #require(Self.seq(of: lines[2]))

        // Going backwards: the second entry before the first.
        var backwards = lines
        backwards.swapAt(0, 2)
        backwards.swapAt(1, 3)
        ArchiveTests().expectRefused(
            try rewritten(members, lines: backwards, at: path(temp, "backwards.tar.gz")), in: temp,
            mentioning: "entry \(first) (rrm-archive/entries-000001.jsonl, line 4): out of order (after entry \(second))")
        // Repeating: the first entry twice.
        var repeated = lines
        repeated.insert(contentsOf: lines[0...1], at: 2)
        ArchiveTests().expectRefused(
            try rewritten(members, lines: repeated, at: path(temp, "repeated.tar.gz")), in: temp,
            mentioning: "entry \(first) (rrm-archive/entries-000001.jsonl, line 4): out of order (after entry \(first))")
        // Past the checkpoint.
        var past = lines
        let last = lines.count - 2
        past[last] = try Self.edited(lines[last]) { $0.seq = size + 1 }
        ArchiveTests().expectRefused(
            try rewritten(members, lines: past, at: path(temp, "past.tar.gz")), in: temp,
            mentioning: "entry \(size + 1) (rrm-archive/entries-000001.jsonl, line \(last + 2)): beyond the checkpoint's \(size) entries")
        // An annotation without its proof.
        var unproved = lines
        unproved[2] = try Self.edited(lines[2]) { $0.proof = nil }
        ArchiveTests().expectRefused(
            try rewritten(members, lines: unproved, at: path(temp, "unproved.tar.gz")), in: temp,
            mentioning: "rrm-archive/entries-000001.jsonl, line 3: an annotation in a slice must carry the entry's seq, prev_hash and proof"
        )
        // A forged prev_hash: the recomputed hash is another, and its proof fails.
        var forged = lines
        forged[2] = try Self.edited(lines[2]) { $0.prevHash = ChainHash.genesis }
        ArchiveTests().expectRefused(
            try rewritten(members, lines: forged, at: path(temp, "forged.tar.gz")), in: temp,
            mentioning: "entry \(second) (rrm-archive/entries-000001.jsonl, line 4): its inclusion proof fails")
    }

    /// An increment's body changed: the chain from its base no longer leads to the checkpoint's root.
    @Test func aTamperedBodyInAVersion2IncrementIsCaught() throws {
        let (temp, signer) = try ArchiveTests.signedLedger(outputs: 5)
        let base = try temp.ledger.head()
        try temp.append(ArchiveImportTests.findings(4))
        _ = try temp.ledger.recordCheckpoint(signer: signer)
        let increment = path(temp, "inc.tar.gz")
        _ = try temp.ledger.exportArchive(to: increment, ExportOptions(selection: .since(size: base.seq)))
        let (members, lines) = try lines(of: increment)
        var tampered = lines
        tampered[1] = tampered[1].replacingOccurrences(of: "\"verdict\":\"correct\"", with: "\"verdict\":\"incorrect\"")
        #expect(tampered != lines)
        let file = try rewritten(members, lines: tampered, at: path(temp, "tampered.tar.gz"))
        ArchiveTests().expectRefused(
            file, in: temp, mentioning: "do not lead to the checkpoint's root: the archive is not what was signed (a body was altered")
        let report = try ArchiveVerifier.verify(path: file, verifier: signer.verifier)
        #expect(!report.isIntact)
    }

    /// Below gzip's CRC: every byte of the decompressed entries member changed in turn (and every
    /// byte of the manifest but the exporter's own words, which nothing can confirm), repacked
    /// with a sound CRC, is detected, a fault or a malformed archive. Run on a full archive (bodies
    /// alone) and on a slice (an annotation before every body), both with a checkpoint.
    @Test(arguments: ["full", "slice"])
    func everyChangedByteBelowGzipIsDetected(selection: String) throws {
        let (temp, _) = try ArchiveTests.signedLedger(outputs: 2)
        let archive = path(temp, "a.tar.gz")
        _ = try temp.ledger.exportArchive(
            to: archive,
            selection == "full"
                ? ExportOptions() : ExportOptions(selection: .slice(lineageOf: nil, query: LineageQuery(direction: .both), level: 1)))
        let members = try Crafted.members(of: archive)
        #expect(try ArchiveVerifier.verify(path: archive).isIntact)
        let entriesIndex = try #require(members.firstIndex { $0.name.hasSuffix(".jsonl") })
        // What the manifest says that nothing in the archive confirms: the exporter's own words
        // (created, created_by, note; a slice's description) and a slice's head, the source
        // ledger's when exported, past the slice's entries (ARCHIVES.md section 4 step 7).
        let manifest = String(decoding: members[0].bytes, as: UTF8.self)
        var unconfirmed: Set<Int> = []
        for match in manifest.matches(of: #/"(created|created_by|note|slice)": "([^"]*)"/#) {
            // A slice's description is optional, so a changed key drops it: the key is as unconfirmed as its value.
            let from = match.output.1 == "slice" ? match.output.1.startIndex : match.output.2.startIndex
            let start = manifest.utf8.distance(from: manifest.startIndex, to: from)
            unconfirmed.formUnion(start..<(manifest.utf8.distance(from: manifest.startIndex, to: match.output.2.endIndex)))
        }
        if selection == "slice", let head = manifest.firstMatch(of: #/"head": (\{[^}]*\})/#) {
            let start = manifest.utf8.distance(from: manifest.startIndex, to: head.output.1.startIndex)
            let text = String(head.output.1)
            for value in text.matches(of: #/: "?([0-9a-f]+)/#) {
                let offset = text.utf8.distance(from: text.startIndex, to: value.output.1.startIndex)
                unconfirmed.formUnion((start + offset)..<(start + offset + value.output.1.utf8.count))
            }
        }
        var undetected: [String] = []
        let file = path(temp, "changed.tar.gz")
        for (memberIndex, skipped) in [(entriesIndex, Set<Int>()), (0, unconfirmed)] {
            for offset in members[memberIndex].bytes.indices where !skipped.contains(offset) {
                var changed = members
                var bytes = members[memberIndex].bytes
                bytes[offset] ^= 0x01
                changed[memberIndex] = .init(name: members[memberIndex].name, bytes: bytes)
                try Crafted.archive(at: file, members: changed)
                if (try? ArchiveVerifier.verify(path: file))?.isIntact == true {
                    undetected.append("\(members[memberIndex].name) byte \(offset)")
                }
            }
        }
        #expect(undetected.isEmpty, "\(undetected)")
    }

    // MARK: - The container

    @Test func zcatAndTarReadAVersion2Archive() throws {
        let (temp, _) = try ArchiveTests.signedLedger(outputs: 30)
        let archive = path(temp, "full.tar.gz")
        _ = try temp.ledger.exportArchive(to: archive)
        let members = try Crafted.members(of: archive)
        let folder = path(temp, "unpacked")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        #expect(
            try ArchiveTests().run("/bin/sh", ["-c", "gzip -t '\(archive)' && tar -xzf '\(archive)' -C '\(folder)' && echo ok"]) == "ok\n")
        for member in members {
            #expect(FileManager.default.contents(atPath: folder + "/" + member.name) == Data(member.bytes), "\(member.name)")
        }
        let listing = try ArchiveTests().run("/bin/sh", ["-c", "zcat '\(archive)' | tar -t"])
        #expect(listing.split(separator: "\n").map(String.init) == members.map(\.name))
    }
}
