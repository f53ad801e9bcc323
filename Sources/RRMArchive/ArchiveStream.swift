import Foundation
import RRMFormat

/// Reads an archive from first byte to last, checking everything that can be checked offline
/// with nothing but the file: gzip and tar integrity, the members' names and order, every line,
/// every entry's hash, the chain from the first entry to the last, and the manifest's figures.
/// Version 1 archives store each entry's hashes, which are checked entry by entry; version 2
/// archives store the bodies alone, whose hashes are recomputed along the chain and checked
/// where the archive states a hash: the manifest's head, the checkpoint's root, a slice's proofs.
/// Structural problems (a corrupt stream, a hostile member) stop it with `ArchiveError.malformed`;
/// faults in the contents are collected, one line each, or stop it at once when asked to.
final class ArchiveStream {
    /// Most faults kept in detail; the rest are counted.
    static let faultLimit = 1000

    /// An entry as read, with the SHA-256 of its body that its hash check computed; `nil` for a
    /// pseudonymised entry, whose hash covers the original body's digest instead.
    struct CheckedEntry {
        let entry: ArchivedEntry
        let bodyDigest: SHA256Hash?
    }

    let path: String
    private let members: ArchiveMemberReader
    private let stopAtFirstFault: Bool
    /// The key the checkpoint must be signed with; without it the signature is not checked.
    private let verifier: NoteVerifier?
    /// The tree's right edge, for full and incremental archives with a checkpoint.
    private var frontier: MerkleFrontier?
    /// Whether the archive's entries were shown to lead to the checkpoint's root.
    private(set) var checkpointRootChecked = false
    /// The checkpoint, once its signature was verified with `verifier`.
    private(set) var verifiedCheckpoint: VerifiedCheckpoint?
    /// The manifest, read when the stream opens.
    private(set) var manifest: ArchiveManifest!
    private(set) var faults: [String] = []
    private(set) var faultCount = 0
    /// Entries read, and their counts per level (version 1) and kind.
    private(set) var entries = 0
    private(set) var counts: [Int: [EventKind: Int]] = [:]
    private(set) var kindCounts: [EventKind: Int] = [:]
    private(set) var lastHash = ChainHash.genesis
    private(set) var lastSeq: Int64 = 0
    /// The first entry's sequence number, once read.
    private var firstEntrySeq: Int64?
    /// Entries whose body was pseudonymised (verified through the original body's digest).
    private(set) var pseudonymised = 0
    private var lines: [UInt8] = []
    private var lineStart = 0
    /// The entries member the buffered lines belong to (members are numbered from 1 without
    /// gaps, which the member reader enforces), and the line number in it of the last line read.
    private var memberNumber = 1
    private var lineInMember = 0
    /// Version 2: the annotation read for the body on the next line.
    private var annotation: EntryAnnotation?
    private var finished = false
    private(set) var checkpointNote: [UInt8]?

    /// Opens an archive and reads its manifest. Decompression and the tar structure are handled
    /// by a thread of its own, a few members ahead, so checking the entries runs alongside.
    init(path: String, verifier: NoteVerifier? = nil, stopAtFirstFault: Bool = false, limits: GzipReader.Limits = .standard) throws {
        self.path = path
        self.verifier = verifier
        self.stopAtFirstFault = stopAtFirstFault
        members = try ArchiveMemberReader(path: path, limits: limits)
        guard case .manifest(let bytes) = try members.next() else {
            throw ArchiveError.malformed(path: path, .manifestNotFirst)
        }
        let parsed: Result<ArchiveManifest, ArchiveProblem> = Result { () throws(ArchiveProblem) in try ArchiveManifest(parsing: bytes) }
        switch parsed {
        case .success(let value): manifest = value
        case .failure(let problem): throw ArchiveError.malformed(path: path, .manifest(problem.reason))
        }
        // Where the chain starts is the selection's, not the manifest's figure: a full archive
        // from entry 1, an increment after its base (`checkManifest` compares `first_seq`).
        lastSeq = 0
        // A key asks for an archive signed with it; one without a checkpoint is signed by no key,
        // and accepting it would let anyone strip the checkpoint to pass the check.
        if let verifier, manifest.checkpoint == nil {
            try fault("the archive has no checkpoint, so nothing in it is signed with the key \(verifier.name)")
        }
        if manifest.selection == .full, manifest.base != nil {
            try fault("the manifest of a full archive has a base: only an incremental archive continues one")
        }
        if manifest.selection == .slice, manifest.base != nil {
            try fault("the manifest of a slice has a base: only an incremental archive continues one")
        }
        if let base = manifest.base, manifest.selection == .incremental {
            lastSeq = base.size
            lastHash = base.entryHash
            guard let edge = MerkleFrontier(size: base.size, hashes: base.frontier) else {
                throw ArchiveError.malformed(path: path, .baseFrontier(treeSize: base.size))
            }
            frontier = edge
            if edge.rootHash != base.rootHash {
                try fault("the base frontier does not lead to the base root: the base is not the tree it claims")
            }
            if let checkpoint = manifest.checkpoint {
                do {
                    try MerkleProofVerifier.verifyConsistency(
                        oldSize: base.size, newSize: checkpoint.size, oldRoot: base.rootHash, newRoot: checkpoint.rootHash,
                        proof: base.consistency)
                } catch {
                    try fault("the consistency proof from \(base.size) to \(checkpoint.size) entries fails: \(error)")
                }
            }
        } else if manifest.selection == .full && manifest.checkpoint != nil {
            frontier = MerkleFrontier()
        }
    }

