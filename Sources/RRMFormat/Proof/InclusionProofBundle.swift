/// An offline proof that one entry is in the ledger, modelled on C2SP tlog-proof: everything a
/// verifier needs, with nothing else, to recompute the entry's hash (docs/FORMAT.md section 4),
/// its leaf hash and the root a signed checkpoint vouches for.
///
///     rrm-ledger/inclusion-proof@v1
///     seq <sequence number>
///     prev_hash <the previous entry's hash, 64 lowercase hex digits>
///     body <the canonical body, verbatim>
///     index <leaf index: seq − 1>
///     <proof hash, base64>            zero or more, from the leaf's sibling up
///     <blank line>
///     <the signed checkpoint, verbatim>
public struct InclusionProofBundle: Sendable, Equatable {
    /// The first line.
    public static let header = "rrm-ledger/inclusion-proof@v1"

    /// The entry's sequence number.
    public let seq: Int64
    /// The hash of the entry before it (32 zero bytes for entry 1).
    public let prevHash: SHA256Hash
    /// The entry's canonical body, exactly the bytes that were hashed.
    public let body: String
    /// RFC 9162's PATH from leaf `seq − 1` up to the checkpoint's root.
    public let proof: [SHA256Hash]
    /// The signed checkpoint the proof leads to.
    public let note: String

    /// The leaf index: entries are the leaves in sequence order.
    public var index: Int64 { seq - 1 }

    /// A bundle from its parts.
    public init(seq: Int64, prevHash: SHA256Hash, body: String, proof: [SHA256Hash], note: String) {
        precondition(seq >= 1, "not an entry")
        self.seq = seq
        self.prevHash = prevHash
        self.body = body
        self.proof = proof
        self.note = note
    }

    /// Reads a bundle strictly, checking its form but nothing it claims.
    ///
    /// - Throws: `ProofError.malformed` naming the line at fault.
    public init(parsing text: String) throws(ProofError) {
        var reader = try ProofText(text, header: Self.header)
        let seqLine = reader.lineNumber
        let seq = try reader.number("seq")
        guard seq >= 1 else { throw .malformed(line: seqLine, "seq must be from 1 to 2^63 − 1") }
        let hashLine = reader.lineNumber
        let hex = try reader.field("prev_hash")
        guard Hex.isLowercaseDigest(String(hex)), let prevHash = SHA256Hash(hex: hex) else {
            throw .malformed(line: hashLine, "prev_hash must be 64 lowercase hex digits")
        }
        let body = try reader.field("body")
        guard !body.isEmpty else { throw .malformed(line: hashLine + 1, "the body is empty") }
        let indexLine = reader.lineNumber
        guard try reader.number("index") == seq - 1 else {
            throw .malformed(line: indexLine, "index must be seq − 1 (\(seq - 1)): entry seq is leaf seq − 1")
        }
        let proof = try reader.hashes()
        let notes = try reader.signedNotes(atMost: 1)
        self.init(seq: seq, prevHash: prevHash, body: String(body), proof: proof, note: notes[0])
    }

    /// The bundle as text, in the form `init(parsing:)` reads.
    public var text: String {
        var out = "\(Self.header)\nseq \(seq)\nprev_hash \(prevHash.hex)\nbody \(body)\nindex \(index)\n"
        ProofText.write(hashes: proof, into: &out)
        out += note
        return out
    }

    /// The entry hash the carried fields give: SHA-256(prev_hash ‖ uint64_be(seq) ‖ SHA-256(body)).
    public var entryHash: SHA256Hash {
        ChainHash.entryHash(previous: prevHash, seq: seq, body: Array(body.utf8))
    }

    /// Verifies the checkpoint's signature and origin, then that the entry is leaf `seq − 1` of its tree.
    ///
    /// - Parameters:
    ///   - verifier: the log's verifier key.
    ///   - origin: the origin the auditor expects; `nil` leaves it to the caller to check.
    /// - Throws: `ProofError` saying what does not verify.
    public func verify(with verifier: NoteVerifier, origin: String?) throws(ProofError) -> VerifiedCheckpoint {
        let checkpoint = try VerifiedCheckpoint.open(note, verifier: verifier, origin: origin)
        try verifyProof(against: checkpoint.checkpoint)
        return checkpoint
    }

    /// Verifies the Merkle proof against a checkpoint, without any signature.
    package func verifyProof(against checkpoint: Checkpoint) throws(ProofError) {
        let leafHash = MerkleHash.leafHash(entryHash)
        do {
            try MerkleProofVerifier.verifyInclusion(
                leafHash: leafHash, index: index, size: checkpoint.size, proof: proof, root: checkpoint.rootHash)
        } catch {
            throw .merkle(error)
        }
    }
}
