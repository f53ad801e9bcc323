import Foundation
import Testing

/// `export`, `verify-archive` and `import` as real processes.
@Suite struct ArchiveCommandTests {
    /// A simulated, checkpointed ledger, with its key pair k.key / k.pub.
    func signed() throws -> CLIProcess {
        let cli = try CLIProcess()
        #expect(try cli.run(["simulate", "--ledger", "s.sqlite", "--outputs", "40", "--levels", "2"]).status == 0)
        #expect(try cli.run(["keygen", "--ledger", "s.sqlite", "--out", "k"]).status == 0)
        #expect(try cli.run(["checkpoint", "--ledger", "s.sqlite", "--key", "k.key"]).status == 0)
        return cli
    }

    @Test func exportVerifyAndImportRoundTrip() throws {
        let cli = try signed()
        let export = try cli.run(["export", "--ledger", "s.sqlite", "--out", "a.tar.gz", "--note", "for the audit"])
        #expect(export.status == 0, "\(export.stderr)")
        #expect(export.stdout.contains("to a.tar.gz"))
        #expect(export.stdout.contains("checkpoint of"))
        let verify = try cli.run(["verify-archive", "a.tar.gz", "--key", "k.pub"])
        #expect(verify.status == 0, "\(verify.stderr)")
        #expect(verify.stdout.hasPrefix("ok: "))
        #expect(verify.stdout.contains("signed by rrm-ledger/"))
        let imported = try cli.run(["import", "--ledger", "copy.sqlite", "a.tar.gz", "--key", "k.pub"])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(try cli.run(["head", "--ledger", "copy.sqlite"]).stdout == (try cli.run(["head", "--ledger", "s.sqlite"]).stdout))
        let json = try cli.run(["verify-archive", "a.tar.gz", "--format", "json"])
        let report = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(report?["intact"] as? Bool == true)
    }

