import RRMFormat

/// The first member of an archive: what was exported and why, how many entries of each kind and
/// level, and the head they lead to. A verifier checks every figure against the entries.
public struct ArchiveManifest: Sendable, Equatable {
    /// What part of the ledger the archive holds.
    public enum Selection: String, Sendable {
        /// Every entry from the first: verifiable as a chain.
        case full
        /// Chosen entries (a lineage closure, a level): each carries its inclusion proof.
        case slice
        /// The entries after a checkpoint the receiver already holds: a chain from that point.
        case incremental
    }

    /// A signed checkpoint the archive is consistent with (the note itself is a member).
    public struct CheckpointFacts: Sendable, Equatable {
        public let size: Int64
        public let rootHash: SHA256Hash
    }

    /// For an incremental archive: the point it continues from, and how to check it extends it.
    public struct Base: Sendable, Equatable {
        /// The tree size (entries) the receiver holds.
        public let size: Int64
        /// The tree root at that size.
        public let rootHash: SHA256Hash
        /// The hash of entry `size`: the first archived entry's prev_hash.
        public let entryHash: SHA256Hash
        /// The tree's right edge at that size (one perfect-subtree root per set bit of the size,
        /// largest first): with the archived leaves it gives the new root.
        public let frontier: [SHA256Hash]
        /// RFC 9162 consistency proof from `size` to the checkpoint's size.
        public let consistency: [SHA256Hash]
    }

    public let format: String
    /// The format's version, which `format` names.
    public let version: ArchiveVersion
    public let created: String
    public let createdBy: String
    public let selection: Selection
    /// Why it was exported, in the exporter's words.
    public let note: String?
    public let entries: Int
    public let firstSeq: Int64
    public let lastSeq: Int64
    /// Entries per level and kind, as a version-1 manifest states them; empty for version 2,
    /// whose archives do not hold levels (they are derived: import derives them again).
    public let counts: [Int: [EventKind: Int]]
    /// Entries per kind (a version-2 manifest's `counts`; the sums of `counts` for version 1).
    public let kindCounts: [EventKind: Int]
    /// The ledger's head when it was exported.
    public let head: ChainHead
    /// The ledger's origin (the checkpoint's first line), when it has one.
    public let origin: String?
    /// What a slice selected, in words (the command that made it).
    public let sliceDescription: String?
    /// The signed checkpoint that follows the entries, when there is one.
    public let checkpoint: CheckpointFacts?
    /// For an incremental archive, what it continues.
    public let base: Base?
    /// When person ids were pseudonymised: which fields, and how many entries.
    public let pseudonymised: Pseudonymisation?

    /// What `export --pseudonymise` replaced.
    public struct Pseudonymisation: Sendable, Equatable {
        /// The body fields whose person ids (`human:…`) were replaced.
        public let fields: [String]
        /// Entries whose body was changed (and which carry the original body's digest).
        public let entries: Int
    }

    public var hasCheckpoint: Bool { checkpoint != nil }

    var json: JSONValue {
        let countsJSON: JSONValue
        switch version {
        case .v1:
            var levels: [JSONValue] = []
            for level in counts.keys.sorted() {
                var byKind = JSONObject()
                for (kind, count) in counts[level] ?? [:] { byKind[kind.rawValue] = .number(Double(count)) }
                levels.append(["level": .number(Double(level)), "by_kind": .object(byKind)])
            }
            countsJSON = .array(levels)
        case .v2:
            var byKind = JSONObject()
            for (kind, count) in kindCounts { byKind[kind.rawValue] = .number(Double(count)) }
            countsJSON = .object(byKind)
        }
        var object: JSONObject = [
            "format": .string(format), "created": .string(created), "created_by": .string(createdBy),
            "selection": .string(selection.rawValue), "entries": .number(Double(entries)),
            "first_seq": .number(Double(firstSeq)), "last_seq": .number(Double(lastSeq)),
            "counts": countsJSON, "head": ["seq": .number(Double(head.seq)), "hash": .string(head.hash.hex)],
        ]
        if let note { object["note"] = .string(note) }
        if let origin { object["origin"] = .string(origin) }
        if let sliceDescription { object["slice"] = .string(sliceDescription) }
        if let checkpoint {
            object["checkpoint"] = ["size": .number(Double(checkpoint.size)), "root": .string(checkpoint.rootHash.hex)]
        }
        if let base {
            object["base"] = [
                "size": .number(Double(base.size)), "root": .string(base.rootHash.hex),
                "entry_hash": .string(base.entryHash.hex),
                "frontier": .array(base.frontier.map { .string($0.hex) }),
                "consistency": .array(base.consistency.map { .string($0.hex) }),
            ]
        }
        if let pseudonymised {
            object["pseudonymised"] = [
                "fields": .array(pseudonymised.fields.map { .string($0) }), "entries": .number(Double(pseudonymised.entries)),
            ]
        }
        return .object(object)
    }