    deinit {
        members.stop()
    }

    private func fault(_ text: String) throws {
        faultCount += 1
        if faults.count < Self.faultLimit { faults.append(text) }
        if stopAtFirstFault { throw ArchiveError.verificationFailed(path: path, faults: [text]) }
    }

    /// The next entry, checked against the chain; `nil` after the last (when the archive's end
    /// and the manifest have been checked too).
    func next() throws -> CheckedEntry? {
        while true {
            if let newline = Self.indexOfNewline(in: lines, from: lineStart) {
                let start = lineStart
                lineStart = newline + 1
                lineInMember += 1
                let checked = try lines.withUnsafeBufferPointer { buffer in
                    let line = UnsafeBufferPointer(rebasing: buffer[start..<newline])
                    return manifest.version == .v1 ? try entryOfVersion1(line) : try entryOfVersion2(line)
                }
                if let checked { return checked }
                continue
            }
            guard try loadMore() else {
                try finish()
                return nil
            }
        }
    }

    private func entryOfVersion1(_ line: UnsafeBufferPointer<UInt8>) throws -> CheckedEntry {
        switch ArchivedEntry.parse(line) {
        case .success(let entry):
            return CheckedEntry(entry: entry, bodyDigest: try check(entry))
        case .failure(let problem):
            throw ArchiveError.malformed(
                path: path, .line(member: ArchiveFormat.entriesMember(memberNumber), line: lineInMember, problem: problem.reason))
        }
    }

    /// A version-2 line: an annotation (kept for the next line; `nil` is returned) or a body,
    /// whose sequence number and previous hash come from its position in the chain (or, in a
    /// slice, from its annotation) and whose hash is computed.
    private func entryOfVersion2(_ line: UnsafeBufferPointer<UInt8>) throws -> CheckedEntry? {
        func malformed(_ problem: String) -> ArchiveError {
            .malformed(path: path, .line(member: ArchiveFormat.entriesMember(memberNumber), line: lineInMember, problem: problem))
        }
        switch line.first {
        case UInt8(ascii: "["):
            guard annotation == nil else {
                throw malformed("an annotation follows an annotation; each stands before the body it describes")
            }
            let parsed: EntryAnnotation
            switch EntryAnnotation.parse(line) {
            case .success(let value): parsed = value
            case .failure(let problem): throw malformed(problem.reason)
            }
            if manifest.selection == .slice {
                guard parsed.seq != nil, parsed.prevHash != nil, parsed.proof != nil else {
                    throw malformed("an annotation in a slice must carry the entry's seq, prev_hash and proof")
                }
            } else if parsed.seq != nil || parsed.prevHash != nil || parsed.proof != nil {
                throw malformed(
                    "an annotation in a \(manifest.selection.rawValue) archive may carry only body_sha256: the position gives the sequence number, the chain the previous hash"
                )
            }
            annotation = parsed
            return nil
        case UInt8(ascii: "{"):
            break
        default:
            throw malformed(
                "neither a body (a JSON object, the entry's canonical body) nor an annotation (a JSON list); version 2 has no other lines")
        }
        let note = annotation ?? EntryAnnotation()
        annotation = nil
        let seq: Int64
        let prevHash: SHA256Hash
        if manifest.selection == .slice {
            guard let annotated = note.seq, let previous = note.prevHash, note.proof != nil else {
                throw malformed("a slice's body must follow an annotation with its seq, prev_hash and proof")
            }
            seq = annotated
            prevHash = previous
        } else {
            // The annotation's fields were checked when it was read.
            seq = lastSeq + 1
            prevHash = lastHash
        }
        let body = Array(line)
        let (hash, bodyDigest) = Self.chainHash(body: body, originalBodyDigest: note.bodyDigest, previous: prevHash, seq: seq)
        let entry = ArchivedEntry(
            seq: seq, level: nil, body: body, prevHash: prevHash, hash: hash, proof: note.proof, bodyDigest: note.bodyDigest)
        try check(entry, computedBodyDigest: bodyDigest)
        return CheckedEntry(entry: entry, bodyDigest: bodyDigest)
    }

