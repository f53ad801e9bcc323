import RRMFormat

/// The version of the archive format an archive is written in (docs/ARCHIVES.md). Both are read;
/// `export` writes version 2 unless asked for version 1.
public enum ArchiveVersion: Int, Sendable, CaseIterable {
    /// `rrm-ledger-archive/1`: each line an object of the entry's body (as a JSON string), hash,
    /// previous hash, level and sequence number.
    case v1 = 1
    /// `rrm-ledger-archive/2`: each line the canonical body itself, exactly the hashed bytes;
    /// sequence numbers and hashes are recomputed from the position and the bodies, and an
    /// annotation line carries what position cannot give (a slice's sequence number, previous
    /// hash and proof; a pseudonymised entry's original body digest).
    case v2 = 2

    /// The manifest's `format` for this version.
    public var name: String { "rrm-ledger-archive/\(rawValue)" }

    init?(name: String) {
        guard let version = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = version
    }
}

/// The archive format (docs/ARCHIVES.md): a gzip-compressed POSIX tar whose members,
/// in this order, are
///
///     rrm-archive/manifest.json          what was exported, counts, head, checkpoint facts
///     rrm-archive/entries-000001.jsonl   entries, one per line (version 2: an annotation line
///     rrm-archive/entries-000002.jsonl   before a body where needed), in sequence order, cut at
///     …                                  `chunkBytes`, whole entries only
///     rrm-archive/checkpoint.note        the signed checkpoint, when the ledger has one
enum ArchiveFormat {
    static let folder = "rrm-archive"
    static let manifestMember = "rrm-archive/manifest.json"
    static let checkpointMember = "rrm-archive/checkpoint.note"
    /// Where the exporter cuts entries members, at whole lines below it.
    static let chunkBytes = 16 << 20
    /// Largest entries member accepted: up to `chunkBytes` of whole lines, or one entry alone
    /// whose line is longer. A body at the event limit, escaped once more as a JSON string (at
    /// most twice as long), with its chain fields and proof, fits.
    static let maximumEntriesMemberBytes = 2 * EventDecoder.maximumBodyBytes + (64 << 10)
    /// Most zero bytes read after the tar's end marker before the archive is refused: tar's
    /// record padding is far less.
    static let maximumTrailingZeros = 1 << 20
    /// Largest manifest or checkpoint member accepted.
    static let smallMemberBytes = 1 << 20

    static func entriesMember(_ number: Int) -> String {
        let digits = String(number)
        return "rrm-archive/entries-" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits + ".jsonl"
    }

    /// The number of an entries member's name, or `nil` if the name is not one.
    static func entriesMemberNumber(_ name: String) -> Int? {
        guard name.hasPrefix("rrm-archive/entries-"), name.hasSuffix(".jsonl") else { return nil }
        let digits = name.dropFirst("rrm-archive/entries-".count).dropLast(".jsonl".count)
        guard digits.count == 6, digits.allSatisfy(\.isASCII), let number = Int(digits), number >= 1 else { return nil }
        return number
    }
}

/// An entry as an archive holds it. In version 1 it is one line of an entries member: the
/// entry's chain fields exactly as hashed, its canonical body as a JSON string (so that any JSON
/// parser recovers the exact bytes), its derived level, and in a slice its inclusion proof
/// against the archive's checkpoint. In version 2 the reader makes it from a body line (and its
/// annotation): the sequence number from the position, the hashes recomputed, no level.
struct ArchivedEntry: Sendable {
    let seq: Int64
    /// The derived level, which only version 1 stores.
    let level: Int?
    var body: [UInt8]
    let prevHash: SHA256Hash
    let hash: SHA256Hash
    var proof: [[UInt8]]? = nil
    /// For a pseudonymised entry: the SHA-256 of the original body, which the chain hashes; the
    /// `body` shown then has its person ids replaced and cannot be checked against it.
    var bodyDigest: SHA256Hash? = nil

    /// The body digest the chain hashes: the original's, for a pseudonymised entry.
    var chainedBodyDigest: SHA256Hash {
        bodyDigest ?? body.withUnsafeBytes { ChainHash.bodyDigest($0) }
    }

