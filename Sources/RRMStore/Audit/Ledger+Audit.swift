import GRDB
import RRMFormat

/// What an audit established about the ledger's newest checkpoint.
public struct AuditResult: Sendable, Equatable {
    public enum Outcome: Sendable, Equatable {
        /// No checkpoint was trusted before: the newest is trusted on first use.
        case trustedOnFirstUse
        /// The newest checkpoint is the one already trusted.
        case unchanged
        /// The newest checkpoint extends the trusted one, of this size (a consistency proof verified).
        case extended(fromSize: Int64)
    }

    public let outcome: Outcome
    /// The ledger's newest checkpoint, now to be trusted.
    public let checkpoint: VerifiedCheckpoint
    /// The entries the ledger holds (at least the checkpoint's size).
    public let entries: Int64
    /// The consistency proof's length, when there was one.
    public let proofLength: Int
}

extension Ledger {
    /// The auditor's side: holds the ledger's newest recorded checkpoint to the one the auditor
    /// trusted, and the ledger's entries to both.
    ///
    /// In order: the newest checkpoint's signature by `verifier` and its origin (`origin`, else
    /// the trusted checkpoint's, else the ledger's own); a **shrink** (a smaller newest
    /// checkpoint than the trusted one, or fewer entries than the newest checkpoint); a **fork**
    /// (two signed roots for one size, or a newer checkpoint whose consistency proof, computed
    /// from the ledger, does not lead from the trusted root to its own); a **rewrite** (the
    /// entries no longer give the signed roots: each checkpoint's root from the stored nodes,
    /// and its last entry's hash as its last leaf).
    ///
    /// - Throws: `LedgerError.inconsistentLedger` for a shrink, fork or rewrite;
    ///   `.proofRefused` for a checkpoint that is malformed, not signed by `verifier` or of
    ///   another origin; `.otherLog` for a ledger of another origin with no checkpoint;
    ///   `.noCheckpoint`; `.damagedTree`.
    public func audit(verifier: NoteVerifier, origin: String?, trusted: VerifiedCheckpoint?) throws(LedgerError) -> AuditResult {
        let path = self.path
        return try read { db in
            let entries = try Self.head(db).seq
            let tree = MerkleTreeMath(nodes: try LedgerMerkleNodes(db, path: path))
            guard let recorded = try Self.newestRecordedCheckpoint(db, path: path) else {
                // Nothing new to trust; but the entries must still give the root already trusted,
                // or a forger could hide a rewrite by deleting the checkpoints. Intact entries
                // without checkpoints are a copy made by `import`, or a ledger not yet signed.
                if let trusted {
                    let expected = origin ?? trusted.checkpoint.origin
                    if let own = try Self.origin(db), own != expected {
                        throw LedgerError.otherLog(path: path, origin: own, trustedOrigin: expected)
                    }
                    try Self.checkEntries(entries, give: trusted, tree, named: "the trusted checkpoint")
                }
                throw LedgerError.noCheckpoint(size: nil, entries: entries)
            }
            let expectedOrigin = try origin ?? trusted?.checkpoint.origin ?? Self.origin(db)
            let newest: VerifiedCheckpoint
            do throws(ProofError) {
                newest = try VerifiedCheckpoint.open(recorded.note, verifier: verifier, origin: expectedOrigin)
            } catch {
                throw LedgerError.proofRefused(source: "the ledger's newest checkpoint (size \(recorded.size))", error)
            }
            var outcome = AuditResult.Outcome.trustedOnFirstUse
            var proofLength = 0
            if let trusted {
                let (t, c) = (trusted.size, newest.size)
                if c < t {
                    throw LedgerError.inconsistentLedger(
                        LedgerInconsistency(.shrink, "the ledger's newest checkpoint is of size \(c), smaller than the trusted size \(t)"))
                }
                if c == t {
                    guard newest.rootHash == trusted.rootHash else {
                        throw LedgerError.inconsistentLedger(
                            LedgerInconsistency(
                                .fork,
                                "two signed roots for size \(t): trusted \(trusted.rootHash.labelledRoot), now \(newest.rootHash.labelledRoot); "
                                    + "the ledger's past was rewritten and signed again"))
                    }
                    outcome = .unchanged
                } else {
                    if entries < t {
                        throw LedgerError.inconsistentLedger(
                            LedgerInconsistency(.shrink, "the ledger holds \(entries) entries, fewer than the trusted size \(t)"))
                    }
                    // FORMAT.md 8.6: fewer entries than the newest checkpoint is a shrink, found
                    // before the proof from t to c is computed from a tree that lost its tail.
                    if entries < c {
                        throw LedgerError.inconsistentLedger(
                            LedgerInconsistency(
                                .shrink, "the ledger holds \(entries) entries, fewer than its newest checkpoint of size \(c)"))
                    }
                    let proof = try tree.consistencyProof(oldSize: t, newSize: c)
                    do {
                        try MerkleProofVerifier.verifyConsistency(
                            oldSize: t, newSize: c, oldRoot: trusted.rootHash, newRoot: newest.rootHash, proof: proof)
                    } catch {
                        throw LedgerError.inconsistentLedger(
                            LedgerInconsistency(
                                .fork,
                                "the signed checkpoint of size \(c) does not extend the trusted checkpoint of size \(t) "
                                    + "(\(error)); the ledger's past was rewritten and signed again"))
                    }
                    outcome = .extended(fromSize: t)
                    proofLength = proof.count
                }
            }
            for checkpoint in [trusted, newest].compactMap({ $0 }) {
                try Self.checkEntries(entries, give: checkpoint, tree, named: "its checkpoint")
            }
            return AuditResult(outcome: outcome, checkpoint: newest, entries: entries, proofLength: proofLength)
        }
    }

    /// Throws a shrink when the ledger holds fewer entries than `checkpoint` signed, a rewrite
    /// when its entries no longer give the signed root. `named` says whose checkpoint it is.
    private static func checkEntries(
        _ entries: Int64, give checkpoint: VerifiedCheckpoint, _ tree: MerkleTreeMath<LedgerMerkleNodes>, named: String
    ) throws {
        let size = checkpoint.size
        if entries < size {
            throw LedgerError.inconsistentLedger(
                LedgerInconsistency(.shrink, "the ledger holds \(entries) entries, fewer than \(named) of size \(size)"))
        }
        guard try entriesGive(checkpoint, tree) else {
            throw LedgerError.inconsistentLedger(
                LedgerInconsistency(
                    .rewrite,
                    "the ledger's entries 1…\(size) no longer give the root signed at size \(size); they were rewritten after signing"))
        }
    }

    /// Whether the stored tree gives the checkpoint's root, with the hash of its last entry
    /// (which the chain ties to every earlier one) as the last leaf.
    private static func entriesGive(_ checkpoint: VerifiedCheckpoint, _ tree: MerkleTreeMath<LedgerMerkleNodes>) throws -> Bool {
        let size = checkpoint.size
        guard try tree.rootHash(size: size) == checkpoint.rootHash else { return false }
        let leaf = try tree.nodes.node(level: 0, index: size - 1)
        do {
            try MerkleProofVerifier.verifyInclusion(
                leafHash: leaf, index: size - 1, size: size, proof: try tree.inclusionProof(index: size - 1, size: size),
                root: checkpoint.rootHash)
            return true
        } catch {
            return false
        }
    }
}