    /// An entry's hash, and the SHA-256 of its body when that is what the chain hashes (`nil`
    /// for a pseudonymised entry, whose original body's digest is hashed instead).
    private static func chainHash(body: [UInt8], originalBodyDigest: SHA256Hash?, previous: SHA256Hash, seq: Int64)
        -> (hash: SHA256Hash, bodyDigest: SHA256Hash?)
    {
        let bodyDigest = originalBodyDigest == nil ? body.withUnsafeBytes { ChainHash.bodyDigest($0) } : nil
        let hash = ChainHash.entryHash(previous: previous, seq: seq, bodyDigest: bodyDigest ?? originalBodyDigest!)
        return (hash, bodyDigest)
    }

    /// Appends the next piece of entries to `lines` (keeping an unfinished line); `false` at the end.
    private func loadMore() throws -> Bool {
        guard !finished else { return false }
        switch try members.next() {
        case .entries(let piece):
            if lineStart > 0 {
                lines.removeFirst(lineStart)
                lineStart = 0
            }
            lines.append(contentsOf: piece)
            return true
        case .entriesEnd(let name):
            if lineStart < lines.count {
                throw ArchiveError.malformed(path: path, .partialLine(name: name, bytes: lines.count - lineStart))
            }
            if annotation != nil {
                throw ArchiveError.malformed(
                    path: path, .line(member: name, line: lineInMember, problem: "the member ends after an annotation, without its body"))
            }
            memberNumber += 1
            lineInMember = 0
            return try loadMore()
        case .checkpoint(let bytes):
            checkpointNote = bytes
            return try loadMore()
        case .manifest:
            throw ArchiveError.malformed(path: path, .manifestTwice)
        case .end:
            finished = true
            return false
        }
    }

    private static func indexOfNewline(in bytes: [UInt8], from start: Int) -> Int? {
        guard start < bytes.count else { return nil }
        return bytes.withUnsafeBytes { raw -> Int? in
            guard let found = memchr(raw.baseAddress! + start, 0x0A, raw.count - start) else { return nil }
            return raw.baseAddress!.distance(to: UnsafeRawPointer(found))
        }
    }

    /// Checks a version-1 entry, its stored hash included; returns the SHA-256 of its body,
    /// unless it carries its original body's.
    private func check(_ entry: ArchivedEntry) throws -> SHA256Hash? {
        let (computed, bodyDigest) = Self.chainHash(
            body: entry.body, originalBodyDigest: entry.bodyDigest, previous: entry.prevHash, seq: entry.seq)
        try check(entry, computedBodyDigest: bodyDigest, storedHashMatches: computed == entry.hash)
        return bodyDigest
    }