    /// The version-1 line's canonical JSON, newline included.
    func line() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(body.count + 220)
        out.append(contentsOf: #"{"body":"#.utf8)
        CanonicalJSON.appendString(String(decoding: body, as: UTF8.self), to: &out)
        if let bodyDigest {
            out.append(contentsOf: #","body_sha256":""#.utf8)
            out.append(contentsOf: bodyDigest.hex.utf8)
            out.append(UInt8(ascii: "\""))
        }
        out.append(contentsOf: #","hash":""#.utf8)
        out.append(contentsOf: hash.hex.utf8)
        out.append(contentsOf: #"","level":"#.utf8)
        out.append(contentsOf: String(level ?? 0).utf8)
        out.append(contentsOf: #","prev_hash":""#.utf8)
        out.append(contentsOf: prevHash.hex.utf8)
        if let proof {
            out.append(contentsOf: #"","proof":["#.utf8)
            for (index, hash) in proof.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                out.append(UInt8(ascii: "\""))
                out.append(contentsOf: Hex.encode(hash).utf8)
                out.append(UInt8(ascii: "\""))
            }
            out.append(contentsOf: #"],"seq":"#.utf8)
        } else {
            out.append(contentsOf: #"","seq":"#.utf8)
        }
        out.append(contentsOf: String(seq).utf8)
        out.append(contentsOf: "}\n".utf8)
        return out
    }

    /// Parses one version-1 line, or says what is wrong with it. Every member but the body is
    /// short (a proof at most `ArchivedHashes.maximumProofHashes` hashes): one longer is refused
    /// before the line is parsed, so a hostile proof costs no more than its bytes.
    static func parse(_ line: UnsafeBufferPointer<UInt8>) -> Result<ArchivedEntry, ArchiveProblem> {
        var oversized: String?
        _ = JSONMemberScanner.forEachMember(UnsafeRawBufferPointer(line)) { key, value in
            if oversized == nil, !bytesEqual(key, "body"), value.count > ArchivedHashes.maximumRawValueBytes {
                oversized = String(decoding: key, as: UTF8.self)
            }
        }
        if let oversized {
            return .failure(
                ArchiveProblem(
                    reason:
                        "\"\(oversized)\" is longer than any member of an entry line but its body may be (a proof holds at most \(ArchivedHashes.maximumProofHashes) hashes)"
                ))
        }
        let value: JSONValue
        do {
            value = try JSONParser.parse(line)
        } catch {
            return .failure(ArchiveProblem(reason: "not JSON (\(error))"))
        }
        guard case .object(let fields) = value,
            fields.count == 5 + (fields["proof"] != nil ? 1 : 0) + (fields["body_sha256"] != nil ? 1 : 0)
        else {
            return .failure(
                ArchiveProblem(reason: "not an object of body, hash, level, prev_hash, seq, and optionally proof and body_sha256"))
        }
        guard let body = fields["body"]?.stringValue else { return .failure(ArchiveProblem(reason: "\"body\" is not a string")) }
        guard let seq = fields["seq"]?.wholeNumberValue, seq >= 1 else {
            return .failure(ArchiveProblem(reason: "\"seq\" is not a positive integer"))
        }
        guard let level = fields["level"]?.wholeNumberValue else {
            return .failure(ArchiveProblem(reason: "\"level\" is not an integer"))
        }
        let hashes: ArchivedHashes
        switch ArchivedHashes.parse(fields, naming: { "\"\($0)\"" }) {
        case .success(let parsed): hashes = parsed
        case .failure(let problem): return .failure(problem)
        }
        guard let hash = hashes.hash else { return .failure(ArchiveProblem(reason: "\"hash\" is missing")) }
        guard let prev = hashes.prevHash else { return .failure(ArchiveProblem(reason: "\"prev_hash\" is missing")) }
        return .success(
            ArchivedEntry(
                seq: seq, level: Int(level), body: Array(body.utf8), prevHash: prev, hash: hash, proof: hashes.proof,
                bodyDigest: hashes.bodyDigest))
    }
}

/// The hashes a line states (either version's): `hash`, `prev_hash` and `body_sha256`, each 64
/// lowercase hex digits, and `proof`, a list of at most `maximumProofHashes` such digests. One
/// parser for both versions, so that both refuse the same things with the same words.
struct ArchivedHashes {
    /// Most hashes in an inclusion proof: a tree of up to 2^63 entries needs at most 63.
    static let maximumProofHashes = 64
    /// Longest raw value (as written) of a member other than a body: a proof of
    /// `maximumProofHashes` digests, quoted and separated (4,289 bytes), with room for whitespace.
    static let maximumRawValueBytes = 8 << 10

    var hash: SHA256Hash?
    var prevHash: SHA256Hash?
    var bodyDigest: SHA256Hash?
    var proof: [[UInt8]]?

    /// A digest as archives write it: 64 lowercase hex digits.
    static func digest(_ value: JSONValue) -> SHA256Hash? {
        guard let text = value.stringValue, Hex.isLowercaseDigest(text) else { return nil }
        return SHA256Hash(hex: text)
    }

    /// The hash members of `fields` that are present; `naming` gives a member's name as the
    /// messages say it.
    static func parse(_ fields: JSONObject, naming: (String) -> String) -> Result<ArchivedHashes, ArchiveProblem> {
        var parsed = ArchivedHashes()
        for (key, path) in [("hash", \ArchivedHashes.hash), ("prev_hash", \.prevHash), ("body_sha256", \.bodyDigest)] {
            guard let value = fields[key] else { continue }
            guard let digest = digest(value) else {
                return .failure(ArchiveProblem(reason: "\(naming(key)) is not 64 lowercase hex digits"))
            }
            parsed[keyPath: path] = digest
        }
        if let value = fields["proof"] {
            guard let items = value.arrayValue else { return .failure(ArchiveProblem(reason: "\(naming("proof")) is not a list")) }
            guard items.count <= maximumProofHashes else {
                return .failure(
                    ArchiveProblem(
                        reason: "\(naming("proof")) holds \(items.count) hashes; an inclusion proof holds at most \(maximumProofHashes)"))
            }
            var hashes: [[UInt8]] = []
            hashes.reserveCapacity(items.count)
            for (index, item) in items.enumerated() {
                guard let hash = digest(item) else {
                    return .failure(
                        ArchiveProblem(reason: "\(naming("proof"))'s hash \(index + 1) is not 64 lowercase hex digits"))
                }
                hashes.append(hash.bytes)
            }
            parsed.proof = hashes
        }
        return .success(parsed)
    }
}

/// Version 2: an annotation line, which stands before a body line and says what the body's
/// position cannot: in a slice, the entry's sequence number, previous hash and inclusion proof;
/// for a pseudonymised entry, the SHA-256 of its original body, which the chain hashes. It is a
/// JSON array holding one object, so that its first byte (`[`) tells it from a body (`{`):
///
///     [{"body_sha256":"…","prev_hash":"…","proof":["…",…],"seq":12}]
///
/// in canonical form (members in key order), each member present only where needed.
struct EntryAnnotation: Sendable, Equatable {
    var seq: Int64?
    var prevHash: SHA256Hash?
    var proof: [[UInt8]]?
    var bodyDigest: SHA256Hash?

    var isEmpty: Bool { seq == nil && prevHash == nil && proof == nil && bodyDigest == nil }

    /// The line, newline included.
    func line() -> [UInt8] {
        var out: [UInt8] = Array("[{".utf8)
        var first = true
        func key(_ name: String) {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            out.append(contentsOf: "\"\(name)\":".utf8)
        }
        if let bodyDigest {
            key("body_sha256")
            out.append(contentsOf: "\"\(bodyDigest.hex)\"".utf8)
        }
        if let prevHash {
            key("prev_hash")
            out.append(contentsOf: "\"\(prevHash.hex)\"".utf8)
        }
        if let proof {
            key("proof")
            out.append(UInt8(ascii: "["))
            for (index, hash) in proof.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                out.append(contentsOf: "\"\(Hex.encode(hash))\"".utf8)
            }
            out.append(UInt8(ascii: "]"))
        }
        if let seq {
            key("seq")
            out.append(contentsOf: String(seq).utf8)
        }
        out.append(contentsOf: "}]\n".utf8)
        return out
    }

    /// Longest annotation line (without its newline): every member present, a proof of
    /// `ArchivedHashes.maximumProofHashes` digests, the largest sequence number read (10^15 − 1).
    /// A longer line is refused before it is parsed.
    static let maximumLineBytes =
        EntryAnnotation(
            seq: 999_999_999_999_999, prevHash: ChainHash.genesis,
            proof: Array(repeating: ChainHash.genesis.bytes, count: ArchivedHashes.maximumProofHashes), bodyDigest: ChainHash.genesis
        ).line().count - 1

    /// Parses an annotation line (without its newline), or says what is wrong with it. The line
    /// must be canonical, byte for byte: the one `line()` writes for what it holds.
    static func parse(_ line: UnsafeBufferPointer<UInt8>) -> Result<EntryAnnotation, ArchiveProblem> {
        guard line.count <= maximumLineBytes else {
            return .failure(
                ArchiveProblem(
                    reason:
                        "an annotation of \(line.count) bytes, longer than any annotation can be (\(maximumLineBytes), with a proof of \(ArchivedHashes.maximumProofHashes) hashes)"
                ))
        }
        let value: JSONValue
        do {
            value = try JSONParser.parse(line)
        } catch {
            return .failure(ArchiveProblem(reason: "an annotation that is not JSON (\(error))"))
        }
        let known: Set<String> = ["body_sha256", "prev_hash", "proof", "seq"]
        guard let items = value.arrayValue, items.count == 1, case .object(let fields) = items[0], !fields.members.isEmpty,
            fields.members.allSatisfy({ known.contains($0.key) })
        else {
            return .failure(
                ArchiveProblem(reason: "an annotation must be a list of one object of body_sha256, prev_hash, proof and/or seq"))
        }
        var annotation = EntryAnnotation()
        if let value = fields["seq"] {
            guard let seq = value.wholeNumberValue, seq >= 1 else {
                return .failure(ArchiveProblem(reason: "the annotation's \"seq\" is not a positive integer"))
            }
            annotation.seq = seq
        }
        switch ArchivedHashes.parse(fields, naming: { "the annotation's \"\($0)\"" }) {
        case .success(let hashes):
            annotation.prevHash = hashes.prevHash
            annotation.bodyDigest = hashes.bodyDigest
            annotation.proof = hashes.proof
        case .failure(let problem):
            return .failure(problem)
        }
        // Canonical bytes only: no whitespace, members in key order, `seq` a plain integer.
        guard annotation.line().dropLast().elementsEqual(line) else {
            return .failure(
                ArchiveProblem(
                    reason:
                        "an annotation not in canonical form (no whitespace, members in key order, seq a plain integer, lowercase hex): it should read \(String(decoding: annotation.line().dropLast(), as: UTF8.self))"
                ))
        }
        return .success(annotation)
    }
}
