import RRMFormat

/// The archive format, version 1 (docs/ARCHIVES.md): a gzip-compressed POSIX tar whose members,
/// in this order, are
///
///     rrm-archive/manifest.json          what was exported, counts, head, checkpoint facts
///     rrm-archive/entries-000001.jsonl   entries, one JSON object per line, in sequence order,
///     rrm-archive/entries-000002.jsonl   cut at `chunkBytes`, whole lines only
///     …
///     rrm-archive/checkpoint.note        the signed checkpoint, when the ledger has one
enum ArchiveFormat {
    static let name = "rrm-ledger-archive/1"
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

/// One line of an entries member: the entry's chain fields exactly as hashed, its canonical body
/// as a JSON string (so that any JSON parser recovers the exact bytes), its derived level, and in
/// a slice its inclusion proof against the archive's checkpoint.
struct ArchivedEntry: Sendable {
    let seq: Int64
    let level: Int
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

    /// The line's canonical JSON, newline included.
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
        out.append(contentsOf: String(level).utf8)
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

    /// Parses one line, or says what is wrong with it.
    static func parse(_ line: UnsafeBufferPointer<UInt8>) -> Result<ArchivedEntry, ArchiveProblem> {
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
        guard let hash = fields["hash"]?.stringValue.flatMap({ SHA256Hash(hex: $0) }) else {
            return .failure(ArchiveProblem(reason: "\"hash\" is not 64 hex digits"))
        }
        guard let prev = fields["prev_hash"]?.stringValue.flatMap({ SHA256Hash(hex: $0) }) else {
            return .failure(ArchiveProblem(reason: "\"prev_hash\" is not 64 hex digits"))
        }
        var proof: [[UInt8]]?
        if let list = fields["proof"] {
            guard let items = list.arrayValue else { return .failure(ArchiveProblem(reason: "\"proof\" is not a list")) }
            var hashes: [[UInt8]] = []
            for item in items {
                guard let bytes = item.stringValue.flatMap(Hex.decode) else {
                    return .failure(ArchiveProblem(reason: "\"proof\" holds something not hex"))
                }
                hashes.append(bytes)
            }
            proof = hashes
        }
        var bodyDigest: SHA256Hash?
        if let digest = fields["body_sha256"] {
            guard let parsed = digest.stringValue.flatMap({ SHA256Hash(hex: $0) }) else {
                return .failure(ArchiveProblem(reason: "\"body_sha256\" is not 64 hex digits"))
            }
            bodyDigest = parsed
        }
        return .success(
            ArchivedEntry(
                seq: seq, level: Int(level), body: Array(body.utf8), prevHash: prev, hash: hash, proof: proof, bodyDigest: bodyDigest
            ))
    }
}
