import Foundation
import GRDB

@testable import RRMAnalysis
@testable import RRMArchive
@testable import RRMFormat
@testable import RRMSimulation
@testable import RRMStore

/// Seeded tampering of a copy of a ledger, as a forger with write access to the file would do it
/// (append-only triggers dropped), each case with the evidence that must catch it and the
/// sequence number the report must name.
struct Tampering {
    /// Every kind of tampering the generator makes.
    enum Kind: String, CaseIterable {
        case bodyEdit = "edit a body"
        case hashEdit = "edit a hash"
        case prevHashEdit = "edit a prev_hash"
        case columnEdit = "edit an id, kind or time column"
        case levelEdit = "edit a level (derived)"
        case edgeEdit = "add or remove a lineage edge (derived)"
        case treeEdit = "edit a Merkle tree node (derived)"
        case deletion = "delete entries"
        case insertion = "insert entries, renumbering the rest"
        case reordering = "swap two entries"
        case truncation = "truncate the tail"
        case rewriteFromEntry = "rewrite from an entry on, hashes recomputed"
        case wholeFileRewrite = "rewrite the whole file, old checkpoint kept"
        case unsignedRewrite = "rewrite the whole file, checkpoints dropped"
        case resignedRewrite = "rewrite the whole file and re-sign with a stolen key"
    }

    /// How a case must be caught.
    enum Evidence {
        /// `verify`, with `deep` for derived data and the head saved before the tampering.
        case verify(deep: Bool, expectedHead: ChainHead?)
        /// `audit` against the checkpoint the auditor saved before the tampering, which must
        /// refuse the ledger with this finding.
        case audit(LedgerInconsistency.Kind)
    }

    let kind: Kind
    let evidence: Evidence
    /// The sequence number the report must name first.
    let firstDamagedSeq: Int64
    /// The fault kind that must be among the faults (for `verify` evidence).
    let faultKind: ChainFault.Kind
    /// What was done, for failure messages.
    let description: String

    /// What the tampered copy is made from: the pristine ledger file, its head, its signed
    /// checkpoint (over every entry) and the key that signed it.
    struct Template {
        let path: String
        let head: ChainHead
        let signer: NoteSigner
        let checkpoint: VerifiedCheckpoint
        let bodies: [String]
        let origin: String
    }

