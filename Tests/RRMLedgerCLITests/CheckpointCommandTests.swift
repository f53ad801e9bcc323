import Foundation
import GRDB
import RRMLedger
import Testing

/// keygen, checkpoint, prove, verify-proof and audit as real processes: output, errors, exit
/// codes, and that a refused command writes nothing (docs/CLI.md).
@Suite struct CheckpointCommandTests {
    /// A folder with a ledger of the 5 events of `CommandLineTests`, a key pair `log.key` /
    /// `log.pub` and one checkpoint.
    func signed() throws -> CLIProcess {
        let cli = try CommandLineTests().populated()
        #expect(try cli.run(["keygen", "--ledger", "l.sqlite", "--out", "log"]).status == 0)
        #expect(try cli.run(["checkpoint", "--ledger", "l.sqlite", "--key", "log.key"]).status == 0)
        return cli
    }

    func origin(_ cli: CLIProcess) throws -> String {
        try DatabaseQueue(path: cli.path("l.sqlite")).read { db in
            try String.fetchOne(db, sql: "SELECT value FROM ledger_info WHERE key = 'origin'")!
        }
    }

    /// Appends `count` more events.
    func grow(_ cli: CLIProcess, _ count: Int, from first: Int) throws {
        let events = (first..<first + count).map {
            #"{"kind":"output","id":"more-\#($0)","model":"policy-0","task":"t","time":"2026-01-02T00:00:00Z"}"#
        }.joined(separator: "\n")
        #expect(try cli.run(["append", "--ledger", "l.sqlite", "-"], stdin: events + "\n").status == 0)
    }

    /// The ledger's files, to show a command left them alone.
    func ledgerBytes(_ cli: CLIProcess) -> [Data?] {
        ["l.sqlite", "l.sqlite-wal"].map { cli.bytes($0) }
    }

    @Test func keygenWritesAnOwnerOnlyPrivateKeyAndPrintsTheVerifierKey() throws {
        let cli = try CommandLineTests().populated()
        let result = try cli.run(["keygen", "--ledger", "l.sqlite", "--out", "log"])
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 2)
        #expect(lines[0] == "wrote log.key (private key, mode 0600: keep it secret) and log.pub (verifier key, for auditors)")
        let verifierKey = try #require(lines.last)
        #expect(verifierKey.hasPrefix(try origin(cli) + "+"))
        #expect(String(decoding: cli.bytes("log.pub") ?? Data(), as: UTF8.self) == verifierKey + "\n")
        let privateKey = String(decoding: cli.bytes("log.key") ?? Data(), as: UTF8.self)
        #expect(privateKey.hasPrefix("PRIVATE+KEY+"))
        // PRIVATE+KEY+name+hash+data, where the base64 data may itself hold "+".
        let keyData = try #require(privateKey.split(separator: "+", maxSplits: 4).last).trimmingCharacters(in: .newlines)
        #expect(keyData.count == 44)
        #expect(!result.stdout.contains(keyData))
        let mode = try FileManager.default.attributesOfItem(atPath: cli.path("log.key"))[.posixPermissions] as? Int
        #expect(mode == 0o600)

        let again = try cli.run(["keygen", "--ledger", "l.sqlite", "--out", "log", "--name", "other"])
        #expect(again.status == 73)
        #expect(again.stderr == "rrm-ledger: error: 'log.key' already exists; refusing to overwrite it\n")
        #expect(String(decoding: cli.bytes("log.key") ?? Data(), as: UTF8.self) == privateKey)

