/// An offline proof that the ledger at a signed checkpoint extends, unchanged, its tree at an
/// older size, in the same line form as `InclusionProofBundle`:
///
///     rrm-ledger/consistency-proof@v1
///     old_size <the older tree size>
///     old_root <its root hash, base64>
///     <proof hash, base64>            zero or more: RFC 9162's PROOF(old_size, D[size])
///     <blank line>
///     <the signed checkpoint of the newer tree, verbatim>
///     [<blank line>
///      <the signed checkpoint of the older tree, verbatim, when the ledger recorded one>]
///
/// With the older checkpoint, the proof shows that two roots the log signed are one history;
/// without it, that the signed tree extends the tree with root `old_root`, which the verifier
/// compares with a root it trusts.
public struct ConsistencyProofBundle: Sendable, Equatable {
    /// The first line.
    public static let header = "rrm-ledger/consistency-proof@v1"

    /// The older tree's size, at least 1.
    public let oldSize: Int64
    /// The older tree's root.
    public let oldRoot: SHA256Hash
    /// RFC 9162's PROOF(oldSize, D[newSize]).
    public let proof: [SHA256Hash]
    /// The signed checkpoint of the newer tree.
    public let note: String
    /// The signed checkpoint of the older tree, when there is one.
    public let oldNote: String?

    /// A bundle from its parts.
    public init(oldSize: Int64, oldRoot: SHA256Hash, proof: [SHA256Hash], note: String, oldNote: String?) {
        self.oldSize = oldSize
        self.oldRoot = oldRoot
        self.proof = proof
        self.note = note
        self.oldNote = oldNote
    }

    /// Reads a bundle strictly, checking its form but nothing it claims.
    ///
    /// - Throws: `ProofError.malformed` naming the line at fault.
    public init(parsing text: String) throws(ProofError) {
        var reader = try ProofText(text, header: Self.header)
        let sizeLine = reader.lineNumber
        let oldSize = try reader.number("old_size")
        guard oldSize >= 1 else { throw .malformed(line: sizeLine, "old_size must be at least 1") }
        let oldRoot = try reader.base64Hash("old_root")
        let proof = try reader.hashes()
        let notes = try reader.signedNotes(atMost: 2)
        self.init(oldSize: oldSize, oldRoot: oldRoot, proof: proof, note: notes[0], oldNote: notes.count > 1 ? notes[1] : nil)
    }

    /// The bundle as text, in the form `init(parsing:)` reads.
    public var text: String {
        var out = "\(Self.header)\nold_size \(oldSize)\nold_root \(oldRoot.base64)\n"
        ProofText.write(hashes: proof, into: &out)
        out += note
        if let oldNote {
            out += "\n"
            out += oldNote
        }
        return out
    }

    /// What a verified consistency proof established.
    public struct Verified: Sendable, Equatable {
        /// The newer, signed checkpoint.
        public let checkpoint: VerifiedCheckpoint
        /// The older checkpoint, when the bundle carries it (signed by the same key, same origin).
        public let oldCheckpoint: VerifiedCheckpoint?
    }

    /// Verifies the newer checkpoint's signature and origin, the older one's when present (same
    /// key, same origin, and its size and root equal `old_size` and `old_root`), then the proof.
    ///
    /// - Parameters:
    ///   - verifier: the log's verifier key.
    ///   - origin: the origin the auditor expects; `nil` leaves it to the caller to check.
    /// - Throws: `ProofError` saying what does not verify.
    public func verify(with verifier: NoteVerifier, origin: String?) throws(ProofError) -> Verified {
        let checkpoint = try VerifiedCheckpoint.open(note, verifier: verifier, origin: origin)
        var old: VerifiedCheckpoint?
        if let oldNote {
            let opened = try VerifiedCheckpoint.open(oldNote, verifier: verifier, origin: checkpoint.checkpoint.origin)
            guard opened.size == oldSize else { throw .oldCheckpointMismatch("its size is \(opened.size), old_size is \(oldSize)") }
            guard opened.rootHash == oldRoot else {
                throw .oldCheckpointMismatch(
                    "its root is \(opened.rootHash.base64), old_root is \(oldRoot.base64)")
            }
            old = opened
        }
        try verifyProof(newSize: checkpoint.size, newRoot: checkpoint.rootHash)
        return Verified(checkpoint: checkpoint, oldCheckpoint: old)
    }

    /// Verifies the Merkle proof against a newer size and root, without any signature.
    package func verifyProof(newSize: Int64, newRoot: SHA256Hash) throws(ProofError) {
        do {
            try MerkleProofVerifier.verifyConsistency(oldSize: oldSize, newSize: newSize, oldRoot: oldRoot, newRoot: newRoot, proof: proof)
        } catch {
            throw .merkle(error)
        }
    }
}
