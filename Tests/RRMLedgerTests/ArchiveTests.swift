import Foundation
import GRDB
import Testing

@testable import RRMAnalysis
@testable import RRMArchive
@testable import RRMFormat
@testable import RRMSimulation
@testable import RRMStore

/// Archives: round trips of every kind, and every hostile archive refused with a clear message,
/// nothing written (docs/ARCHIVES.md).
@Suite struct ArchiveTests {
    /// A simulated ledger with a checkpoint signed over all of it.
    static func signedLedger(outputs: Int = 40) throws -> (TemporaryLedger, NoteSigner) {
        let temp = try TemporaryLedger()
        var parameters = SimulationParameters()
        parameters.outputsPerLevel = outputs
        parameters.levels = 2
        _ = try SimulationRun.intoLedger(temp.ledger, parameters: parameters)
        let origin = try #require(try temp.ledger.origin())
        let signer = try NoteSigner.generate(name: LedgerOrigin.keyName(for: origin)).signer
        _ = try temp.ledger.recordCheckpoint(signer: signer)
        return (temp, signer)
    }

    func path(_ temp: TemporaryLedger, _ name: String) -> String { temp.folder.appendingPathComponent(name).path }

    @Test func aFullArchiveVerifiesAndImportsToTheSameHead() throws {
        let (temp, signer) = try Self.signedLedger()
        let archive = path(temp, "full.tar.gz")
        let summary = try temp.ledger.exportArchive(to: archive, ExportOptions(note: "handed to the audit team"))
        #expect(summary.manifest.entries == Int(try temp.ledger.head().seq))
        #expect(summary.manifest.note == "handed to the audit team")
        let report = try ArchiveVerifier.verify(path: archive, verifier: signer.verifier)
        #expect(report.isIntact)
        #expect(report.head == (try temp.ledger.head()))
        #expect(report.verifiedCheckpoint?.size == report.head.seq)
        let imported = try Ledger.importArchive(from: archive, into: path(temp, "copy.sqlite"), verifier: signer.verifier)
        #expect(imported.head == (try temp.ledger.head()))
        let copy = try Ledger.open(at: path(temp, "copy.sqlite"))
        #expect(try copy.verify(VerificationOptions(deep: true)).isIntact)
        #expect(try copy.treeHead() == (try temp.ledger.treeHead()))
        #expect(try copy.statistics().counts == (try temp.ledger.statistics()).counts)
    }

    /// A key asks for an archive signed with it: one without a checkpoint (never signed, or with
    /// its checkpoint stripped) fails the check rather than passing it unsigned.
    @Test func aKeyRefusesAnArchiveWithoutACheckpoint() throws {
        let (temp, signer) = try Self.signedLedger(outputs: 5)
        let signed = path(temp, "signed.tar.gz")
        _ = try temp.ledger.exportArchive(to: signed)
        var members = try Crafted.members(of: signed)
        #expect(members.last?.name == ArchiveFormat.checkpointMember)
        members.removeLast()
        guard case .object(var manifest) = try JSONParser.parse(String(decoding: members[0].bytes, as: UTF8.self)) else {
            Issue.record("the manifest is not an object")
            return
        }
        manifest["checkpoint"] = nil
        members[0] = Crafted.Member(name: ArchiveFormat.manifestMember, bytes: Array(JSONValue.object(manifest).prettyPrinted().utf8))
        let stripped = path(temp, "stripped.tar.gz")
        try Crafted.archive(at: stripped, members: members)

        #expect(try ArchiveVerifier.verify(path: stripped).isIntact)
        let report = try ArchiveVerifier.verify(path: stripped, verifier: signer.verifier)
        #expect(!report.isIntact)
        #expect(report.faults == ["the archive has no checkpoint, so nothing in it is signed with the key \(signer.verifier.name)"])
        let target = path(temp, "copy.sqlite")
        #expect(throws: ArchiveError.self) { try Ledger.importArchive(from: stripped, into: target, verifier: signer.verifier) }
        #expect(!FileManager.default.fileExists(atPath: target))
    }

