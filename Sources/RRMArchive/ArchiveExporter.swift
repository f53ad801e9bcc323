import Foundation
import GRDB
import RRMFormat
import RRMStore

/// Which entries an archive holds.
public enum ArchiveSelection: Sendable {
    /// Every entry.
    case full
    /// The entries a lineage question reaches (with the entry itself), and/or those at one level;
    /// each with its inclusion proof against the newest checkpoint.
    case slice(lineageOf: String?, query: LineageQuery, level: Int?)
    /// The entries after the checkpoint of `size`, which the receiver holds, up to the newest checkpoint.
    case since(size: Int64)
}

/// What to export.
public struct ExportOptions: Sendable {
    public var selection: ArchiveSelection
    /// Why the archive is made (kept in the manifest).
    public var note: String?
    /// Replace person ids (`human:…` raters and auditors) with pseudonyms, consistent within the
    /// archive and unlinkable across archives (see `Pseudonyms`).
    public var pseudonymise: Bool
    /// Replace a file already at the archive's path (atomically) instead of refusing it.
    public var replacing: Bool
    /// The format version to write: 2 unless the receiver's tool reads version 1 only.
    public var version: ArchiveVersion

    public init(
        selection: ArchiveSelection = .full, note: String? = nil, pseudonymise: Bool = false, replacing: Bool = false,
        version: ArchiveVersion = .v2
    ) {
        self.selection = selection
        self.note = note
        self.pseudonymise = pseudonymise
        self.replacing = replacing
        self.version = version
    }
}

/// What an export wrote.
public struct ExportSummary: Sendable {
    public let manifest: ArchiveManifest
    /// Size of the archive file in bytes.
    public let bytes: Int
}

extension Ledger {
    /// Writes an archive (docs/ARCHIVES.md), streamed from one read snapshot through zlib, on
    /// every core (`ParallelGzipWriter`), into a temporary file beside `path` and linked into place at the end (`FilePublishing`): memory
    /// stays flat, a failed export leaves nothing behind, and of two exports to one path at once
    /// only one succeeds (unless `options.replacing`, when the later replaces the earlier whole). The entries are read and encoded on a thread of their
    /// own while this thread compresses.
    /// - Throws: `LedgerError.alreadyExists` if `path` exists (when it is made, or when the archive
    ///   is to be put there) and `options.replacing` is false; `.noCheckpoint` when a slice or an
    ///   increment has no checkpoint to be verified against; `ArchiveError.io` when writing fails.
    public func exportArchive(to path: String, _ options: ExportOptions = ExportOptions()) throws -> ExportSummary {
        if !options.replacing && FileManager.default.fileExists(atPath: path) { throw LedgerError.alreadyExists(path: path) }
        // A slice's lineage is walked before the snapshot: it may load the whole graph.
        var lineage: Set<Int64>?
        if case .slice(let id?, let query, _) = options.selection {
            let answer = try self.lineage(of: id, query, listing: LineageListing(limit: nil))
            lineage = Set(answer.closure.steps.map(\.seq))
        }
        let temporary = FilePublishing.temporaryPath(beside: path)
        let descriptor = Foundation.open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard descriptor >= 0 else { throw ArchiveError.io(path: path, detail: String(cString: strerror(errno))) }
        var success = false
        defer {
            close(descriptor)
            if !success { unlink(temporary) }
        }
        let gzip = ParallelGzipWriter(descriptor: descriptor, path: path)
        let writer = ArchiveWriter(ledgerPath: self.path, options: options, lineage: lineage)
        let manifest = try writer.write(to: gzip)
        try gzip.finish()
        guard fsync(descriptor) == 0 else { throw ArchiveError.io(path: path, detail: String(cString: strerror(errno))) }
        if let code = FilePublishing.publish(temporary, as: path, replacing: options.replacing) {
            if code == EEXIST { throw LedgerError.alreadyExists(path: path) }
            throw ArchiveError.io(path: path, detail: String(cString: strerror(code)))
        }
        success = true
        return ExportSummary(manifest: manifest, bytes: gzip.compressedBytes)
    }
}

