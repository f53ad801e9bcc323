import Foundation
import GRDB

@testable import RRMAnalysis
@testable import RRMFormat
@testable import RRMStore

/// Small ledgers for the tree, checkpoint and proof tests: entries of any count, and a
/// forger's tools.
enum TreeFixtures {
    /// `count` model events with ids `m-<first>…`, fixed times so that hashes are fixed.
    static func models(_ count: Int, from first: Int = 1) -> String {
        (first..<first + count).map {
            #"{"kind":"model","id":"m-\#($0)","level":0,"role":"policy","time":"2026-01-01T00:00:00Z"}"# + "\n"
        }.joined()
    }

    /// The entries' chain hashes in sequence order: the tree's leaves.
    static func entryHashes(_ temp: TemporaryLedger) throws -> [[UInt8]] {
        try temp.ledger.read { db in try Data.fetchAll(db, sql: "SELECT hash FROM entry ORDER BY seq").map { Array($0) } }
    }

    /// The stored nodes (levels 1 and up) by position.
    static func storedNodes(_ temp: TemporaryLedger) throws -> [NaiveMerkleTree.NodePosition: [UInt8]] {
        try temp.ledger.read { db in
            var nodes: [NaiveMerkleTree.NodePosition: [UInt8]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT level, idx, hash FROM merkle_node") {
                nodes[NaiveMerkleTree.NodePosition(level: row[0], index: row[1])] = Array(row[2] as Data)
            }
            return nodes
        }
    }

    /// A new signer with a random key.
    static func signer(_ name: String = "test-log") -> NoteSigner {
        try! NoteSigner.generate(name: name).signer
    }

    /// Rewrites the ledger as a forger with the file would: every body from `seq` on replaced by
    /// `edit`, every hash recomputed, the tree rebuilt, and the recorded checkpoints deleted (so
    /// that `checkpoint` signs the rewritten history).
    static func forge(_ temp: TemporaryLedger, from seq: Int64, edit: (String) -> String) throws {
        let queue = try DatabaseQueue(path: temp.path)
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: "DROP TRIGGER IF EXISTS entry_is_append_only_update; DROP TRIGGER IF EXISTS entry_is_append_only_delete")
            try db.execute(
                sql: "DROP TRIGGER IF EXISTS checkpoint_is_append_only_update; DROP TRIGGER IF EXISTS checkpoint_is_append_only_delete")
            try db.inTransaction {
                let rows = try Row.fetchAll(db, sql: "SELECT seq, body FROM entry ORDER BY seq")
                var previous = ChainHash.genesis
                var tree = MerkleFrontier()
                try db.execute(sql: "DELETE FROM merkle_node; DELETE FROM checkpoint")
                for row in rows {
                    let rowSeq: Int64 = row[0]
                    var body: String = row[1]
                    if rowSeq >= seq { body = edit(body) }
                    let hash = ChainHash.entryHash(previous: previous, seq: rowSeq, body: Array(body.utf8))
                    try db.execute(
                        sql: "UPDATE entry SET body = ?, prev_hash = ?, hash = ? WHERE seq = ?",
                        arguments: [body, Data(previous.bytes), Data(hash.bytes), rowSeq])
                    for node in tree.append(leafHash: MerkleHash.leafHash(hash)) where node.level > 0 {
                        try db.execute(
                            sql: "INSERT INTO merkle_node (level, idx, hash) VALUES (?, ?, ?)",
                            arguments: [node.level, Int64(node.index), Data(node.hash.bytes)])
                    }
                    previous = hash
                }
                return .commit
            }
        }
    }
}
