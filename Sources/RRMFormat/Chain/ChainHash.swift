import Crypto

/// The chain's one formula (docs/FORMAT.md, "Entry hash"):
///
///     hash(seq) = SHA-256( prev_hash ‖ uint64_be(seq) ‖ SHA-256(body) )
///
/// where `prev_hash` is the hash of entry seq-1, or 32 zero bytes for seq 1, and `body` is the
/// entry's RFC 8785 canonical JSON. Hashing the body's digest rather than the body keeps the
/// chained input 72 bytes, lets body digests be computed in parallel with the chain, and gives
/// every entry a content digest that proofs and archives can quote.
public enum ChainHash {
    /// The `prev_hash` of the first entry.
    public static let genesis = [UInt8](repeating: 0, count: SHA256Digest.byteCount)

    /// SHA-256 of an entry's canonical body.
    @inline(__always)
    public static func bodyDigest(_ body: UnsafeRawBufferPointer) -> SHA256.Digest {
        SHA256.hash(data: body)
    }

    /// The entry hash from the previous hash, the sequence number and the body's digest.
    public static func entryHash(previous: UnsafeRawBufferPointer, seq: Int64, bodyDigest: SHA256.Digest) -> SHA256.Digest {
        bodyDigest.withUnsafeBytes { entryHash(previous: previous, seq: seq, bodyDigestBytes: $0) }
    }

    /// The entry hash from the previous hash, the sequence number and the body's digest given as
    /// 32 bytes (an archive's pseudonymised entries carry the original body's digest this way).
    public static func entryHash(previous: UnsafeRawBufferPointer, seq: Int64, bodyDigestBytes: UnsafeRawBufferPointer) -> SHA256.Digest {
        var hasher = SHA256()
        hasher.update(bufferPointer: previous)
        var bigEndianSeq = UInt64(seq).bigEndian
        withUnsafeBytes(of: &bigEndianSeq) { hasher.update(bufferPointer: $0) }
        hasher.update(bufferPointer: bodyDigestBytes)
        return hasher.finalize()
    }

    /// The entry hash of a body given as bytes.
    public static func entryHash(previous: [UInt8], seq: Int64, body: [UInt8]) -> [UInt8] {
        let digest = body.withUnsafeBytes { bodyDigest($0) }
        return previous.withUnsafeBytes { Array(entryHash(previous: $0, seq: seq, bodyDigest: digest)) }
    }
}