    @Test func importWithoutAKeySaysTheSignatureWasNotChecked() throws {
        let cli = try signed()
        #expect(try cli.run(["export", "--ledger", "s.sqlite", "--out", "a.tar.gz"]).status == 0)
        #expect(try cli.run(["keygen", "--name", "someone-else", "--out", "other"]).status == 0)
        // Without --key the archive is taken whatever key signed it: the output must say so.
        let unchecked = try cli.run(["import", "--ledger", "c1.sqlite", "a.tar.gz"])
        #expect(unchecked.status == 0, "\(unchecked.stderr)")
        #expect(unchecked.stdout.contains("\ncheckpoint: "))
        #expect(unchecked.stdout.hasSuffix(", signature NOT checked (give --key)\n"))
        let json = try cli.run(["import", "--ledger", "c2.sqlite", "a.tar.gz", "--format", "json"])
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(object?["signature_checked"] as? Bool == false)
        let checked = try cli.run(["import", "--ledger", "c3.sqlite", "a.tar.gz", "--key", "k.pub"])
        #expect(checked.status == 0, "\(checked.stderr)")
        #expect(checked.stdout.contains(", signed by rrm-ledger/"))
        #expect(!checked.stdout.contains("NOT checked"))
        let checkedJSON = try cli.run(["import", "--ledger", "c4.sqlite", "a.tar.gz", "--key", "k.pub", "--format", "json"])
        #expect(
            (try JSONSerialization.jsonObject(with: Data(checkedJSON.stdout.utf8)) as? [String: Any])?["signature_checked"] as? Bool == true
        )
        // With another key the import is refused, and nothing is made.
        let wrongKey = try cli.run(["import", "--ledger", "c5.sqlite", "a.tar.gz", "--key", "other.pub"])
        #expect(wrongKey.status != 0)
        #expect(!FileManager.default.fileExists(atPath: cli.path("c5.sqlite")))
    }

    @Test func aDamagedArchiveFailsWithOneLinePerFaultOrExit65() throws {
        let cli = try signed()
        #expect(try cli.run(["export", "--ledger", "s.sqlite", "--out", "a.tar.gz"]).status == 0)
        var bytes = try #require(cli.bytes("a.tar.gz"))
        bytes[bytes.count / 2] ^= 0xFF
        try bytes.write(to: cli.folder.appendingPathComponent("damaged.tar.gz"))
        let damaged = try cli.run(["verify-archive", "damaged.tar.gz"])
        #expect(damaged.status == 65)
        #expect(damaged.stderr.hasPrefix("rrm-ledger: error: damaged.tar.gz is not a valid rrm-ledger archive"))
        // Import stops at the first thing wrong: the corruption itself (65), or, where the
        // damaged bytes still read as an entry, that entry's hash (1), as a FAULT line of
        // verify-archive would say; the archive's bytes (its creation time) decide which.
        let refused = try cli.run(["import", "--ledger", "copy.sqlite", "damaged.tar.gz"])
        #expect(refused.status == 65 || refused.status == 1, "\(refused.stderr)")
        #expect(refused.stderr.hasPrefix("rrm-ledger: error: damaged.tar.gz "), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: cli.path("copy.sqlite")))
        let stranger = try cli.run(["keygen", "--name", "stranger", "--out", "other"])
        #expect(stranger.status == 0)
        let wrongKey = try cli.run(["verify-archive", "a.tar.gz", "--key", "other.pub"])
        #expect(wrongKey.status == 1)
        #expect(wrongKey.stdout.contains("FAULT the checkpoint does not verify with the key stranger"))
        #expect(try cli.run(["verify-archive", "nothing.tar.gz"]).status == 66)
    }

    @Test func slicesAndIncrementsThroughTheCommandLine() throws {
        let cli = try signed()
        let slice = try cli.run([
            "export", "--ledger", "s.sqlite", "--out", "slice.tar.gz", "--lineage", "L1-label-2", "--direction", "up", "--via",
            "evaluation",
        ])
        #expect(slice.status == 0, "\(slice.stderr)")
        #expect(slice.stdout.contains("(slice: lineage of L1-label-2, up, via evaluation)"))
        let verified = try cli.run(["verify-archive", "slice.tar.gz", "--key", "k.pub"])
        #expect(verified.stdout.contains("each entry's inclusion proof"))
        let refused = try cli.run(["import", "--ledger", "x.sqlite", "slice.tar.gz"])
        #expect(refused.status == 65)
        #expect(refused.stderr.contains("it is a slice"))
        let head = try cli.run(["head", "--ledger", "s.sqlite"]).stdout.split(separator: ":")[0]
        #expect(try cli.run(["export", "--ledger", "s.sqlite", "--out", "base.tar.gz"]).status == 0)
        #expect(try cli.run(["import", "--ledger", "receiver.sqlite", "base.tar.gz"]).status == 0)
        #expect(
            try cli.run(
                ["append", "--ledger", "s.sqlite", "-"],
                stdin: #"{"kind":"finding","id":"late","about":"L1-label-1","verdict":"correct","auditor":"human:x"}"#
            ).status == 0)
        #expect(try cli.run(["checkpoint", "--ledger", "s.sqlite", "--key", "k.key"]).status == 0)
        let increment = try cli.run(["export", "--ledger", "s.sqlite", "--out", "inc.tar.gz", "--since", String(head)])
        #expect(increment.status == 0, "\(increment.stderr)")
        #expect(try cli.run(["import", "--ledger", "receiver.sqlite", "inc.tar.gz", "--key", "k.pub"]).status == 0)
        #expect(try cli.run(["head", "--ledger", "receiver.sqlite"]).stdout == (try cli.run(["head", "--ledger", "s.sqlite"]).stdout))
        #expect(try cli.run(["export", "--ledger", "s.sqlite", "--out", "bad.tar.gz", "--since", "3", "--level", "1"]).status == 64)
    }
}