    /// Checks an entry against the chain, the checkpoint and the manifest's statements about
    /// pseudonyms, and counts it. A version-2 entry's hash is the computed one
    /// (`storedHashMatches` is then true): a wrong body shows where the chain meets a stated
    /// hash (the manifest's head, the checkpoint's root, a slice entry's proof).
    private func check(_ entry: ArchivedEntry, computedBodyDigest: SHA256Hash?, storedHashMatches: Bool = true) throws {
        // Version 1 names an entry by the seq its line states; version 2 by the seq it numbered
        // and where the body line is.
        let named =
            manifest.version == .v1
            ? "entry \(entry.seq)" : "entry \(entry.seq) (\(ArchiveFormat.entriesMember(memberNumber)), line \(lineInMember))"
        entries += 1
        if firstEntrySeq == nil { firstEntrySeq = entry.seq }
        if manifest.selection == .slice {
            // A slice: increasing sequence numbers, each entry proved against the checkpoint.
            if entry.seq <= lastSeq { try fault("\(named): out of order (after entry \(lastSeq))") }
            if let checkpoint = manifest.checkpoint {
                if entry.seq > checkpoint.size {
                    try fault("\(named): beyond the checkpoint's \(checkpoint.size) entries")
                } else {
                    do {
                        // The proof's hashes as the archive gives them: one of the wrong length is a proof that fails.
                        try MerkleProofVerifier.verifyInclusion(
                            leafHash: MerkleHash.leafHash(entry.hash).bytes, index: entry.seq - 1, size: checkpoint.size,
                            proof: entry.proof ?? [], root: checkpoint.rootHash.bytes)
                    } catch {
                        try fault("\(named): its inclusion proof fails (\(error))")
                    }
                }
            }
        } else if entry.seq != lastSeq + 1 {
            try fault("\(named): out of sequence (expected \(lastSeq + 1)): entries are missing or reordered")
        } else if entry.prevHash != lastHash {
            try fault("\(named): prev_hash does not match the hash of entry \(entry.seq - 1)")
        }
        if entry.bodyDigest == nil, manifest.pseudonymised != nil, Pseudonyms.namesPerson(entry.body) {
            try fault(
                Pseudonyms.isPseudonymised(entry.body)
                    ? "\(named): a pseudonymised body without its body_sha256 annotation (the digest of the original body, which the chain hashes)"
                    : "\(named): names a person by their own id, though the manifest says the archive is pseudonymised")
        }
        if entry.bodyDigest != nil {
            pseudonymised += 1
            if manifest.pseudonymised == nil {
                try fault("\(named): pseudonymised, but the manifest does not say the archive is")
            } else if !Pseudonyms.isPseudonymised(entry.body) {
                try fault("\(named): carries the digest of an original body, but its body is not a pseudonymised one")
            }
        }
        if !storedHashMatches {
            try fault("\(named): its hash does not match its fields: the body or hash was altered")
        }
        if var edge = frontier, let checkpoint = manifest.checkpoint, edge.size < checkpoint.size {
            edge.append(leafHash: MerkleHash.leafHash(entry.hash))
            if edge.size == checkpoint.size {
                checkpointRootChecked = true
                if edge.rootHash != checkpoint.rootHash {
                    try fault(
                        "the entries up to \(checkpoint.size) do not lead to the checkpoint's root: the archive is not what was signed"
                            + (manifest.version == .v2 ? Self.unlocated : ""))
                }
            }
            frontier = edge
        }
        var kind: EventKind?
        entry.body.withUnsafeBytes { body in
            _ = JSONMemberScanner.forEachMember(body) { key, value in
                if bytesEqual(key, "kind") {
                    kind = JSONMemberScanner.withStringContent(value) { EventKind(rawValue: String(decoding: $0, as: UTF8.self)) } ?? nil
                }
            }
        }
        if let kind {
            if let level = entry.level { counts[level, default: [:]][kind, default: 0] += 1 }
            kindCounts[kind, default: 0] += 1
        } else {
            try fault("\(named): its body has no valid kind")
        }
        lastSeq = entry.seq
        lastHash = entry.hash
    }

    /// What a version-2 verifier says where version 1 named the entry: its archives store no
    /// per-entry hash, so a changed body is seen only where the recomputed chain meets a stated
    /// hash, after it.
    static let unlocated =
        " (a body was altered, or entries are missing, added or reordered; a version-2 archive stores no hash per entry, so the first"
        + " changed entry cannot be named: compare the bodies with the source ledger's, or an earlier archive's, to find it)"