        let named = try cli.run(["keygen", "--out", "named", "--name", "audit-log.example", "--format", "json"])
        #expect(named.status == 0)
        let json = try JSONSerialization.jsonObject(with: Data(named.stdout.utf8)) as? [String: Any]
        #expect((json?["verifier_key"] as? String)?.hasPrefix("audit-log.example+") == true)
        #expect(try cli.run(["keygen", "--out", "bad", "--name", "a+b"]).status == 64)
        let unnamed = try cli.run(["keygen", "--out", "bad", "--ledger", "nope.sqlite"])
        #expect(unnamed.status == 64)
        #expect(unnamed.stderr == "rrm-ledger: error: no ledger at nope.sqlite to name the key after: give --name NAME, or --ledger PATH\n")
        #expect(cli.bytes("bad.key") == nil)
    }

    @Test func checkpointPrintsTheSignedNoteAndRecordsIt() throws {
        let cli = try CommandLineTests().populated()
        try cli.run(["keygen", "--ledger", "l.sqlite", "--out", "log"])
        let result = try cli.run(["checkpoint", "--ledger", "l.sqlite", "--key", "log.key"])
        #expect(result.status == 0)
        let origin = try origin(cli)
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.count == 6)
        #expect(lines[0] == origin)
        #expect(lines[1] == "5")
        #expect(lines[3] == "")
        #expect(lines[4].hasPrefix("\u{2014} \(origin) "))
        let verifier = try NoteVerifier(parsing: String(decoding: cli.bytes("log.pub")!, as: UTF8.self).trimmingCharacters(in: .newlines))
        #expect(try VerifiedCheckpoint.open(result.stdout, verifier: verifier, origin: origin).size == 5)
        let recorded = try DatabaseQueue(path: cli.path("l.sqlite")).read { db in
            try String.fetchAll(db, sql: "SELECT note FROM checkpoint")
        }
        #expect(recorded == [result.stdout])

        let json = try cli.run(["checkpoint", "--ledger", "l.sqlite", "--key", "log.key", "--format", "json"])
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(object?["new"] as? Bool == false)
        #expect(object?["note"] as? String == result.stdout)
    }

    @Test func checkpointRefusesBadKeysAndAnEmptyLedgerAndWritesNothing() throws {
        let cli = try CommandLineTests().populated()
        try cli.run(["keygen", "--ledger", "l.sqlite", "--out", "log"])
        let before = ledgerBytes(cli)

        chmod(cli.path("log.key"), 0o644)
        let loose = try cli.run(["checkpoint", "--ledger", "l.sqlite", "--key", "log.key"])
        #expect(loose.status == 65)
        #expect(loose.stderr.hasPrefix("rrm-ledger: error: UNPROTECTED PRIVATE KEY FILE: permissions 0644 for 'log.key' are too open"))
        #expect(loose.stdout.isEmpty)
        chmod(cli.path("log.key"), 0o600)

        let missing = try cli.run(["checkpoint", "--ledger", "l.sqlite", "--key", "nope.key"])
        #expect(missing.status == 66)
        #expect(missing.stderr == "rrm-ledger: error: 'nope.key' does not exist\n")

        chmod(cli.path("log.pub"), 0o600)
        let wrongKind = try cli.run(["checkpoint", "--ledger", "l.sqlite", "--key", "log.pub"])
        #expect(wrongKind.status == 65)
        #expect(wrongKind.stderr.contains("does not start with \"PRIVATE+KEY+\""))
        #expect(ledgerBytes(cli) == before)

        try cli.run(["init", "--ledger", "empty.sqlite"])
        let empty = try cli.run(["checkpoint", "--ledger", "empty.sqlite", "--key", "log.key"])
        #expect(empty.status == 65)
        #expect(empty.stderr == "rrm-ledger: error: empty.sqlite holds no entries: there is no tree to sign\n")
    }

    @Test func proveInclusionVerifiesOfflineAndEveryAlterationIsRefused() throws {
        let cli = try signed()
        let origin = try origin(cli)
        let proof = try cli.run(["prove", "inclusion", "--ledger", "l.sqlite", "crit-1"])
        #expect(proof.status == 0)
        let lines = proof.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(Array(lines[0...1]) == ["rrm-ledger/inclusion-proof@v1", "seq 3"])
        #expect(lines[3].hasPrefix("body {\"critic\":\"policy-0\""))
        #expect(lines[4] == "index 2")
        try cli.write(proof.stdout, to: "crit-1.proof")

        let ok = try cli.run(["verify-proof", "crit-1.proof", "--key", "log.pub", "--origin", origin])
        #expect(ok.status == 0)
        #expect(ok.stdout.hasPrefix("ok: entry 3 (critique \"crit-1\") is in \(origin) at size 5, root "))
        #expect(!ok.stdout.contains("origin not checked"))
        let keyText = String(decoding: cli.bytes("log.pub")!, as: UTF8.self).trimmingCharacters(in: .newlines)
        #expect(
            try cli.run(["verify-proof", "-", "--key", keyText], stdin: proof.stdout).stdout.contains("(origin not checked: give --origin)")
        )

        // A flipped bit in a proof hash, another body, another key, another origin: exit 1.
        var flipped = lines
        var hash = Data(base64Encoded: flipped[5])!
        hash[7] ^= 0x04
        flipped[5] = hash.base64EncodedString()
        try cli.write(flipped.joined(separator: "\n"), to: "flipped.proof")
        let flippedResult = try cli.run(["verify-proof", "flipped.proof", "--key", "log.pub"])
        #expect(flippedResult.status == 1)
        #expect(
            flippedResult.stderr
                == "rrm-ledger: error: flipped.proof: the proof does not verify: the inclusion proof does not lead to the root\n")

        try cli.write(proof.stdout.replacingOccurrences(of: "Off by one.", with: "Looks right."), to: "body.proof")
        #expect(try cli.run(["verify-proof", "body.proof", "--key", "log.pub"]).status == 1)

        try cli.run(["keygen", "--ledger", "l.sqlite", "--out", "other"])
        let wrongKey = try cli.run(["verify-proof", "crit-1.proof", "--key", "other.pub"])
        #expect(wrongKey.status == 1)
        #expect(wrongKey.stderr.contains("wrong key hash: the note is signed by \(origin)+"))

        let wrongOrigin = try cli.run(["verify-proof", "crit-1.proof", "--key", "log.pub", "--origin", "rrm-ledger/0000"])
        #expect(wrongOrigin.status == 1)
        #expect(wrongOrigin.stderr.contains("belongs to another log"))

        // Malformed: 65; no such proof or key file: 66.
        try cli.write(proof.stdout.replacingOccurrences(of: "index 2", with: "index 02"), to: "malformed.proof")
        let malformed = try cli.run(["verify-proof", "malformed.proof", "--key", "log.pub"])
        #expect(malformed.status == 65)
        #expect(malformed.stderr.contains("malformed.proof: malformed proof: line 5: index \"02\""))
        try cli.write("hello\n", to: "other.txt")
        #expect(try cli.run(["verify-proof", "other.txt", "--key", "log.pub"]).status == 65)
        #expect(try cli.run(["verify-proof", "nope.proof", "--key", "log.pub"]).status == 66)
        #expect(try cli.run(["verify-proof", "crit-1.proof", "--key", "nope.pub"]).status == 66)
        try cli.write("not a key\n", to: "bad.pub")
        #expect(try cli.run(["verify-proof", "crit-1.proof", "--key", "bad.pub"]).status == 65)
    }

    @Test func proveRefusesSizesTheLedgerDoesNotHave() throws {
        let cli = try signed()
        let beyond = try cli.run(["prove", "inclusion", "--ledger", "l.sqlite", "crit-1", "--checkpoint", "9"])
        #expect(beyond.status == 66)
        #expect(beyond.stderr == "rrm-ledger: error: no checkpoint of size 9 has been recorded, and the ledger holds only 5 entries\n")
        try grow(cli, 2, from: 1)
        let after = try cli.run(["prove", "inclusion", "--ledger", "l.sqlite", "more-1", "--checkpoint", "5"])
        #expect(after.status == 66)
        #expect(after.stderr.contains("was appended after the checkpoint of size 5"))
        #expect(try cli.run(["prove", "inclusion", "--ledger", "l.sqlite", "ghost"]).status == 66)
        #expect(try cli.run(["prove", "consistency", "--ledger", "l.sqlite", "6"]).status == 64)
        #expect(try cli.run(["prove", "consistency", "--ledger", "l.sqlite", "3", "2"]).status == 64)
        let none = try CommandLineTests().populated()
        let noCheckpoint = try none.run(["prove", "inclusion", "--ledger", "l.sqlite", "crit-1"])
        #expect(noCheckpoint.status == 66)
        #expect(noCheckpoint.stderr.contains("no checkpoint has been recorded yet"))
    }

    @Test func proveConsistencyBetweenTwoCheckpointsVerifiesOffline() throws {
        let cli = try signed()
        try grow(cli, 4, from: 1)
        try cli.run(["checkpoint", "--ledger", "l.sqlite", "--key", "log.key"])
        let proof = try cli.run(["prove", "consistency", "--ledger", "l.sqlite", "5"])
        #expect(proof.status == 0)
        #expect(proof.stdout.hasPrefix("rrm-ledger/consistency-proof@v1\nold_size 5\nold_root "))
        try cli.write(proof.stdout, to: "c.proof")
        let ok = try cli.run(["verify-proof", "c.proof", "--key", "log.pub", "--format", "json"])
        #expect(ok.status == 0)
        let json = try JSONSerialization.jsonObject(with: Data(ok.stdout.utf8)) as? [String: Any]
        #expect(json?["old_root_signed"] as? Bool == true)
        #expect((json?["checkpoint"] as? [String: Any])?["size"] as? Int == 9)

        let unsigned = try cli.run(["prove", "consistency", "--ledger", "l.sqlite", "2", "9"])
        let verified = try cli.run(["verify-proof", "-", "--key", "log.pub"], stdin: unsigned.stdout)
        #expect(verified.stdout.contains("extends its tree of size 2, root "))
        #expect(verified.stdout.contains("(not signed: compare it with a root you trust)"))
        let tampered = unsigned.stdout.replacingOccurrences(of: "old_size 2", with: "old_size 3")
        #expect(try cli.run(["verify-proof", "-", "--key", "log.pub"], stdin: tampered).status == 1)
    }

    @Test func auditTrustsOnFirstUseAcceptsGrowthAndRefusesAForkedLedger() throws {
        let cli = try signed()
        let first = try cli.run(["audit", "--ledger", "l.sqlite", "--key", "log.pub", "--state", "auditor"])
        #expect(first.status == 0)
        #expect(first.stdout.hasPrefix("ok: trusted on first use: \(try origin(cli)) at size 5, root "))
        let trusted = cli.bytes("auditor/checkpoint")
        #expect(trusted != nil)

        #expect(
            try cli.run(["audit", "--ledger", "l.sqlite", "--key", "log.pub", "--state", "auditor"]).stdout.hasPrefix("ok: unchanged: "))
        try grow(cli, 3, from: 1)
        try cli.run(["checkpoint", "--ledger", "l.sqlite", "--key", "log.key"])
        let grew = try cli.run(["audit", "--ledger", "l.sqlite", "--key", "log.pub", "--state", "auditor"])
        #expect(grew.status == 0)
        #expect(grew.stdout.hasPrefix("ok: the ledger grew from size 5 to 8 without rewriting its past (consistency proof of "))
        let trustedAt8 = cli.bytes("auditor/checkpoint")
        #expect(trustedAt8 != trusted)

        // The forger rewrites entry 3 and everything after it, recomputes every hash and the
        // tree, deletes the recorded checkpoints and signs anew with the same key.
        try forge(cli, from: 3)
        let resigned = try cli.run(["checkpoint", "--ledger", "l.sqlite", "--key", "log.key"])
        #expect(resigned.status == 0)
        let fork = try cli.run(["audit", "--ledger", "l.sqlite", "--key", "log.pub", "--state", "auditor"])
        #expect(fork.status == 1)
        #expect(fork.stdout.isEmpty)
        #expect(fork.stderr.hasPrefix("rrm-ledger: error: FORK: two signed roots for size 8: "))
        // Both roots in full, hex and base64, to keep and compare (docs/CLI.md, "Roots").
        #expect(fork.stderr.contains(#/: trusted root hex [0-9a-f]{64} = base64 [A-Za-z0-9+\/]{43}=, now root hex [0-9a-f]{64} = base64 /#))
        #expect(fork.stderr.split(separator: "\n").count == 1)
        #expect(cli.bytes("auditor/checkpoint") == trustedAt8)

        try grow(cli, 2, from: 10)
        try cli.run(["checkpoint", "--ledger", "l.sqlite", "--key", "log.key"])
        let longerFork = try cli.run(["audit", "--ledger", "l.sqlite", "--key", "log.pub", "--state", "auditor"])
        #expect(longerFork.status == 1)
        #expect(
            longerFork.stderr.hasPrefix(
                "rrm-ledger: error: FORK: the signed checkpoint of size 10 does not extend the trusted checkpoint of size 8"))
        #expect(cli.bytes("auditor/checkpoint") == trustedAt8)
    }

    @Test func auditRefusesAShrunkLedgerAWrongKeyAndLeavesItsStateAlone() throws {
        let cli = try signed()
        try grow(cli, 3, from: 1)
        try cli.run(["checkpoint", "--ledger", "l.sqlite", "--key", "log.key"])
        #expect(try cli.run(["audit", "--ledger", "l.sqlite", "--key", "log.pub", "--state", "auditor"]).status == 0)
        let trusted = cli.bytes("auditor/checkpoint")

        try cli.run(["keygen", "--ledger", "l.sqlite", "--out", "other"])
        let wrongKey = try cli.run(["audit", "--ledger", "l.sqlite", "--key", "other.pub", "--state", "auditor"])
        #expect(wrongKey.status == 1)
        #expect(wrongKey.stderr.contains("auditor/checkpoint (the trusted checkpoint): wrong key hash"))
        let fresh = try cli.run(["audit", "--ledger", "l.sqlite", "--key", "other.pub", "--state", "fresh"])
        #expect(fresh.status == 1)
        #expect(fresh.stderr.contains("the ledger's newest checkpoint (size 8): wrong key hash"))
        #expect(!FileManager.default.fileExists(atPath: cli.path("fresh")))
        #expect(try cli.run(["audit", "--ledger", "l.sqlite", "--key", "nope.pub", "--state", "auditor"]).status == 66)

        // Entries 6…8 removed, with the tree and checkpoints they had, and the ledger re-signed.
        try tamper(
            cli,
            "DELETE FROM entry WHERE seq > 5; DELETE FROM checkpoint WHERE size > 5; DELETE FROM merkle_node WHERE (idx + 1) << level > 5")
        let shrunk = try cli.run(["audit", "--ledger", "l.sqlite", "--key", "log.pub", "--state", "auditor"])
        #expect(shrunk.status == 1)
        #expect(
            shrunk.stderr == "rrm-ledger: error: SHRINK: the ledger's newest checkpoint is of size 5, smaller than the trusted size 8\n")
        #expect(cli.bytes("auditor/checkpoint") == trusted)
    }

    @Test func auditHoldsALedgerWithoutCheckpointsToTheTrustedRoot() throws {
        let cli = try signed()
        #expect(try cli.run(["audit", "--ledger", "l.sqlite", "--key", "log.pub", "--state", "auditor"]).status == 0)
        let trusted = cli.bytes("auditor/checkpoint")
        // An imported copy is a log of its own: the auditor's state for the original does not apply.
        #expect(try cli.run(["export", "--ledger", "l.sqlite", "--out", "a.tar.gz"]).status == 0)
        #expect(try cli.run(["import", "--ledger", "copy.sqlite", "a.tar.gz"]).status == 0)
        let copy = try cli.run(["audit", "--ledger", "copy.sqlite", "--key", "log.pub", "--state", "auditor"])
        #expect(copy.status == 1)
        #expect(copy.stderr.contains("copy.sqlite is the log \"rrm-ledger/"), "\(copy.stderr)")
        #expect(copy.stderr.hasSuffix("whose checkpoint was trusted; keep one --state folder per ledger\n"))
        // The checkpoints deleted, entries intact: nothing to audit.
        try tamper(cli, "DELETE FROM checkpoint")
        let unsigned = try cli.run(["audit", "--ledger", "l.sqlite", "--key", "log.pub", "--state", "auditor"])
        #expect(unsigned.status == 66)
        #expect(unsigned.stderr.contains("no checkpoint has been recorded yet"))
        // The checkpoints deleted to hide a rewrite: refused.
        try tamper(cli, "UPDATE merkle_node SET hash = zeroblob(32) WHERE level = 2 AND idx = 0")
        let hidden = try cli.run(["audit", "--ledger", "l.sqlite", "--key", "log.pub", "--state", "auditor"])
        #expect(hidden.status == 1)
        #expect(hidden.stderr.hasPrefix("rrm-ledger: error: REWRITE: the ledger's entries 1…"), "\(hidden.stderr)")
        #expect(cli.bytes("auditor/checkpoint") == trusted)
    }

    @Test func verifyDeepReportsAForgedTreeNode() throws {
        let cli = try signed()
        try tamper(cli, "UPDATE merkle_node SET hash = zeroblob(32) WHERE level = 1 AND idx = 1")
        let result = try cli.run(["verify", "--ledger", "l.sqlite", "--deep"])
        #expect(result.status == 1)
        #expect(result.stdout.hasPrefix("FAULT derived-mismatch: entry 4: the Merkle tree node at level 1, index 1 is 0000"))
        #expect(try cli.run(["verify", "--ledger", "l.sqlite"]).status == 0)
    }

    /// Raw SQL with the append-only triggers dropped, as a forger would (`forgeLedger`).
    func tamper(_ cli: CLIProcess, _ sql: String) throws {
        try forgeLedger(cli.path("l.sqlite"), sql)
    }

    /// Rewrites every body from `seq` on, recomputes every hash and the tree, and deletes the
    /// recorded checkpoints: a rewrite that `verify` alone cannot see.
    func forge(_ cli: CLIProcess, from seq: Int64) throws {
        try forgeLedger(cli.path("l.sqlite")) { db in
            try db.execute(sql: "DELETE FROM checkpoint; DELETE FROM merkle_node")
            var previous = ChainHash.genesis
            var tree = MerkleFrontier()
            for row in try Row.fetchAll(db, sql: "SELECT seq, body FROM entry ORDER BY seq") {
                let rowSeq: Int64 = row[0]
                var body: String = row[1]
                if rowSeq >= seq { body = body.replacingOccurrences(of: "2026-01-0", with: "2025-01-0") }
                let hash = ChainHash.entryHash(previous: previous, seq: rowSeq, body: Array(body.utf8))
                try db.execute(
                    sql: "UPDATE entry SET body = ?, time = json_extract(?, '$.time'), prev_hash = ?, hash = ? WHERE seq = ?",
                    arguments: [body, body, Data(previous.bytes), Data(hash.bytes), rowSeq])
                for node in tree.append(leafHash: MerkleHash.leafHash(hash)) where node.level > 0 {
                    try db.execute(
                        sql: "INSERT INTO merkle_node (level, idx, hash) VALUES (?, ?, ?)",
                        arguments: [node.level, Int64(node.index), Data(node.hash.bytes)])
                }
                previous = hash
            }
        }
        #expect(try cli.run(["verify", "--ledger", "l.sqlite", "--deep"]).status == 0, "the forgery is invisible to verify")
    }
}
