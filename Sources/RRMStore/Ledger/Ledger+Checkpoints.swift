import Foundation
import GRDB
import RRMFormat

/// A checkpoint as the ledger recorded it: the signed note handed to auditors, with its size and root.
public struct RecordedCheckpoint: Sendable, Equatable {
    /// The tree size it signs: entries 1…size.
    public let size: Int64
    /// The tree's root hash at that size.
    public let rootHash: SHA256Hash
    /// The signed note, exactly as served to auditors.
    public let note: String
    /// When it was signed, UTC.
    public let signedAt: String
}

/// What `recordCheckpoint` did.
public struct CheckpointRecording: Sendable, Equatable {
    /// The checkpoint of the ledger's current size.
    public let checkpoint: RecordedCheckpoint
    /// Whether it was signed now; `false` when this key had already signed this size.
    public let isNew: Bool
}

extension Ledger {
    /// Signs the current tree head as a C2SP checkpoint (origin, size, root) in a signed note and
    /// records it, in one write transaction.
    ///
    /// Before signing it checks the ledger against what it signed before: the tree must extend
    /// the newest recorded checkpoint (a consistency proof from the stored nodes), and the newest
    /// entry's hash must be the tree's last leaf. A ledger that fails is never signed: signing
    /// it would fork the log. A ledger made from the schema by hand gets its origin here.
    ///
    /// - Throws: `LedgerError.emptyLedger`, `.inconsistentLedger`, `.checkpointExists` (this
    ///   size was signed by another key), `.damagedTree`, or the storage errors of any write.
    public func recordCheckpoint(signer: NoteSigner) throws(LedgerError) -> CheckpointRecording {
        let path = self.path
        do {
            return try queue.writeWithoutTransaction { db -> CheckpointRecording in
                var recording: CheckpointRecording?
                try db.inTransaction(.immediate) {
                    recording = try Self.recordCheckpoint(db, signer: signer, path: path)
                    return .commit
                }
                return recording!
            }
        } catch {
            throw LedgerError(error, path: path)
        }
    }

    private static func recordCheckpoint(_ db: Database, signer: NoteSigner, path: String) throws -> CheckpointRecording {
        let entries = try head(db).seq
        guard entries > 0 else { throw LedgerError.emptyLedger(path: path) }
        let size = entries
        var origin = try Self.origin(db)
        if origin == nil {
            origin = LedgerOrigin.generate()
            try db.execute(sql: "INSERT INTO ledger_info (key, value) VALUES (?, ?)", arguments: [LedgerOrigin.infoKey, origin])
        }
        let tree = MerkleTreeMath(nodes: try LedgerMerkleNodes(db, path: path))
        let root = try tree.rootHash(size: size)
        // The newest entry's hash, which the chain ties to every earlier entry, must be the last leaf.
        let lastLeaf = try tree.nodes.node(level: 0, index: size - 1)
        do {
            try MerkleProofVerifier.verifyInclusion(
                leafHash: lastLeaf, index: size - 1, size: size, proof: try tree.inclusionProof(index: size - 1, size: size), root: root)
        } catch let error as MerkleProofError {
            throw LedgerError.damagedTree(path: path, detail: "entry \(size) is not the last leaf of the stored tree (\(error))")
        }
        if let newest = try newestRecordedCheckpoint(db, path: path) {
            if newest.size > size {
                throw LedgerError.inconsistentLedger(
                    LedgerInconsistency(
                        .shrink, "the ledger holds \(size) entries, fewer than its checkpoint of size \(newest.size); refusing to sign"))
            }
            if newest.size == size {
                guard newest.rootHash == root else {
                    throw LedgerError.inconsistentLedger(
                        LedgerInconsistency(
                            .rewrite,
                            "the entries give another root than the checkpoint of size \(size) signed at \(newest.signedAt); refusing to sign"
                        ))
                }
                if (try? SignedNote.open(newest.note, verifiers: [signer.verifier])) != nil {
                    return CheckpointRecording(checkpoint: newest, isNew: false)
                }
                let signers = (try? SignedNote(parsing: newest.note).signatures) ?? []
                throw LedgerError.checkpointExists(size: size, signedBy: signers.map(\.description).joined(separator: ", "))
            }
            let proof = try tree.consistencyProof(oldSize: newest.size, newSize: size)
            do {
                try MerkleProofVerifier.verifyConsistency(
                    oldSize: newest.size, newSize: size, oldRoot: newest.rootHash, newRoot: root, proof: proof)
            } catch {
                throw LedgerError.inconsistentLedger(
                    LedgerInconsistency(
                        .rewrite,
                        "the tree of size \(size) does not extend the checkpoint of size \(newest.size) signed at \(newest.signedAt): "
                            + "entries before it were rewritten; refusing to sign a fork"))
            }
        }
        let note: SignedNote
        do {
            let checkpoint = try Checkpoint(origin: origin!, size: size, rootHash: root)
            note = try SignedNote.sign(checkpoint.text, with: [signer])
        } catch let error as CheckpointError {
            throw LedgerError.proofRefused(source: "the ledger's origin", .checkpoint(error))
        } catch let error as SignedNoteError {
            throw LedgerError.proofRefused(source: "signing the checkpoint", .note(error))
        }
        let recorded = RecordedCheckpoint(size: size, rootHash: root, note: note.serialized, signedAt: Timestamp.now())
        try db.execute(
            sql: "INSERT INTO checkpoint (size, root, note, signed_at) VALUES (?, ?, ?, ?)",
            arguments: [size, Data(root.bytes), recorded.note, recorded.signedAt])
        return CheckpointRecording(checkpoint: recorded, isNew: true)
    }

