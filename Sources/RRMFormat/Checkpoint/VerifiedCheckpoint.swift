/// A checkpoint whose signed note verified with the log's key and whose origin was checked: the
/// only form in which an auditor may trust a tree size and root.
public struct VerifiedCheckpoint: Sendable, Equatable {
    /// The checkpoint the note carries.
    public let checkpoint: Checkpoint
    /// The signed note, exactly as received.
    public let note: String
    /// The known key that signed it.
    public let signer: NoteVerifier

    /// The tree size.
    public var size: Int64 { checkpoint.size }

    /// The root hash.
    public var rootHash: SHA256Hash { checkpoint.rootHash }

    /// Reads a signed checkpoint, checks its signature by `verifier` and, when given, its origin.
    ///
    /// The signature covers the origin line, but one key may sign for several logs: pass the
    /// origin the auditor expects whenever it is known.
    ///
    /// - Throws: `ProofError.note` (malformed, or not signed by `verifier`), `.checkpoint`
    ///   (the text is not a checkpoint) or `.originMismatch`.
    public static func open(_ note: String, verifier: NoteVerifier, origin: String?) throws(ProofError) -> VerifiedCheckpoint {
        let verified: VerifiedNote
        do {
            verified = try SignedNote.open(note, verifiers: [verifier])
        } catch {
            throw .note(error)
        }
        let checkpoint: Checkpoint
        do {
            checkpoint = try Checkpoint(parsing: verified.text)
        } catch {
            throw .checkpoint(error)
        }
        if let origin, checkpoint.origin != origin { throw .originMismatch(expected: origin, found: checkpoint.origin) }
        return VerifiedCheckpoint(checkpoint: checkpoint, note: note, signer: verifier)
    }

    /// The checkpoint in a note, without checking any signature: for the ledger's own records,
    /// which the ledger checks against its tree, never for anything received.
    ///
    /// - Throws: `ProofError.note` or `.checkpoint` when the note is malformed.
    package static func unverified(_ note: String) throws(ProofError) -> Checkpoint {
        let parsed: SignedNote
        do {
            parsed = try SignedNote(parsing: note)
        } catch {
            throw .note(error)
        }
        do {
            return try Checkpoint(parsing: parsed.text)
        } catch {
            throw .checkpoint(error)
        }
    }
}
