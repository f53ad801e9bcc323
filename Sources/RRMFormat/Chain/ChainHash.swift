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
    public static let genesis = SHA256Hash.zero

    /// SHA-256 of an entry's canonical body.
    @inline(__always)
    public static func bodyDigest(_ body: UnsafeRawBufferPointer) -> SHA256Hash {
        SHA256Hash.of(body)
    }

    /// The entry hash from the previous hash, the sequence number and the body's digest.
    ///
    /// An archive's pseudonymised entries carry the original body's digest, which is passed here
    /// in place of the digest of the body they hold.
    public static func entryHash(previous: SHA256Hash, seq: Int64, bodyDigest: SHA256Hash) -> SHA256Hash {
        var hasher = SHA256()
        previous.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        // Sequence numbers are from 1, so the bit pattern is the number's.
        var bigEndianSeq = UInt64(bitPattern: seq).bigEndian
        withUnsafeBytes(of: &bigEndianSeq) { hasher.update(bufferPointer: $0) }
        bodyDigest.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        return SHA256Hash(hasher.finalize())
    }

    /// The entry hash of a body given as bytes.
    public static func entryHash(previous: SHA256Hash, seq: Int64, body: [UInt8]) -> SHA256Hash {
        entryHash(previous: previous, seq: seq, bodyDigest: body.withUnsafeBytes { bodyDigest($0) })
    }
}