/// Produces an archive's members from one read snapshot on a thread of its own and hands them,
/// in pieces, to the compressing thread.
private final class ArchiveWriter {
    private enum Piece: Sendable {
        case manifest(ArchiveManifest, [UInt8])
        case member(name: String, bytes: [UInt8])
        case end
    }

    private let ledgerPath: String
    private let options: ExportOptions
    private let lineage: Set<Int64>?

    init(ledgerPath: String, options: ExportOptions, lineage: Set<Int64>?) {
        self.ledgerPath = ledgerPath
        self.options = options
        self.lineage = lineage
    }

    /// Writes every member through `gzip`; returns the manifest written.
    func write(to gzip: ParallelGzipWriter) throws -> ArchiveManifest {
        let pieces = ProducerThread<Piece>(capacity: 4) { [self] sink in try produce(into: sink) }
        defer { pieces.cancel() }
        let modified = Int(Date().timeIntervalSince1970)
        var manifest: ArchiveManifest?
        while let piece = pieces.next() {
            switch piece {
            case .manifest(let value, let bytes):
                manifest = value
                try Self.writeMember(ArchiveFormat.manifestMember, bytes, modified: modified, to: gzip)
            case .member(let name, let bytes):
                try Self.writeMember(name, bytes, modified: modified, to: gzip)
            case .end:
                try gzip.write(TarWriter.end)
                return manifest!
            }
        }
        try pieces.join()
        throw ArchiveError.io(path: ledgerPath, detail: "the export stopped before its end")
    }

    private static func writeMember(_ name: String, _ data: [UInt8], modified: Int, to gzip: ParallelGzipWriter) throws {
        try gzip.write(TarWriter.header(name: name, size: data.count, modified: modified))
        try gzip.write(data)
        try gzip.write(TarWriter.padding(after: data.count))
    }

    private func send(_ piece: Piece, to sink: ProducerThread<Piece>.Sink) throws {
        guard sink.send(piece) else { throw ArchiveError.io(path: ledgerPath, detail: "the export was abandoned") }
    }