    init(
        created: String, selection: Selection, note: String?, entries: Int, firstSeq: Int64, lastSeq: Int64,
        counts: [Int: [EventKind: Int]], head: ChainHead, origin: String?, sliceDescription: String? = nil,
        checkpoint: CheckpointFacts?, base: Base? = nil, pseudonymised: Pseudonymisation? = nil, version: ArchiveVersion = .v2
    ) {
        self.version = version
        self.format = version.name
        self.created = created
        self.createdBy = "rrm-ledger \(RRMLedgerVersion.current)"
        self.selection = selection
        self.note = note
        self.entries = entries
        self.firstSeq = firstSeq
        self.lastSeq = lastSeq
        self.counts = version == .v1 ? counts : [:]
        self.kindCounts = Self.sums(counts)
        self.head = head
        self.origin = origin
        self.sliceDescription = sliceDescription
        self.checkpoint = checkpoint
        self.base = base
        self.pseudonymised = pseudonymised
    }

    /// Parses a manifest, or says what is wrong with it.
    init(parsing bytes: [UInt8]) throws(ArchiveProblem) {
        let value: JSONValue
        do { value = try JSONParser.parse(bytes) } catch { throw ArchiveProblem(reason: "the manifest is not JSON (\(error))") }
        guard case .object(let fields) = value else { throw ArchiveProblem(reason: "the manifest is not a JSON object") }
        func string(_ key: String) throws(ArchiveProblem) -> String {
            guard let text = fields[key]?.stringValue else {
                throw ArchiveProblem(reason: "the manifest's \"\(key)\" is missing or not a string")
            }
            return text
        }
        func integer(_ key: String) throws(ArchiveProblem) -> Int {
            guard let number = fields[key]?.wholeNumberValue else {
                throw ArchiveProblem(reason: "the manifest's \"\(key)\" is missing or not a whole number")
            }
            return Int(number)
        }
        format = try string("format")
        guard let version = ArchiveVersion(name: format) else {
            throw ArchiveProblem(
                reason:
                    "the manifest's format is \"\(format)\", not one this tool reads (\(ArchiveVersion.allCases.map(\.name).joined(separator: " or ")))"
            )
        }
        self.version = version
        created = try string("created")
        createdBy = try string("created_by")
        guard let selection = Selection(rawValue: try string("selection")) else {
            throw ArchiveProblem(reason: "the manifest's \"selection\" is not one this tool knows")
        }
        self.selection = selection
        note = fields["note"]?.stringValue
        entries = try integer("entries")
        firstSeq = Int64(try integer("first_seq"))
        lastSeq = Int64(try integer("last_seq"))
        origin = fields["origin"]?.stringValue
        sliceDescription = fields["slice"]?.stringValue
        func digest(_ value: JSONValue?, _ what: String) throws(ArchiveProblem) -> SHA256Hash {
            guard let digest = value?.stringValue.flatMap({ SHA256Hash(hex: $0) }) else {
                throw ArchiveProblem(reason: "the manifest's \(what) is not 64 hex digits")
            }
            return digest
        }
        if let object = fields["checkpoint"]?.objectValue {
            guard let size = object["size"]?.wholeNumberValue, size >= 1 else {
                throw ArchiveProblem(reason: "the manifest's checkpoint size is not a positive whole number")
            }
            checkpoint = CheckpointFacts(size: size, rootHash: try digest(object["root"], "checkpoint root"))
        } else {
            checkpoint = nil
        }
        if let object = fields["base"]?.objectValue {
            guard let size = object["size"]?.wholeNumberValue, size >= 1,
                let frontier = object["frontier"]?.arrayValue, let consistency = object["consistency"]?.arrayValue
            else { throw ArchiveProblem(reason: "the manifest's base is malformed") }
            var frontierHashes: [SHA256Hash] = []
            for item in frontier { frontierHashes.append(try digest(item, "base frontier")) }
            var consistencyHashes: [SHA256Hash] = []
            for item in consistency { consistencyHashes.append(try digest(item, "base consistency proof")) }
            base = Base(
                size: size, rootHash: try digest(object["root"], "base root"),
                entryHash: try digest(object["entry_hash"], "base entry hash"),
                frontier: frontierHashes, consistency: consistencyHashes)
        } else {
            base = nil
        }
        if let object = fields["pseudonymised"]?.objectValue {
            guard let names = object["fields"]?.arrayValue?.compactMap(\.stringValue), let count = object["entries"]?.wholeNumberValue
            else {
                throw ArchiveProblem(reason: "the manifest's \"pseudonymised\" is malformed")
            }
            pseudonymised = Pseudonymisation(fields: names, entries: Int(count))
        } else {
            pseudonymised = nil
        }
        if selection == .incremental && (base == nil || checkpoint == nil) {
            throw ArchiveProblem(reason: "an incremental archive's manifest needs its base and checkpoint")
        }
        if selection == .slice && checkpoint == nil { throw ArchiveProblem(reason: "a slice's manifest needs its checkpoint") }
        guard let headObject = fields["head"]?.objectValue, let headSeq = headObject["seq"]?.wholeNumberValue,
            let headHash = headObject["hash"]?.stringValue.flatMap({ SHA256Hash(hex: $0) })
        else { throw ArchiveProblem(reason: "the manifest's \"head\" is not {seq, hash}") }
        head = ChainHead(seq: headSeq, hash: headHash)
        func kindCounts(_ byKind: JSONObject) throws(ArchiveProblem) -> [EventKind: Int] {
            var counts: [EventKind: Int] = [:]
            for member in byKind.members {
                guard let kind = EventKind(rawValue: member.key), let count = member.value.wholeNumberValue else {
                    throw ArchiveProblem(reason: "the manifest's counts are malformed")
                }
                counts[kind] = Int(count)
            }
            return counts
        }
        var counts: [Int: [EventKind: Int]] = [:]
        switch version {
        case .v1:
            guard let levels = fields["counts"]?.arrayValue else { throw ArchiveProblem(reason: "the manifest's \"counts\" is not a list") }
            for item in levels {
                guard let level = item["level"]?.wholeNumberValue, let byKind = item["by_kind"]?.objectValue else {
                    throw ArchiveProblem(reason: "the manifest's counts are malformed")
                }
                for (kind, count) in try kindCounts(byKind) { counts[Int(level), default: [:]][kind] = count }
            }
            self.kindCounts = Self.sums(counts)
        case .v2:
            guard let byKind = fields["counts"]?.objectValue else {
                throw ArchiveProblem(reason: "the manifest's \"counts\" is not an object of entries per kind")
            }
            self.kindCounts = try kindCounts(byKind)
        }
        self.counts = counts
    }

    /// Entries per kind, summed over the levels.
    private static func sums(_ counts: [Int: [EventKind: Int]]) -> [EventKind: Int] {
        var sums: [EventKind: Int] = [:]
        for byKind in counts.values {
            for (kind, count) in byKind { sums[kind, default: 0] += count }
        }
        return sums
    }
}

/// Why a manifest or an entry line was refused.
struct ArchiveProblem: Error {
    let reason: String
}
