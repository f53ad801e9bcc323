import Foundation
import GRDB
import RRMFormat

/// `verify --deep`'s check of the derived Merkle tree and of the recorded checkpoints: recomputes
/// the tree from the entry hashes in one streaming pass (a `MerkleFrontier`) and compares every
/// node it completes with the stored one, and every recorded checkpoint's root with the root the
/// entries give at its size.
///
/// Nodes complete in index order within each level, so the stored nodes are read by one cursor
/// per level, each moving forward only: the pass reads every row once and holds O(log n).
struct MerkleTreeCheck {
    private(set) var faults: [ChainFault] = []
    private(set) var faultCount = 0

    private mutating func record(_ fault: ChainFault) {
        faultCount += 1
        if faults.count < ChainScan.faultLimit { faults.append(fault) }
    }

    /// One level's stored nodes, in index order, with the row read but not yet matched.
    private struct LevelCursor {
        let statement: RawStatement
        var pending: (index: Int64, hash: [UInt8])?
        var exhausted = false

        mutating func peek() throws -> (index: Int64, hash: [UInt8])? {
            if pending == nil && !exhausted {
                if try statement.step() {
                    pending = (statement.int64(0), Array(statement.bytes(1)))
                } else {
                    exhausted = true
                }
            }
            return pending
        }
    }

    /// A recorded checkpoint's size and the roots its row and its note give.
    private struct RecordedRoot {
        let size: Int64
        let root: [UInt8]
        let signedRoot: SHA256Hash?
        let signedAt: String
    }

    /// Checks the tree over every entry and every recorded checkpoint.
    mutating func run(_ db: Database) throws {
        var cursors = try (1...63).map { level -> LevelCursor in
            let statement = try RawStatement(db, "SELECT idx, hash FROM merkle_node WHERE level = ? ORDER BY idx")
            statement.bind(1, Int64(level))
            return LevelCursor(statement: statement)
        }
        // A root or note of another type is a fault to report here, as a wrong one is.
        var checkpoints = try Row.fetchAll(db, sql: "SELECT size, root, note, signed_at FROM checkpoint ORDER BY size").map {
            row throws(LedgerError) in
            let size: Int64 = try row.stored(0, "size", table: "checkpoint", row: 0)
            let note: String? = try? row.stored(2, "note", table: "checkpoint", row: size)
            return RecordedRoot(
                size: size, root: (try? row.stored(1, "root", table: "checkpoint", row: size) as Data).map(Array.init) ?? [],
                signedRoot: note.flatMap { try? VerifiedCheckpoint.unverified($0) }?.rootHash,
                signedAt: (try? row.stored(3, "signed_at", table: "checkpoint", row: size)) ?? "an unknown time")
        }[...]
        let entries = try RawStatement(db, "SELECT seq, hash FROM entry ORDER BY seq")
        defer { entries.reset() }
        var tree = MerkleFrontier()
        while try entries.step() {
            let seq = entries.int64(0)
            guard seq == tree.size + 1 else {
                record(
                    ChainFault(
                        seq: tree.size + 1, kind: .derivedMismatch,
                        message: "the Merkle tree is not checked from here on: entries are missing"))
                return
            }
            for node in tree.append(leafHash: MerkleHash.leafHash(entries.bytes(1))).dropFirst() {
                try compare(node, with: &cursors[node.level - 1], seq: seq)
            }
            while let checkpoint = checkpoints.first, checkpoint.size <= seq {
                checkpoints.removeFirst()
                if checkpoint.size == seq { check(checkpoint, root: tree.rootHash) }
            }
        }
        for checkpoint in checkpoints {
            record(
                ChainFault(
                    seq: tree.size + 1, kind: .truncated,
                    message:
                        "a checkpoint of size \(checkpoint.size) was signed at \(checkpoint.signedAt), but the ledger holds \(tree.size) entries: entries were removed from its end"
                ))
        }
        for level in 1...63 {
            while let extra = try cursors[level - 1].peek() {
                cursors[level - 1].pending = nil
                record(
                    ChainFault(
                        seq: nil, kind: .derivedMismatch,
                        message:
                            "the Merkle tree node at level \(level), index \(extra.index) is not part of the tree of \(tree.size) entries"))
            }
            cursors[level - 1].statement.reset()
        }
    }

    /// Matches a node the entries give with the stored one at its position.
    private mutating func compare(_ node: MerkleNode, with cursor: inout LevelCursor, seq: Int64) throws {
        let position = "the Merkle tree node at level \(node.level), index \(node.index)"
        while let stored = try cursor.peek(), stored.index < node.index {
            cursor.pending = nil
            record(
                ChainFault(
                    seq: seq, kind: .derivedMismatch, message: "\(position) is preceded by an unexpected node at index \(stored.index)"))
        }
        guard let stored = try cursor.peek(), stored.index == node.index else {
            record(ChainFault(seq: seq, kind: .derivedMismatch, message: "\(position) is missing"))
            return
        }
        cursor.pending = nil
        if stored.hash != node.hash.bytes {
            record(
                ChainFault(
                    seq: seq, kind: .derivedMismatch,
                    message: "\(position) is \(shownStoredDigest(stored.hash)), but the entries give \(node.hash.hex)"))
        }
    }

    /// Compares a recorded checkpoint with the root the entries give at its size.
    private mutating func check(_ checkpoint: RecordedRoot, root: SHA256Hash) {
        guard let signedRoot = checkpoint.signedRoot else {
            record(
                ChainFault(
                    seq: checkpoint.size, kind: .invalidBody, message: "the checkpoint recorded for this size is not a signed checkpoint"))
            return
        }
        if signedRoot != root {
            record(
                ChainFault(
                    seq: checkpoint.size, kind: .rewritten,
                    message:
                        "the checkpoint of size \(checkpoint.size) signed at \(checkpoint.signedAt) has root \(signedRoot.hex), but the entries give \(root.hex): the ledger was rewritten after it was signed"
                ))
        } else if checkpoint.root != signedRoot.bytes {
            record(
                ChainFault(
                    seq: checkpoint.size, kind: .derivedMismatch,
                    message: "the checkpoint's root column differs from the root its note signs"))
        }
    }
}
