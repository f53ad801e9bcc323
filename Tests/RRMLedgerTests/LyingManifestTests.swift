import Foundation
import Testing

@testable import RRMArchive
@testable import RRMFormat
@testable import RRMStore

/// Every manifest field that states something about the archive is checked against what the
/// archive holds (docs/ARCHIVES.md section 4): a real archive's manifest, each field altered in
/// turn and the archive repacked around it, must fail `verify-archive` and be refused by import.
/// (`created`, `created_by` and `note` are the exporter's own words, which nothing in the archive
/// can confirm.)
@Suite struct LyingManifestTests {
    /// An archive's members as read: the manifest's fields, the entry lines, the checkpoint note.
    struct Members {
        var manifest: JSONObject
        var entries: [UInt8]
        var checkpoint: [UInt8]?

        init(path: String) throws {
            let reader = try ArchiveMemberReader(path: path, limits: .standard)
            defer { reader.stop() }
            var manifest: JSONObject?
            var entries: [UInt8] = []
            var checkpoint: [UInt8]?
            reading: while true {
                switch try reader.next() {
                case .manifest(let bytes): manifest = try JSONParser.parse(bytes).objectValue
                case .entries(let piece): entries += piece
                case .entriesEnd: break
                case .checkpoint(let bytes): checkpoint = bytes
                case .end: break reading
                }
            }
            self.manifest = try #require(manifest)
            self.entries = entries
            self.checkpoint = checkpoint
        }

        /// Writes the members as an archive at `path`, in the format's order.
        func write(to path: String) throws {
            let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            defer { close(descriptor) }
            let gzip = try GzipWriter(descriptor: descriptor, path: path)
            var members = [(ArchiveFormat.manifestMember, Array(CanonicalJSON.string(.object(manifest)).utf8))]
            if !entries.isEmpty { members.append((ArchiveFormat.entriesMember(1), entries)) }
            if let checkpoint { members.append((ArchiveFormat.checkpointMember, checkpoint)) }
            for (name, bytes) in members {
                try gzip.write(TarWriter.header(name: name, size: bytes.count, modified: 0))
                try gzip.write(bytes)
                try gzip.write(TarWriter.padding(after: bytes.count))
            }
            try gzip.write(TarWriter.end)
            try gzip.finish()
        }
    }

    /// One lie: a name for the message, and the change to the manifest's fields.
    struct Lie: CustomStringConvertible {
        let description: String
        let change: (inout JSONObject) -> Void
    }

    static let zeros = JSONValue.string(String(repeating: "0", count: 64))

    /// `object[key][inner]` set to `value`, for nested fields.
    static func set(_ object: inout JSONObject, _ key: String, _ inner: String, _ value: JSONValue?) {
        guard var nested = object[key]?.objectValue else { return }
        nested[inner] = value
        object[key] = .object(nested)
    }

    static func shifted(_ value: JSONValue?, by delta: Double) -> JSONValue {
        .number((value?.wholeNumberValue.map(Double.init) ?? 0) + delta)
    }

    /// Every field altered, the numbers each way, the hashes zeroed, the optional parts added or
    /// taken away.
    static func lies(of manifest: JSONObject) -> [Lie] {
        var lies: [Lie] = []
        for key in ["entries", "first_seq", "last_seq"] {
            for delta in [-1.0, 1.0] {
                lies.append(Lie(description: "\(key) \(delta)") { $0[key] = shifted($0[key], by: delta) })
            }
        }
        for (key, inner) in [("head", "seq"), ("checkpoint", "size"), ("base", "size")] where manifest[key] != nil {
            // An increment's head is the source ledger's when exported, which may be past its
            // checkpoint: only a head before its entries can be shown to lie.
            let deltas = key == "head" && manifest["base"] != nil ? [-1.0] : [-1.0, 1.0, 100.0]
            for delta in deltas {
                lies.append(Lie(description: "\(key).\(inner) \(delta)") { set(&$0, key, inner, shifted($0[key]?[inner], by: delta)) })
            }
        }
        for (key, inner) in [("head", "hash"), ("checkpoint", "root"), ("base", "root"), ("base", "entry_hash")] where manifest[key] != nil
        {
            lies.append(Lie(description: "\(key).\(inner) zeroed") { set(&$0, key, inner, zeros) })
        }
        for inner in ["frontier", "consistency"] where manifest["base"]?[inner]?.arrayValue?.isEmpty == false {
            lies.append(Lie(description: "base.\(inner) zeroed") { set(&$0, "base", inner, [zeros]) })
        }
        lies.append(
            Lie(description: "counts (version 2, per kind): one more") { manifest in
                guard var byKind = manifest["counts"]?.objectValue, let kind = byKind.keys.first else { return }
                byKind[kind] = shifted(byKind[kind], by: 1)
                manifest["counts"] = .object(byKind)
            })
        lies.append(
            Lie(description: "counts (version 2, per kind): another kind") { manifest in
                guard var byKind = manifest["counts"]?.objectValue else { return }
                let missing = EventKind.allCases.map(\.rawValue).first { byKind[$0] == nil } ?? "model"
                byKind[missing] = shifted(byKind[missing], by: 1)
                manifest["counts"] = .object(byKind)
            })
        lies.append(
            Lie(description: "counts: one more") { manifest in
                guard var levels = manifest["counts"]?.arrayValue, var first = levels.first?.objectValue,
                    var byKind = first["by_kind"]?.objectValue, let kind = byKind.keys.first
                else { return }
                byKind[kind] = shifted(byKind[kind], by: 1)
                first["by_kind"] = .object(byKind)
                levels[0] = .object(first)
                manifest["counts"] = .array(levels)
            })
        lies.append(
            Lie(description: "counts: another level") { manifest in
                guard manifest["counts"]?.arrayValue != nil else { return }
                manifest["counts"] = .array((manifest["counts"]?.arrayValue ?? []) + [["level": 9, "by_kind": ["model": 1]]])
            })
        lies.append(Lie(description: "origin changed") { $0["origin"] = "example.com/another-log" })
        lies.append(Lie(description: "origin removed") { $0["origin"] = nil })
        lies.append(Lie(description: "pseudonymised added") { $0["pseudonymised"] = ["fields": ["rater"], "entries": 0] })
        if manifest["base"] == nil {
            lies.append(
                Lie(description: "a base added") {
                    $0["base"] =
                        manifest["base"] ?? ["size": 1, "root": zeros, "entry_hash": zeros, "frontier": [zeros], "consistency": []]
                })
            lies.append(Lie(description: "selection slice") { $0["selection"] = "slice" })
        } else {
            // The increment called full: an archive numbered from base.size + 1.
            lies.append(
                Lie(description: "selection full, base removed") {
                    $0["selection"] = "full"; $0["base"] = nil
                })
            lies.append(Lie(description: "selection full") { $0["selection"] = "full" })
            lies.append(Lie(description: "selection slice") { $0["selection"] = "slice" })
        }
        return lies
    }