    /// Reads the snapshot: decides the entries, counts them, then sends the manifest, the
    /// entries in members and the checkpoint.
    private func produce(into sink: ProducerThread<Piece>.Sink) throws {
        let ledger = try Ledger.open(at: ledgerPath, readOnly: true)
        try ledger.readPassingThrough { db in
            let head = try Ledger.head(db)
            let origin = try Ledger.origin(db)
            let checkpoint = try Row.fetchOne(
                db, sql: "SELECT size, root, note FROM checkpoint WHERE size <= ? ORDER BY size DESC LIMIT 1", arguments: [head.seq])
            let checkpointSize: Int64? = checkpoint.map { $0[0] as Int64 }
            let tree = MerkleTreeMath(nodes: try LedgerMerkleNodes(db, path: ledgerPath))

            // Which entries, and how each line is completed.
            var first: Int64 = 1
            var last = head.seq
            var filter: ((Int64, Int) -> Bool)?
            var proofs = false
            var base: ArchiveManifest.Base?
            var sliceDescription: String?
            let selection: ArchiveManifest.Selection
            switch options.selection {
            case .full:
                selection = .full
            case .slice(let id, let query, let level):
                guard let size = checkpointSize else {
                    throw ArchiveError.notImportable(
                        path: ledgerPath,
                        detail: "a slice is proved against a signed checkpoint, and the ledger has none: run rrm-ledger checkpoint first")
                }
                selection = .slice
                last = size
                proofs = true
                let lineage = self.lineage
                if let lineage, let outside = lineage.first(where: { $0 > last }) {
                    throw ArchiveError.notImportable(
                        path: ledgerPath,
                        detail:
                            "the slice reaches entry \(outside), after the newest checkpoint (\(size) entries): sign a checkpoint first (rrm-ledger checkpoint)"
                    )
                }
                filter = { seq, entryLevel in (lineage?.contains(seq) ?? true) && (level.map { $0 == entryLevel } ?? true) }
                var words: [String] = []
                if let id {
                    words.append(
                        "lineage of \(id), \(query.direction.rawValue), via \(LinkClass.allCases.filter { query.via.contains($0) }.map(\.rawValue).joined(separator: ","))\(query.maxDepth.map { ", depth \($0)" } ?? "")"
                    )
                }
                if let level { words.append("level \(level)") }
                sliceDescription = words.joined(separator: "; ")
            case .since(let size):
                guard let newest = checkpointSize else {
                    throw ArchiveError.notImportable(
                        path: ledgerPath,
                        detail:
                            "an incremental archive ends at a signed checkpoint, and the ledger has none: run rrm-ledger checkpoint first")
                }
                guard size >= 1, size < newest else {
                    throw ArchiveError.notImportable(
                        path: ledgerPath, detail: "--since \(size) must be between 1 and the newest checkpoint's size, \(newest), exclusive"
                    )
                }
                selection = .incremental
                first = size + 1
                last = newest
                let frontier = try MerkleFrontier(size: size, nodes: try LedgerMerkleNodes(db, path: ledgerPath))
                guard let entryHash = try Data.fetchOne(db, sql: "SELECT hash FROM entry WHERE seq = ?", arguments: [size]) else {
                    throw LedgerError.treeSizeBeyondLedger(size: size, entries: head.seq)
                }
                guard let entryHash = SHA256Hash(bytes: entryHash) else {
                    throw LedgerError.malformedRow(
                        table: "entry", row: size, column: "hash", problem: "\(entryHash.count) bytes where a SHA-256 digest has 32")
                }
                base = ArchiveManifest.Base(
                    size: size, rootHash: try tree.rootHash(size: size), entryHash: entryHash, frontier: frontier.hashes,
                    consistency: try tree.consistencyProof(oldSize: size, newSize: newest))
            }

            // Counts first: the manifest comes before the entries.
            var counts: [Int: [EventKind: Int]] = [:]
            var total = 0
            var firstSelected: Int64 = 0
            var lastSelected: Int64 = 0
            var pseudonymised = 0
            let namesPerson = options.pseudonymise ? Pseudonyms.sqlCondition : "0"
            let census = try RawStatement(
                db,
                """
                SELECT e.seq, l.level, e.kind, \(namesPerson) FROM entry e LEFT JOIN entry_level l ON l.seq = e.seq
                WHERE e.seq BETWEEN ? AND ? ORDER BY e.seq
                """)
            census.bind(1, first)
            census.bind(2, last)
            while try census.step() {
                guard !census.isNull(1) else {
                    let seq = census.int64(0)
                    census.reset()
                    throw LedgerError.missingLevel(seq: seq)
                }
                // A level or kind the schema forbids is refused, not archived as a plausible 0 or left uncounted.
                let seq = census.int64(0)
                let level = Int(try storedLevel(census.storedInteger(1, "level", table: "entry_level", row: seq), row: seq))
                let kind = try EventKind(stored: census.string(2), row: seq)
                guard filter?(seq, level) ?? true else { continue }
                counts[level, default: [:]][kind, default: 0] += 1
                total += 1
                if firstSelected == 0 { firstSelected = census.int64(0) }
                lastSelected = census.int64(0)
                if census.int64(3) != 0 { pseudonymised += 1 }
            }
            census.reset()
            let facts = try checkpoint.map { row in
                let size: Int64 = try row.stored(0, "size", table: "checkpoint", row: 0)
                return ArchiveManifest.CheckpointFacts(
                    size: size, rootHash: try row.storedDigest(1, "root", table: "checkpoint", row: size))
            }
            let manifest = ArchiveManifest(
                created: Timestamp.now(), selection: selection, note: options.note, entries: total, firstSeq: firstSelected,
                lastSeq: lastSelected, counts: counts, head: head, origin: origin, sliceDescription: sliceDescription,
                checkpoint: selection == .full && (checkpointSize ?? 0) > head.seq ? nil : facts, base: base,
                pseudonymised: options.pseudonymise
                    ? ArchiveManifest.Pseudonymisation(fields: Pseudonyms.fields.map(\.field), entries: pseudonymised) : nil,
                version: options.version)
            try send(.manifest(manifest, Array(manifest.json.prettyPrinted().utf8) + [0x0A]), to: sink)

            // Every entry has a level here: the census above refused a missing one.
            let rows = try RawStatement(
                db,
                """
                SELECT e.seq, l.level, e.body, e.prev_hash, e.hash FROM entry e JOIN entry_level l ON l.seq = e.seq
                WHERE e.seq BETWEEN ? AND ? ORDER BY e.seq
                """)
            rows.bind(1, first)
            rows.bind(2, last)
            defer { rows.reset() }
            var chunk: [UInt8] = []
            chunk.reserveCapacity(ArchiveFormat.chunkBytes)
            var number = 0
            let pseudonyms = options.pseudonymise ? Pseudonyms() : nil
            while try rows.step() {
                let seq = rows.int64(0)
                let level = Int(try storedLevel(rows.storedInteger(1, "level", table: "entry_level", row: seq), row: seq))
                guard filter?(seq, level) ?? true else { continue }
                let body = Array(rows.bytes(2))
                // Version 2's line is the body itself: a body that is not a JSON object on one
                // line (a damaged row; canonical bodies never are) would make an unreadable archive.
                if options.version == .v2, body.first != UInt8(ascii: "{") || body.contains(0x0A) {
                    throw LedgerError.malformedRow(
                        table: "entry", row: seq, column: "body",
                        problem: body.first != UInt8(ascii: "{")
                            ? "the body does not start with \"{\", so it is no canonical body (the ledger is damaged: run rrm-ledger verify)"
                            : "the body holds a line feed, which a canonical body never does (the ledger is damaged: run rrm-ledger verify)"
                    )
                }
                let prevHash = try rows.storedDigest(3, "prev_hash", row: seq)
                let proof = proofs ? try checkpointSize.map { try tree.inclusionProof(index: seq - 1, size: $0).map(\.bytes) } : nil
                var shown = body
                var originalDigest: SHA256Hash?
                if let pseudonyms, let replaced = pseudonyms.pseudonymised(body) {
                    originalDigest = body.withUnsafeBytes { ChainHash.bodyDigest($0) }
                    shown = replaced
                }
                // One entry's lines, never cut between members: version 1's object, or version
                // 2's body with the annotation that goes before it where one is needed.
                var prefix: [UInt8] = []
                switch options.version {
                case .v1:
                    prefix = ArchivedEntry(
                        seq: seq, level: level, body: shown, prevHash: prevHash, hash: try rows.storedDigest(4, "hash", row: seq),
                        proof: proof, bodyDigest: originalDigest
                    ).line()
                case .v2:
                    let annotation = EntryAnnotation(
                        seq: proofs ? seq : nil, prevHash: proofs ? prevHash : nil, proof: proof, bodyDigest: originalDigest)
                    if !annotation.isEmpty { prefix = annotation.line() }
                }
                let length = options.version == .v1 ? prefix.count : prefix.count + shown.count + 1
                if !chunk.isEmpty && chunk.count + length > ArchiveFormat.chunkBytes {
                    number += 1
                    try send(.member(name: ArchiveFormat.entriesMember(number), bytes: chunk), to: sink)
                    chunk = []
                    chunk.reserveCapacity(ArchiveFormat.chunkBytes)
                }
                chunk.append(contentsOf: prefix)
                if options.version == .v2 {
                    chunk.append(contentsOf: shown)
                    chunk.append(0x0A)
                }
            }
            if !chunk.isEmpty {
                number += 1
                try send(.member(name: ArchiveFormat.entriesMember(number), bytes: chunk), to: sink)
            }
            if manifest.checkpoint != nil, let note = checkpoint?[2] as String? {
                try send(.member(name: ArchiveFormat.checkpointMember, bytes: Array(note.utf8)), to: sink)
            }
            try send(.end, to: sink)
        }
    }
}