    /// Copies the template to `path` and tampers with it in a way drawn from `random`.
    static func make(_ kind: Kind, from template: Template, at path: String, random: inout SimulationRandom) throws -> Tampering {
        try FileManager.default.copyItem(atPath: template.path, toPath: path)
        let n = template.head.seq
        func seq(in range: ClosedRange<Int64>) -> Int64 { Int64(random.integer(in: Int(range.lowerBound)...Int(range.upperBound))) }
        func flip(_ column: String, at s: Int64, _ db: Database) throws {
            var bytes = Array(try Data.fetchOne(db, sql: "SELECT \(column) FROM entry WHERE seq = ?", arguments: [s])!)
            bytes[random.integer(in: 0...31)] ^= UInt8(1 << random.integer(in: 0...7))
            try db.execute(sql: "UPDATE entry SET \(column) = ? WHERE seq = ?", arguments: [Data(bytes), s])
        }
        let plain = Evidence.verify(deep: false, expectedHead: nil)
        let deep = Evidence.verify(deep: true, expectedHead: nil)
        let savedHead = Evidence.verify(deep: false, expectedHead: template.head)
        switch kind {
        case .bodyEdit:
            let s = seq(in: 1...n)
            try forge(path) { db in
                var body = Array(try String.fetchOne(db, sql: "SELECT body FROM entry WHERE seq = ?", arguments: [s])!.utf8)
                let at = random.integer(in: 0...(body.count - 1))
                let letters = Array("abcdefghijklmnopqrstuvwxyz0123456789".utf8).filter { $0 != body[at] }
                body[at] = letters[random.integer(in: 0...(letters.count - 1))]
                try db.execute(sql: "UPDATE entry SET body = ? WHERE seq = ?", arguments: [String(decoding: body, as: UTF8.self), s])
            }
            return Tampering(kind: kind, evidence: plain, firstDamagedSeq: s, faultKind: .hashMismatch, description: "body of \(s)")
        case .hashEdit:
            let s = seq(in: 1...n)
            try forge(path) { try flip("hash", at: s, $0) }
            return Tampering(kind: kind, evidence: plain, firstDamagedSeq: s, faultKind: .hashMismatch, description: "hash of \(s)")
        case .prevHashEdit:
            let s = seq(in: 1...n)
            try forge(path) { try flip("prev_hash", at: s, $0) }
            return Tampering(kind: kind, evidence: plain, firstDamagedSeq: s, faultKind: .brokenLink, description: "prev_hash of \(s)")
        case .columnEdit:
            let s = seq(in: 1...n)
            let column = ["id", "kind", "time"][random.integer(in: 0...2)]
            try forge(path) { db in
                let current = try String.fetchOne(db, sql: "SELECT \(column) FROM entry WHERE seq = ?", arguments: [s])!
                let value: String
                switch column {
                case "id": value = "forged-\(s)"
                case "kind": value = ["model", "output", "critique", "label", "dataset", "finding"].first { $0 != current }!
                default: value = current.hasPrefix("2026") ? "2025" + current.dropFirst(4) : "2026" + current.dropFirst(4)
                }
                try db.execute(sql: "UPDATE entry SET \(column) = ? WHERE seq = ?", arguments: [value, s])
            }
            return Tampering(kind: kind, evidence: plain, firstDamagedSeq: s, faultKind: .columnMismatch, description: "\(column) of \(s)")
        case .levelEdit:
            let s = seq(in: 1...n)
            let by = random.integer(in: 1...3)
            try forge(path) { try $0.execute(sql: "UPDATE entry_level SET level = level + ? WHERE seq = ?", arguments: [by, s]) }
            return Tampering(kind: kind, evidence: deep, firstDamagedSeq: s, faultKind: .derivedMismatch, description: "level of \(s)")
        case .edgeEdit:
            let s = seq(in: 2...n)
            var what = ""
            try forge(path) { db in
                let edges = try Row.fetchAll(db, sql: "SELECT role, parent FROM edge WHERE child = ?", arguments: [s])
                if !edges.isEmpty && random.chance(0.5) {
                    let edge = edges[random.integer(in: 0...(edges.count - 1))]
                    try db.execute(
                        sql: "DELETE FROM edge WHERE child = ? AND role = ? AND parent = ?",
                        arguments: [s, edge[0] as String, edge[1] as Int64])
                    what = "removed a \(edge[0] as String) edge of \(s)"
                } else {
                    let parent = seq(in: 1...(s - 1))
                    try db.execute(sql: "INSERT OR IGNORE INTO edge (child, role, parent) VALUES (?, 'about', ?)", arguments: [s, parent])
                    guard db.changesCount == 1 else {
                        try db.execute(sql: "DELETE FROM edge WHERE child = ? AND role = 'about' AND parent = ?", arguments: [s, parent])
                        what = "removed the about edge of \(s)"
                        return
                    }
                    what = "added an about edge \(s) → \(parent)"
                }
            }
            return Tampering(kind: kind, evidence: deep, firstDamagedSeq: s, faultKind: .derivedMismatch, description: what)
        case .treeEdit:
            // The node completed when entry `s` was appended: level 1 nodes complete at even sizes.
            let s = seq(in: 1...(n / 2)) * 2
            try forge(path) { db in
                let index = (s - 1) / 2
                var bytes = Array(
                    try Data.fetchOne(db, sql: "SELECT hash FROM merkle_node WHERE level = 1 AND idx = ?", arguments: [index])!)
                bytes[random.integer(in: 0...31)] ^= 0x80
                try db.execute(sql: "UPDATE merkle_node SET hash = ? WHERE level = 1 AND idx = ?", arguments: [Data(bytes), index])
            }
            return Tampering(
                kind: kind, evidence: deep, firstDamagedSeq: s, faultKind: .derivedMismatch, description: "tree node over \(s - 1) and \(s)"
            )
        case .deletion:
            let s = seq(in: 1...(n - 1))
            let last = min(n - 1, s + Int64(random.integer(in: 0...4)))
            try forge(path) { try $0.execute(sql: "DELETE FROM entry WHERE seq BETWEEN ? AND ?", arguments: [s, last]) }
            return Tampering(
                kind: kind, evidence: plain, firstDamagedSeq: s, faultKind: .missingEntries, description: "deleted \(s)…\(last)")
        case .insertion:
            let s = seq(in: 2...n)
            let count = Int64(random.integer(in: 1...3))
            try forge(path) { db in
                var previous = SHA256Hash(bytes: try Data.fetchOne(db, sql: "SELECT hash FROM entry WHERE seq = ?", arguments: [s - 1])!)!
                try db.execute(sql: "UPDATE entry SET seq = seq + 1000000 WHERE seq >= ?", arguments: [s])
                try db.execute(sql: "UPDATE entry SET seq = seq - 1000000 + ? WHERE seq >= 1000000", arguments: [count])
                for offset in 0..<count {
                    let at = s + offset
                    let body = #"{"id":"forged-\#(at)","kind":"model","level":0,"role":"policy","time":"2026-01-01T00:00:00Z"}"#
                    let hash = ChainHash.entryHash(previous: previous, seq: at, body: Array(body.utf8))
                    try db.execute(
                        sql: "INSERT INTO entry (seq, id, kind, time, body, prev_hash, hash) VALUES (?, ?, 'model', ?, ?, ?, ?)",
                        arguments: [at, "forged-\(at)", "2026-01-01T00:00:00Z", body, Data(previous.bytes), Data(hash.bytes)])
                    previous = hash
                }
            }
            return Tampering(
                kind: kind, evidence: plain, firstDamagedSeq: s, faultKind: .insertedEntries, description: "inserted \(count) at \(s)")
        case .reordering:
            let s = seq(in: 1...(n - 1))
            let t = seq(in: (s + 1)...min(n, s + 20))
            try forge(path) { db in
                try db.execute(sql: "UPDATE entry SET seq = ? WHERE seq = ?", arguments: [n + 1_000_000, s])
                try db.execute(sql: "UPDATE entry SET seq = ? WHERE seq = ?", arguments: [s, t])
                try db.execute(sql: "UPDATE entry SET seq = ? WHERE seq = ?", arguments: [t, n + 1_000_000])
            }
            return Tampering(
                kind: kind, evidence: plain, firstDamagedSeq: s, faultKind: .hashMismatch, description: "swapped \(s) and \(t)")
        case .truncation:
            let s = seq(in: 2...n)
            try forge(path) { db in
                try db.execute(sql: "DELETE FROM edge WHERE child >= ?", arguments: [s])
                try db.execute(sql: "DELETE FROM entry WHERE seq >= ?", arguments: [s])
            }
            return Tampering(kind: kind, evidence: savedHead, firstDamagedSeq: s, faultKind: .truncated, description: "truncated from \(s)")
        case .rewriteFromEntry:
            let s = seq(in: 1...n)
            try forge(path) { db in
                try db.execute(
                    sql: "UPDATE entry SET time = '2026-06-01T00:00:00Z', body = ? WHERE seq = ?",
                    arguments: [
                        edited(template.bodies[Int(s) - 1]), s,
                    ])
                try rechain(db, from: s)
            }
            // A saved head can only say the head's entry changed: it holds no earlier hashes.
            return Tampering(kind: kind, evidence: savedHead, firstDamagedSeq: n, faultKind: .rewritten, description: "rewrote from \(s)")
        case .wholeFileRewrite, .unsignedRewrite, .resignedRewrite:
            let s = seq(in: 1...n)
            try FileManager.default.removeItem(atPath: path)
            var bodies = template.bodies
            bodies[Int(s) - 1] = edited(bodies[Int(s) - 1])
            let forged = try Ledger.create(at: path)
            try forged.append(from: MemoryByteSource(bodies.joined(separator: "\n")))
            let checkpoints = try DatabaseQueue(path: template.path).read { db in try Row.fetchAll(db, sql: "SELECT * FROM checkpoint") }
            try forge(path) { db in
                try db.execute(sql: "UPDATE ledger_info SET value = ? WHERE key = 'origin'", arguments: [template.origin])
                if kind == .wholeFileRewrite {
                    for row in checkpoints {
                        try db.execute(
                            sql: "INSERT INTO checkpoint VALUES (?, ?, ?, ?)", arguments: StatementArguments(Array(row.databaseValues)))
                    }
                }
            }
            if kind == .resignedRewrite {
                _ = try Ledger.open(at: path).recordCheckpoint(signer: template.signer)
                return Tampering(
                    kind: kind, evidence: .audit(.fork), firstDamagedSeq: n, faultKind: .rewritten,
                    description: "rewrote \(s) and re-signed")
            }
            if kind == .unsignedRewrite {
                return Tampering(
                    kind: kind, evidence: .audit(.rewrite), firstDamagedSeq: n, faultKind: .rewritten,
                    description: "rewrote \(s), no checkpoint")
            }
            return Tampering(
                kind: kind, evidence: deep, firstDamagedSeq: n, faultKind: .rewritten, description: "rewrote \(s), old checkpoint kept")
        }
    }