    /// Whether the archive at `path` is refused by verification (faults, or not an archive).
    static func refusedByVerification(_ path: String) -> Bool {
        guard let report = try? ArchiveVerifier.verify(path: path) else { return true }
        return !report.isIntact
    }

    @Test(arguments: ArchiveVersion.allCases)
    func everyLyingManifestIsRefusedByVerifyAndImport(version: ArchiveVersion) throws {
        let (temp, signer) = try ArchiveTests.signedLedger(outputs: 10)
        let base = try temp.ledger.head()
        let full = temp.folder.appendingPathComponent("full.tar.gz").path
        _ = try temp.ledger.exportArchive(to: full, ExportOptions(version: version))
        try temp.append(ArchiveImportTests.findings(30))
        _ = try temp.ledger.recordCheckpoint(signer: signer)
        let increment = temp.folder.appendingPathComponent("inc.tar.gz").path
        _ = try temp.ledger.exportArchive(to: increment, ExportOptions(selection: .since(size: Int64(base.seq)), version: version))
        let receiver = temp.folder.appendingPathComponent("receiver.sqlite").path
        _ = try Ledger.importArchive(from: full, into: receiver)
        let receiverBytes = try #require(FileManager.default.contents(atPath: receiver))

        var missed: [String] = []
        var tried = 0
        for (name, original) in [("full", full), ("incremental", increment)] {
            let members = try Members(path: original)
            // The repacker itself changes nothing that verification sees.
            let repacked = temp.folder.appendingPathComponent("repacked.tar.gz").path
            try members.write(to: repacked)
            #expect(!Self.refusedByVerification(repacked), "the repacked \(name) archive must verify")
            for lie in Self.lies(of: members.manifest) {
                var altered = members
                lie.change(&altered.manifest)
                guard altered.manifest != members.manifest else { continue }
                tried += 1
                let path = temp.folder.appendingPathComponent("lie-\(tried).tar.gz").path
                try altered.write(to: path)
                if !Self.refusedByVerification(path) { missed.append("\(name), \(lie): verify-archive accepts it") }
                let target = temp.folder.appendingPathComponent("import-\(tried).sqlite").path
                try FileManager.default.copyItem(atPath: receiver, toPath: target)
                if name == "full" { try FileManager.default.removeItem(atPath: target) }
                if (try? Ledger.importArchive(from: path, into: target)) != nil { missed.append("\(name), \(lie): import accepts it") }
                if name == "incremental", FileManager.default.contents(atPath: target) != receiverBytes {
                    missed.append("\(name), \(lie): the refused import changed the ledger")
                }
            }
        }
        #expect(tried > 40)
        #expect(missed.isEmpty, "\(missed.joined(separator: "\n"))")
    }

    /// The three cases the review found, by name.
    @Test(arguments: ArchiveVersion.allCases)
    func theReviewsThreeLiesAreFaultsThatSayWhatIsWrong(version: ArchiveVersion) throws {
        let (temp, signer) = try ArchiveTests.signedLedger(outputs: 10)
        let base = try temp.ledger.head()
        let full = temp.folder.appendingPathComponent("full.tar.gz").path
        _ = try temp.ledger.exportArchive(to: full, ExportOptions(version: version))
        try temp.append(ArchiveImportTests.findings(30))
        _ = try temp.ledger.recordCheckpoint(signer: signer)
        let increment = temp.folder.appendingPathComponent("inc.tar.gz").path
        _ = try temp.ledger.exportArchive(to: increment, ExportOptions(selection: .since(size: Int64(base.seq)), version: version))
        let cases: [(String, String, (inout JSONObject) -> Void)] = [
            (full, "the manifest's head (200:", { $0["head"] = ["seq": 200, "hash": Self.zeros] }),
            (increment, "the manifest says the first entry is 7", { $0["first_seq"] = 7 }),
            (
                // Version 1 states each entry's seq; version 2 numbers a full archive's from 1.
                increment,
                version == .v1
                    ? "out of sequence (expected 1)" : "the manifest says the first entry is \(base.seq + 1), the archive's is 1",
                {
                    $0["selection"] = "full"; $0["base"] = nil
                }
            ),
        ]
        for (original, expected, change) in cases {
            var members = try Members(path: original)
            change(&members.manifest)
            let path = temp.folder.appendingPathComponent("case.tar.gz").path
            try? FileManager.default.removeItem(atPath: path)
            try members.write(to: path)
            let report = try ArchiveVerifier.verify(path: path)
            #expect(report.faults.contains { $0.contains(expected) }, "\(report.faults)")
        }
    }
}