    /// The checkpoint note must state the manifest's size and root, and, given a key, be signed by it.
    private func checkNote(_ note: String, against facts: ArchiveManifest.CheckpointFacts) throws {
        let checkpoint: Checkpoint
        if let verifier {
            do {
                let verified = try VerifiedCheckpoint.open(note, verifier: verifier, origin: manifest.origin)
                verifiedCheckpoint = verified
                checkpoint = verified.checkpoint
            } catch {
                try fault("the checkpoint does not verify with the key \(verifier.name): \(error)")
                return
            }
        } else {
            do {
                checkpoint = try Checkpoint(parsing: try SignedNote(parsing: note).text)
            } catch {
                throw ArchiveError.malformed(path: path, .checkpointNotSigned("\(error)"))
            }
        }
        if checkpoint.origin != manifest.origin {
            try fault(
                "the checkpoint's origin \"\(checkpoint.origin)\" is not the manifest's (\(manifest.origin.map { "\"\($0)\"" } ?? "none"))")
        }
        if checkpoint.size != facts.size || checkpoint.rootHash != facts.rootHash {
            try fault("the signed checkpoint (\(checkpoint.size) entries) is not the one the manifest describes (\(facts.size))")
        }
    }

    /// The manifest's sequence numbers, head, origin and pseudonymised fields against what the
    /// archive holds (its entry count, counts and checkpoint are compared in `finish`).
    private func checkManifest() throws {
        let head = manifest.head
        if let first = firstEntrySeq {
            if manifest.firstSeq != first {
                try fault("the manifest says the first entry is \(manifest.firstSeq), the archive's is \(first)")
            }
        } else if manifest.firstSeq != 0 {
            try fault("the manifest says the first entry is \(manifest.firstSeq), and the archive holds none")
        }
        // Version 1 states every hash; version 2's last hash is the one recomputed.
        let lastEntry = manifest.version == .v1 ? "the archive's last entry" : "where the chain recomputed from the archive's bodies ends"
        let note = manifest.version == .v1 ? "" : Self.unlocated
        switch manifest.selection {
        case .full:
            // A full archive holds every entry up to the head it states.
            if head.seq != lastSeq || head.hash != lastHash {
                try fault(
                    "the manifest's head (\(head.seq):\(head.hash.hex.prefix(16))…) is not \(lastEntry) (\(lastSeq):\(lastHash.hex.prefix(16))…)"
                        + note)
            }
        case .incremental, .slice:
            // The ledger's head when exported: at or after every entry and the checkpoint.
            if head.seq < lastSeq || head.seq < (manifest.checkpoint?.size ?? 0) {
                try fault("the manifest's head (entry \(head.seq)) is before the archive's entries or checkpoint")
            } else if head.seq == lastSeq, head.hash != lastHash {
                try fault("the manifest's head hash is not the hash of \(lastEntry) (entry \(lastSeq))" + note)
            }
        }
        if let stated = manifest.pseudonymised {
            let known = Set(Pseudonyms.fields.map(\.field))
            for field in stated.fields where !known.contains(field) {
                try fault("the manifest says \"\(field)\" was pseudonymised, a field export never pseudonymises")
            }
        }
    }

    /// After the last member (the member reader has checked that nothing follows the tar's
    /// end): the manifest must agree with what was read.
    private func finish() throws {
        if let checkpoint = manifest.checkpoint {
            guard let note = checkpointNote else {
                throw ArchiveError.malformed(path: path, .checkpointMissing)
            }
            try checkNote(String(decoding: note, as: UTF8.self), against: checkpoint)
            if manifest.selection != .slice && !checkpointRootChecked {
                try fault("the archive ends before the checkpoint's \(checkpoint.size) entries")
            } else if manifest.selection == .incremental && lastSeq > checkpoint.size {
                // The exporter ends an increment at its checkpoint: entries after it are signed by
                // no one, and would be imported unchecked against any key.
                try fault(
                    "an incremental archive ends at its checkpoint's \(checkpoint.size) entries, and this one holds entries up to \(lastSeq): entries \(checkpoint.size + 1)…\(lastSeq) are not covered by the signed checkpoint"
                )
            }
        } else if checkpointNote != nil {
            throw ArchiveError.malformed(path: path, .checkpointUndescribed)
        }
        if let stated = manifest.pseudonymised, stated.entries != pseudonymised {
            try fault("the manifest says \(stated.entries) entries are pseudonymised, the archive holds \(pseudonymised)")
        }
        if entries != manifest.entries {
            try fault("the manifest says \(manifest.entries) entries, the archive holds \(entries)")
        }
        if lastSeq != manifest.lastSeq {
            try fault("the manifest says the last entry is \(manifest.lastSeq), the archive's is \(lastSeq)")
        }
        try checkManifest()
        // Per kind for both versions (version 1's manifest sums its levels); per level for
        // version 1, the one that stores levels.
        for kind in EventKind.allCases {
            let found = kindCounts[kind] ?? 0
            let stated = manifest.kindCounts[kind] ?? 0
            if found != stated { try fault("the manifest counts \(stated) \(kind.rawValue) entries, the archive holds \(found)") }
        }
        if manifest.version == .v1 {
            for level in Set(counts.keys).union(manifest.counts.keys).sorted() {
                for kind in EventKind.allCases {
                    let found = counts[level]?[kind] ?? 0
                    let stated = manifest.counts[level]?[kind] ?? 0
                    if found != stated {
                        try fault("the manifest counts \(stated) \(kind.rawValue) entries at level \(level), the archive holds \(found)")
                    }
                }
            }
        }
    }
}