    /// The newest recorded checkpoint, or `nil` when none was recorded.
    public func newestCheckpoint() throws(LedgerError) -> RecordedCheckpoint? {
        let path = self.path
        return try read { db in try Self.newestRecordedCheckpoint(db, path: path) }
    }

    /// The checkpoint recorded for `size`, or `nil`.
    public func checkpoint(size: Int64) throws(LedgerError) -> RecordedCheckpoint? {
        let path = self.path
        return try read { db in try Self.recordedCheckpoint(db, size: size, path: path) }
    }

    /// Every recorded checkpoint, smallest size first.
    public func checkpoints() throws(LedgerError) -> [RecordedCheckpoint] {
        let path = self.path
        return try read { db in
            try Row.fetchAll(db, sql: "SELECT size, root, note, signed_at FROM checkpoint ORDER BY size").map {
                try Self.recordedCheckpoint($0, path: path)
            }
        }
    }

    static func newestRecordedCheckpoint(_ db: Database, path: String) throws -> RecordedCheckpoint? {
        try Row.fetchOne(db, sql: "SELECT size, root, note, signed_at FROM checkpoint ORDER BY size DESC LIMIT 1").map {
            try recordedCheckpoint($0, path: path)
        }
    }

    /// The newest checkpoint when `size` is `nil`, else the one of that size.
    static func recordedCheckpoint(_ db: Database, size: Int64?, path: String) throws -> RecordedCheckpoint? {
        guard let size else { return try newestRecordedCheckpoint(db, path: path) }
        return try Row.fetchOne(db, sql: "SELECT size, root, note, signed_at FROM checkpoint WHERE size = ?", arguments: [size])
            .map { try recordedCheckpoint($0, path: path) }
    }

    /// A row of `checkpoint`, whose root column must agree with the signed note it records.
    private static func recordedCheckpoint(_ row: Row, path: String) throws -> RecordedCheckpoint {
        let size: Int64 = try row.stored(0, "size", table: "checkpoint", row: 0)
        let root = SHA256Hash(bytes: try row.stored(1, "root", table: "checkpoint", row: size) as Data)
        let note: String = try row.stored(2, "note", table: "checkpoint", row: size)
        let signed: Checkpoint
        do throws(ProofError) {
            signed = try VerifiedCheckpoint.unverified(note)
        } catch {
            throw LedgerError.proofRefused(source: "\(path): the recorded checkpoint of size \(size)", error)
        }
        guard let root, signed.size == size, signed.rootHash == root else {
            throw LedgerError.inconsistentLedger(
                LedgerInconsistency(.rewrite, "the recorded checkpoint of size \(size) disagrees with the signed note it records"))
        }
        return RecordedCheckpoint(
            size: size, rootHash: root, note: note, signedAt: try row.stored(3, "signed_at", table: "checkpoint", row: size))
    }
}