    @Test func theArchiveIsAPlainTarGzThatStandardToolsRead() throws {
        let (temp, _) = try Self.signedLedger(outputs: 10)
        let archive = path(temp, "full.tar.gz")
        _ = try temp.ledger.exportArchive(to: archive)
        let listing = try run("/bin/sh", ["-c", "tar tzf '\(archive)'"])
        #expect(
            listing.split(separator: "\n") == [
                "rrm-archive/manifest.json", "rrm-archive/entries-000001.jsonl", "rrm-archive/checkpoint.note",
            ])
        let manifest = try run("/bin/sh", ["-c", "tar xzOf '\(archive)' rrm-archive/manifest.json"])
        #expect(manifest.contains("\"format\": \"rrm-ledger-archive/2\""))
        // Version 2: each line is the entry's body, exactly as hashed.
        let firstLine = try run("/bin/sh", ["-c", "zcat '\(archive)' | tar xO rrm-archive/entries-000001.jsonl | head -1"])
        #expect(firstLine == (try temp.ledger.entry(id: "policy-L0")).body + "\n")
    }

    @Test func slicesCarryProofsAndCannotBeImported() throws {
        let (temp, signer) = try Self.signedLedger()
        let archive = path(temp, "slice.tar.gz")
        let summary = try temp.ledger.exportArchive(
            to: archive,
            ExportOptions(selection: .slice(lineageOf: "L2-label-3", query: LineageQuery(direction: .up, via: [.evaluation]), level: nil)))
        #expect(summary.manifest.selection == .slice)
        #expect(summary.manifest.entries == 3)  // the label, its output and the critique shown
        let report = try ArchiveVerifier.verify(path: archive, verifier: signer.verifier)
        #expect(report.isIntact, "\(report.faults)")
        let level = path(temp, "level.tar.gz")
        let byLevel = try temp.ledger.exportArchive(
            to: level, ExportOptions(selection: .slice(lineageOf: nil, query: LineageQuery(direction: .both), level: 1)))
        #expect(byLevel.manifest.kindCounts == (try temp.ledger.statistics()).counts[1])
        #expect(try ArchiveVerifier.verify(path: level, verifier: signer.verifier).isIntact)
        #expect(throws: ArchiveError.self) { try Ledger.importArchive(from: archive, into: path(temp, "never.sqlite")) }
        #expect(!FileManager.default.fileExists(atPath: path(temp, "never.sqlite")))
    }

    @Test func anIncrementExtendsTheLedgerItWasMadeFor() throws {
        let (temp, signer) = try Self.signedLedger()
        let base = try temp.ledger.head()
        let receiver = path(temp, "receiver.sqlite")
        _ = try temp.ledger.exportArchive(to: path(temp, "base.tar.gz"))
        _ = try Ledger.importArchive(from: path(temp, "base.tar.gz"), into: receiver)
        try temp.append(
            #"{"kind":"finding","id":"late-finding","about":"L1-label-2","verdict":"erroneous","auditor":"human:zoe","error_type":"mislabel"}"#
        )
        _ = try temp.ledger.recordCheckpoint(signer: signer)
        let increment = path(temp, "increment.tar.gz")
        let summary = try temp.ledger.exportArchive(to: increment, ExportOptions(selection: .since(size: base.seq)))
        #expect(summary.manifest.entries == 1)
        #expect(try ArchiveVerifier.verify(path: increment, verifier: signer.verifier).isIntact)
        let imported = try Ledger.importArchive(from: increment, into: receiver, verifier: signer.verifier)
        #expect(imported.head == (try temp.ledger.head()))
        // A second time it no longer continues the receiver's head: refused, nothing written.
        let before = try Ledger.open(at: receiver).head()
        let error = #expect(throws: ArchiveError.self) { try Ledger.importArchive(from: increment, into: receiver) }
        guard case .notImportable(_, let detail)? = error else {
            Issue.record("expected notImportable, got \(String(describing: error))")
            return
        }
        #expect(detail.contains("continues a ledger of \(base.seq) entries"))
        #expect(try Ledger.open(at: receiver).head() == before)
    }

    @Test func anArchiveSignedByAnotherKeyIsRefused() throws {
        let (temp, _) = try Self.signedLedger(outputs: 10)
        let archive = path(temp, "full.tar.gz")
        _ = try temp.ledger.exportArchive(to: archive)
        let stranger = try NoteSigner.generate(name: "someone-else").signer
        let report = try ArchiveVerifier.verify(path: archive, verifier: stranger.verifier)
        #expect(!report.isIntact)
        #expect(report.faults.first?.contains("does not verify with the key someone-else") == true)
        #expect(throws: ArchiveError.self) {
            try Ledger.importArchive(from: archive, into: path(temp, "copy.sqlite"), verifier: stranger.verifier)
        }
        #expect(!FileManager.default.fileExists(atPath: path(temp, "copy.sqlite")))
    }

    // MARK: - Hostile archives

    /// Verifying `archive` must fail, malformed or with faults, and importing it must write nothing.
    func expectRefused(
        _ archive: String, in temp: TemporaryLedger, mentioning words: String? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        var message = ""
        do {
            let report = try ArchiveVerifier.verify(path: archive)
            #expect(!report.isIntact, "a damaged archive verified", sourceLocation: sourceLocation)
            message = report.faults.joined(separator: "\n")
        } catch let error as ArchiveError {
            message = error.description
        } catch {
            Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
        }
        if let words { #expect(message.contains(words), "\(message)", sourceLocation: sourceLocation) }
        let target = path(temp, "imported-\(UUID().uuidString).sqlite")
        #expect(throws: (any Error).self, sourceLocation: sourceLocation) { try Ledger.importArchive(from: archive, into: target) }
        #expect(!FileManager.default.fileExists(atPath: target), sourceLocation: sourceLocation)
    }

    @Test(arguments: ArchiveVersion.allCases)
    func everySingleFlippedByteIsDetected(version: ArchiveVersion) throws {
        let (temp, _) = try Self.signedLedger(outputs: 3)
        let archive = path(temp, "full.tar.gz")
        _ = try temp.ledger.exportArchive(to: archive, ExportOptions(version: version))
        let original = try Data(contentsOf: URL(fileURLWithPath: archive))
        let content = try Crafted.members(of: archive).map { $0.name + String(decoding: $0.bytes, as: UTF8.self) }
        var harmless: [Int] = []
        // Flip the lowest bit of every byte. Either the archive no longer verifies, or the flip hit
        // a bit that changes nothing the archive holds: gzip ignores the header's modification
        // time, extra flags, operating system and FTEXT hint (RFC 1952), and a few bits of a
        // deflate stream (such as some Huffman table entries) select the same decoding.
        for offset in original.indices {
            var damaged = original
            damaged[offset] ^= 0x01
            let file = path(temp, "flipped.tar.gz")
            try damaged.write(to: URL(fileURLWithPath: file))
            if (try? ArchiveVerifier.verify(path: file))?.isIntact == true {
                let read = try Crafted.members(of: file).map { $0.name + String(decoding: $0.bytes, as: UTF8.self) }
                #expect(read == content, "a flip at byte \(offset) changed the archive unnoticed")
                harmless.append(offset)
            }
        }
        #expect(harmless.count * 100 <= original.count, "harmless flips at \(harmless)")
        #expect(Set(4...9).isSubset(of: harmless))
    }

    @Test func truncatedArchivesAreRefused() throws {
        let (temp, _) = try Self.signedLedger(outputs: 10)
        let archive = path(temp, "full.tar.gz")
        _ = try temp.ledger.exportArchive(to: archive)
        let original = try Data(contentsOf: URL(fileURLWithPath: archive))
        for length in [0, 5, 20, original.count / 3, original.count / 2, original.count - 9, original.count - 1] {
            let file = path(temp, "truncated-\(length).tar.gz")
            try original.prefix(length).write(to: URL(fileURLWithPath: file))
            expectRefused(file, in: temp)
        }
        let extended = path(temp, "extended.tar.gz")
        try (original + Data([0x1F, 0x8B, 0x00])).write(to: URL(fileURLWithPath: extended))
        expectRefused(extended, in: temp, mentioning: "data after the end of the gzip stream")
    }

    /// Nothing is decompressed unchecked, so a bomb is refused within one member's limit of
    /// work: 12 MiB of spaces as an entries member (a few kB compressed) is not an entry, 256 MiB
    /// of zeros after the tar's end marker is refused after its first MiB, and a member whose
    /// header claims more than the limit is refused before its contents are read.
    @Test func decompressionBombsAreRefusedWithinAMembersLimit() throws {
        let temp = try TemporaryLedger()
        let spaces = path(temp, "spaces.tar.gz")
        try Crafted.archive(
            at: spaces,
            members: [
                Crafted.manifestMember(entries: 1),
                .init(name: "rrm-archive/entries-000001.jsonl", bytes: [UInt8](repeating: 0x20, count: 12 << 20)),
            ])
        #expect(try Data(contentsOf: URL(fileURLWithPath: spaces)).count < 100_000)
        expectRefused(
            spaces, in: temp,
            mentioning: "member rrm-archive/entries-000001.jsonl does not end with a whole line (12582912 bytes after its last newline)")

        let zeros = path(temp, "zeros.tar.gz")
        try Crafted.archive(at: zeros, members: [Crafted.manifestMember(entries: 0)], trailingZeros: 256 << 20)
        #expect(try Data(contentsOf: URL(fileURLWithPath: zeros)).count < 1_000_000)
        expectRefused(zeros, in: temp, mentioning: "more than 1048576 zero bytes follow the tar archive's end marker")

        let claimed = path(temp, "claimed.tar.gz")
        let descriptor = open(claimed, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let gzip = try GzipWriter(descriptor: descriptor, path: claimed)
        let manifest = Crafted.manifestMember(entries: 1)
        try gzip.write(TarWriter.header(name: manifest.name, size: manifest.bytes.count, modified: 0))
        try gzip.write(manifest.bytes)
        try gzip.write(TarWriter.padding(after: manifest.bytes.count))
        try gzip.write(TarWriter.header(name: "rrm-archive/entries-000001.jsonl", size: 1 << 30, modified: 0))
        try gzip.write([UInt8](repeating: 0x20, count: 1 << 20))
        try gzip.finish()
        close(descriptor)
        expectRefused(claimed, in: temp, mentioning: "is 1073741824 bytes, more than the 33619968 allowed")
    }

    /// Whatever a ledger accepts, its archive verifies and imports: an event at the line limit
    /// whose body is eight million backslashes takes a 33 MB archive line (the body escaped once
    /// more), and compresses more than 300 times.
    @Test func anEventAtTheLineLimitMakesAnArchiveThatVerifiesAndImports() throws {
        let temp = try TemporaryLedger()
        let backslashes = String(repeating: #"\\"#, count: 8_300_000)
        let line =
            #"{"kind":"model","id":"m","level":0,"role":"policy","time":"2026-01-01T00:00:00Z","attributes":{"x":""# + backslashes
            + "\"}}\n"
        #expect(line.utf8.count < JSONLReader.maximumLineBytes)
        try temp.append(line)
        let archive = path(temp, "long.tar.gz")
        _ = try temp.ledger.exportArchive(to: archive)
        #expect(try Data(contentsOf: URL(fileURLWithPath: archive)).count < 100_000)
        let report = try ArchiveVerifier.verify(path: archive)
        #expect(report.isIntact, "\(report.faults)")
        let imported = try Ledger.importArchive(from: archive, into: path(temp, "copy.sqlite"))
        #expect(imported.head == (try temp.ledger.head()))
    }

    @Test(arguments: [
        ("/etc/passwd", UInt8(ascii: "0"), "absolute path"),
        ("rrm-archive/../../evil", UInt8(ascii: "0"), "climbs out"),
        ("rrm-archive/entries-000001.jsonl", UInt8(ascii: "2"), "symbolic link"),
        ("rrm-archive/entries-000001.jsonl", UInt8(ascii: "1"), "hard link"),
        ("rrm-archive/entries-000001.jsonl", UInt8(ascii: "3"), "device"),
        ("rrm-archive/entries-000001.jsonl", UInt8(ascii: "5"), "directory"),
        ("rrm-archive/notes.txt", UInt8(ascii: "0"), "unexpected member"),
    ])
    func hostileMembersAreRefused(name: String, type: UInt8, words: String) throws {
        let (temp, _) = try Self.signedLedger(outputs: 3)
        let good = path(temp, "good.tar.gz")
        _ = try temp.ledger.exportArchive(to: good)
        var members = try Crafted.members(of: good)
        members.insert(Crafted.Member(name: name, bytes: Array("x\n".utf8), type: type), at: 1)
        let hostile = path(temp, "hostile.tar.gz")
        try Crafted.archive(at: hostile, members: members)
        expectRefused(hostile, in: temp, mentioning: words)
    }

    @Test func duplicateMissingAndMisorderedMembersAreRefused() throws {
        let (temp, _) = try Self.signedLedger(outputs: 3)
        let good = path(temp, "good.tar.gz")
        _ = try temp.ledger.exportArchive(to: good)
        let members = try Crafted.members(of: good)
        #expect(members.map(\.name) == ["rrm-archive/manifest.json", "rrm-archive/entries-000001.jsonl", "rrm-archive/checkpoint.note"])
        let cases: [([Crafted.Member], String)] = [
            ([members[0], members[1], members[1], members[2]], "appears twice"),
            ([members[1], members[2]], "the first member is rrm-archive/entries-000001.jsonl"),
            ([members[0], members[1]], "promises a checkpoint"),
            ([members[0], members[2], members[1]], "out of order"),
            ([members[0], .init(name: "rrm-archive/entries-000002.jsonl", bytes: members[1].bytes), members[2]], "out of order"),
        ]
        for (index, (crafted, words)) in cases.enumerated() {
            let file = path(temp, "case-\(index).tar.gz")
            try Crafted.archive(at: file, members: crafted)
            expectRefused(file, in: temp, mentioning: words)
        }
    }

    @Test func aVersion1ManifestThatLiesIsCaught() throws {
        let (temp, _) = try Self.signedLedger(outputs: 3)
        let good = path(temp, "good.tar.gz")
        _ = try temp.ledger.exportArchive(to: good, ExportOptions(version: .v1))
        var members = try Crafted.members(of: good)
        let manifest = String(decoding: members[0].bytes, as: UTF8.self)
        let lies = [
            (manifest.replacingOccurrences(of: "\"label\": 3", with: "\"label\": 4"), "the manifest counts 4 label entries at level 0"),
            (manifest.replacingOccurrences(of: "\"entries\": ", with: "\"entries\": 1"), "the manifest says 1"),
        ]
        for (index, (lie, words)) in lies.enumerated() {
            #expect(lie != manifest)
            members[0] = .init(name: members[0].name, bytes: Array(lie.utf8))
            let file = path(temp, "lie-\(index).tar.gz")
            try Crafted.archive(at: file, members: members)
            expectRefused(file, in: temp, mentioning: words)
        }
    }

    @Test func reorderedOrEditedVersion1EntriesAreCaught() throws {
        let (temp, _) = try Self.signedLedger(outputs: 3)
        let good = path(temp, "good.tar.gz")
        _ = try temp.ledger.exportArchive(to: good, ExportOptions(version: .v1))
        let members = try Crafted.members(of: good)
        var lines = String(decoding: members[1].bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(
            String.init)
        lines.swapAt(4, 5)
        let swapped = path(temp, "swapped.tar.gz")
        try Crafted.archive(
            at: swapped, members: [members[0], .init(name: members[1].name, bytes: Array(lines.joined(separator: "\n").utf8)), members[2]])
        expectRefused(swapped, in: temp, mentioning: "entry 6: out of sequence")

        lines.swapAt(4, 5)
        lines[2] = lines[2].replacingOccurrences(of: "human:rater", with: "human:forger")
        let edited = path(temp, "edited.tar.gz")
        try Crafted.archive(
            at: edited, members: [members[0], .init(name: members[1].name, bytes: Array(lines.joined(separator: "\n").utf8)), members[2]])
        expectRefused(edited, in: temp, mentioning: "entry 3: its hash does not match its fields")
    }

    @Test func theExporterRefusesToOverwriteAndLeavesNothingOnFailure() throws {
        let (temp, _) = try Self.signedLedger(outputs: 3)
        let archive = path(temp, "full.tar.gz")
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: archive))
        #expect(throws: LedgerError.alreadyExists(path: archive)) { try temp.ledger.exportArchive(to: archive) }
        #expect(try String(contentsOfFile: archive, encoding: .utf8) == "keep me")
        let slice = path(temp, "slice.tar.gz")
        try temp.append(#"{"kind":"finding","id":"after","about":"L1-label-0","verdict":"correct","auditor":"human:z"}"#)
        #expect(throws: ArchiveError.self) {
            try temp.ledger.exportArchive(
                to: slice, ExportOptions(selection: .slice(lineageOf: "after", query: LineageQuery(direction: .up), level: nil)))
        }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: temp.folder.path).filter {
            $0.contains("partial") || $0 == "slice.tar.gz"
        }
        #expect(leftovers.isEmpty)
    }

    func run(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}

/// Archives written member by member, for building hostile ones.
enum Crafted {
    struct Member {
        let name: String
        let bytes: [UInt8]
        var type: UInt8 = UInt8(ascii: "0")
    }

    static func manifestMember(entries: Int) -> Member {
        let manifest = ArchiveManifest(
            created: "2026-01-01T00:00:00Z", selection: .full, note: nil, entries: entries, firstSeq: 1, lastSeq: Int64(entries),
            counts: [:],
            head: ChainHead(seq: Int64(entries), hash: SHA256Hash(bytes: [UInt8](repeating: 1, count: 32))!), origin: nil, checkpoint: nil,
            version: .v1)
        return Member(name: ArchiveFormat.manifestMember, bytes: Array(manifest.json.prettyPrinted().utf8))
    }

    /// Writes members, with their tar types, through gzip, and `trailingZeros` after the end
    /// marker.
    static func archive(at path: String, members: [Member], trailingZeros: Int = 0) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        defer { close(descriptor) }
        let gzip = try GzipWriter(descriptor: descriptor, path: path)
        for member in members {
            var header = TarWriter.header(name: member.name, size: member.bytes.count, modified: 0)
            if member.type != UInt8(ascii: "0") {
                header[156] = member.type
                for index in 148..<156 { header[index] = 0x20 }
                let checksum = String(header.reduce(0) { $0 + Int($1) }, radix: 8)
                let field = Array((String(repeating: "0", count: 6 - checksum.count) + checksum).utf8) + [0, 0x20]
                for (index, byte) in field.enumerated() { header[148 + index] = byte }
            }
            try gzip.write(header)
            try gzip.write(member.bytes)
            try gzip.write(TarWriter.padding(after: member.bytes.count))
        }
        try gzip.write(TarWriter.end)
        let zeros = [UInt8](repeating: 0, count: 1 << 20)
        for offset in stride(from: 0, to: trailingZeros, by: zeros.count) {
            try gzip.write(Array(zeros.prefix(min(zeros.count, trailingZeros - offset))))
        }
        try gzip.finish()
    }

    /// The members of a well-formed archive.
    static func members(of path: String) throws -> [Member] {
        let descriptor = open(path, O_RDONLY)
        defer { close(descriptor) }
        let gzip = try GzipReader(descriptor: descriptor, path: path, limits: .standard)
        var tar = TarReader(path: path) { try gzip.read(into: $0) }
        var members: [Member] = []
        while let member = try tar.next() {
            members.append(Member(name: member.name, bytes: try tar.contents(of: member, limit: 1 << 26)))
        }
        return members
    }
}