    /// A body changed in a way that still decodes: its time moved to another day.
    static func edited(_ body: String) -> String {
        guard case .object(var members)? = try? JSONParser.parse(Array(body.utf8)) else { return body }
        members["time"] = .string("2026-06-01T00:00:00Z")
        return String(decoding: CanonicalJSON.encode(.object(members)), as: UTF8.self)
    }

    /// Recomputes every hash from `seq` on, as a forger covering an edit would.
    static func rechain(_ db: Database, from seq: Int64) throws {
        var previous =
            seq == 1
            ? ChainHash.genesis
            : SHA256Hash(bytes: try Data.fetchOne(db, sql: "SELECT hash FROM entry WHERE seq = ?", arguments: [seq - 1])!)!
        for row in try Row.fetchAll(db, sql: "SELECT seq, body FROM entry WHERE seq >= ? ORDER BY seq", arguments: [seq]) {
            let current: Int64 = row[0]
            let hash = ChainHash.entryHash(previous: previous, seq: current, body: Array((row[1] as String).utf8))
            try db.execute(
                sql: "UPDATE entry SET prev_hash = ?, hash = ? WHERE seq = ?", arguments: [Data(previous.bytes), Data(hash.bytes), current])
            previous = hash
        }
    }

    /// Runs `change` on the file with the append-only triggers dropped and foreign keys off,
    /// then puts the triggers back as they were, as a careful forger would: only what `change`
    /// did is left to find (the schema objects themselves are `verify --deep`'s, tested apart).
    static func forge(_ path: String, _ change: (Database) throws -> Void) throws {
        let queue = try DatabaseQueue(path: path)
        try queue.writeWithoutTransaction { db in
            let triggers = try String.fetchAll(
                db, sql: "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%is_append_only%' ORDER BY name")
            defer { for trigger in triggers { try? db.execute(sql: trigger) } }
            try db.execute(sql: "DROP TRIGGER IF EXISTS entry_is_append_only_update; DROP TRIGGER IF EXISTS entry_is_append_only_delete")
            try db.execute(
                sql: "DROP TRIGGER IF EXISTS checkpoint_is_append_only_update; DROP TRIGGER IF EXISTS checkpoint_is_append_only_delete")
            try db.execute(
                sql: "DROP TRIGGER IF EXISTS receipt_is_append_only_update; DROP TRIGGER IF EXISTS receipt_is_append_only_delete")
            try db.execute(sql: "PRAGMA foreign_keys = OFF")
            try db.inTransaction {
                try change(db)
                return .commit
            }
        }
        try queue.close()
    }
}
