import Foundation
import GRDB
import RRMFormat

extension Ledger {
    /// The offline inclusion proof of an entry against a recorded checkpoint, checked before it
    /// is handed out: a proof that does not lead to the checkpoint's root is never returned.
    ///
    /// - Parameters:
    ///   - id: the entry's id.
    ///   - checkpointSize: the size of a recorded checkpoint; `nil` for the newest.
    /// - Throws: `LedgerError.unknownEntry`, `.noCheckpoint`, `.entryAfterCheckpoint`,
    ///   `.inconsistentLedger` (the ledger shrank below the checkpoint, or its entries no longer
    ///   give the signed root), `.damagedTree`.
    public func inclusionProofBundle(id: String, checkpointSize: Int64? = nil) throws(LedgerError) -> InclusionProofBundle {
        let path = self.path
        return try read { db in
            // Only hashed columns: a proof needs nothing derived.
            guard let row = try Row.fetchOne(db, sql: "SELECT seq, prev_hash, body FROM entry WHERE id = ?", arguments: [id]) else {
                throw LedgerError.unknownEntry(id: id)
            }
            let seq: Int64 = try row.stored(0, "seq", row: 0)
            guard seq >= 1 else {
                throw LedgerError.malformedRow(
                    table: "entry", row: seq, column: "seq", problem: "sequence numbers start at 1 (the file was edited)")
            }
            let entry = (
                seq: seq, prevHash: try row.storedDigest(1, "prev_hash", row: seq), body: try row.stored(2, "body", row: seq) as String
            )
            let (checkpoint, tree) = try Self.checkpointAndTree(db, size: checkpointSize, path: path)
            guard entry.seq <= checkpoint.size else {
                throw LedgerError.entryAfterCheckpoint(id: id, seq: entry.seq, size: checkpoint.size)
            }
            let bundle = InclusionProofBundle(
                seq: entry.seq, prevHash: entry.prevHash, body: entry.body,
                proof: try tree.inclusionProof(index: entry.seq - 1, size: checkpoint.size), note: checkpoint.note)
            do {
                try bundle.verifyProof(against: try VerifiedCheckpoint.unverified(checkpoint.note))
            } catch {
                throw LedgerError.inconsistentLedger(
                    LedgerInconsistency(
                        .rewrite,
                        "entry \(entry.seq) and the stored tree do not lead to the root of the checkpoint of size \(checkpoint.size): "
                            + "the ledger was rewritten after it was signed (\(error))"))
            }
            return bundle
        }
    }

    /// The offline consistency proof from the tree of `oldSize` entries to a recorded
    /// checkpoint, with the checkpoint recorded for `oldSize` when there is one; checked before
    /// it is handed out.
    ///
    /// - Parameters:
    ///   - oldSize: the older tree size, from 1 to the checkpoint's size.
    ///   - newSize: the size of a recorded checkpoint; `nil` for the newest.
    /// - Throws: `LedgerError.noCheckpoint`, `.treeSizeBeyondLedger` (`oldSize` beyond the
    ///   checkpoint), `.inconsistentLedger`, `.damagedTree`.
    public func consistencyProofBundle(oldSize: Int64, newSize: Int64? = nil) throws(LedgerError) -> ConsistencyProofBundle {
        let path = self.path
        return try read { db in
            let (checkpoint, tree) = try Self.checkpointAndTree(db, size: newSize, path: path)
            guard oldSize >= 1, oldSize <= checkpoint.size else {
                throw LedgerError.treeSizeBeyondCheckpoint(size: oldSize, checkpointSize: checkpoint.size)
            }
            let old = oldSize < checkpoint.size ? try Self.recordedCheckpoint(db, size: oldSize, path: path) : nil
            let bundle = ConsistencyProofBundle(
                oldSize: oldSize, oldRoot: try tree.rootHash(size: oldSize),
                proof: try tree.consistencyProof(oldSize: oldSize, newSize: checkpoint.size), note: checkpoint.note,
                oldNote: old?.note)
            if let old, old.rootHash != bundle.oldRoot {
                throw LedgerError.inconsistentLedger(
                    LedgerInconsistency(
                        .rewrite,
                        "the entries 1…\(oldSize) no longer give the root of the checkpoint of size \(oldSize) signed at \(old.signedAt)"))
            }
            do {
                try bundle.verifyProof(newSize: checkpoint.size, newRoot: checkpoint.rootHash)
            } catch {
                throw LedgerError.inconsistentLedger(
                    LedgerInconsistency(
                        .rewrite,
                        "the stored tree of size \(oldSize) does not lead to the root of the checkpoint of size \(checkpoint.size): "
                            + "the ledger was rewritten after it was signed (\(error))"))
            }
            return bundle
        }
    }

    /// A recorded checkpoint (the newest when `size` is `nil`) that the ledger still holds
    /// every entry of, and the tree over the stored nodes.
    static func checkpointAndTree(_ db: Database, size: Int64?, path: String) throws -> (
        RecordedCheckpoint, MerkleTreeMath<LedgerMerkleNodes>
    ) {
        let entries = try head(db).seq
        guard let checkpoint = try recordedCheckpoint(db, size: size, path: path) else {
            throw LedgerError.noCheckpoint(size: size, entries: entries)
        }
        guard checkpoint.size <= entries else {
            throw LedgerError.inconsistentLedger(
                LedgerInconsistency(
                    .shrink,
                    "the ledger holds \(entries) entries, fewer than its checkpoint of size \(checkpoint.size) signed at \(checkpoint.signedAt)"
                ))
        }
        return (checkpoint, MerkleTreeMath(nodes: try LedgerMerkleNodes(db, path: path)))
    }
}
