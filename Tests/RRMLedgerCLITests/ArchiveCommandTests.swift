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

    /// A full archive of a ledger that grew after its checkpoint: the entries after it are named
    /// as unsigned, in text and JSON (docs/ARCHIVES.md section 4 step 6); with none after it, nothing is said.
    @Test func entriesAfterTheCheckpointAreNamedAsUnsigned() throws {
        let cli = try signed()
        #expect(try cli.run(["export", "--ledger", "s.sqlite", "--out", "signed.tar.gz"]).status == 0)
        #expect(!(try cli.run(["verify-archive", "signed.tar.gz", "--key", "k.pub"]).stdout.contains("unsigned")))
        let size = Int(try cli.run(["head", "--ledger", "s.sqlite"]).stdout.split(separator: ":")[0])!
        let late = (1...2).map { #"{"kind":"finding","id":"late-\#($0)","about":"L1-label-1","verdict":"correct","auditor":"human:x"}"# }
        #expect(try cli.run(["append", "--ledger", "s.sqlite", "-"], stdin: late.joined(separator: "\n")).status == 0)
        #expect(try cli.run(["export", "--ledger", "s.sqlite", "--out", "a.tar.gz"]).status == 0)
        let text = try cli.run(["verify-archive", "a.tar.gz", "--key", "k.pub"])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(
            text.stdout.contains(
                "unsigned: entries \(size + 1)…\(size + 2) are not covered by the signed checkpoint (\(size) entries): they are chained to the signed entries, but no signature covers them\n"
            ), "\(text.stdout)")
        let json = try cli.run(["verify-archive", "a.tar.gz", "--format", "json"])
        let report = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let unsigned = report?["unsigned"] as? [String: Any]
        #expect(unsigned?["first_seq"] as? Int == size + 1)
        #expect(unsigned?["last_seq"] as? Int == size + 2)
        #expect(
            (unsigned?["note"] as? String)?.hasPrefix("entries \(size + 1)…\(size + 2) are not covered by the signed checkpoint") == true)
        let signedJSON = try cli.run(["verify-archive", "signed.tar.gz", "--format", "json"])
        #expect((try JSONSerialization.jsonObject(with: Data(signedJSON.stdout.utf8)) as? [String: Any])?["unsigned"] is NSNull)
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

    /// Format version 2 as a user meets it: `gzip` and `tar` read the archive, an archive
    /// unpacked, edited and repacked with the documented `tar` command is refused with the exit
    /// code and words of docs/ARCHIVES.md section 8.3, and version 1 is still there when asked for.
    @Test func version2ArchivesThroughRealTarAndGzip() throws {
        let cli = try signed()
        #expect(try cli.run(["export", "--ledger", "s.sqlite", "--out", "a.tar.gz"]).status == 0)
        let head = try cli.run(["head", "--ledger", "s.sqlite"]).stdout.split(separator: ":")[0]
        let shell = { (script: String) throws -> CLIProcess.Result in
            let process = cli.start(["-c", script])
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            return try CLIProcess.collect(process)
        }
        #expect(
            try shell("gzip -t a.tar.gz && zcat a.tar.gz | tar -t").stdout
                == "rrm-archive/manifest.json\nrrm-archive/entries-000001.jsonl\nrrm-archive/checkpoint.note\n")
        let first = try shell("mkdir x && tar -xzf a.tar.gz -C x && head -c 1 x/rrm-archive/entries-000001.jsonl").stdout
        #expect(first == "{")
        let repack =
            "cd x && tar --format=ustar -b 1 -czf ../NAME rrm-archive/manifest.json rrm-archive/entries-*.jsonl rrm-archive/checkpoint.note"
        // Repacked unchanged, it verifies.
        #expect(try shell(repack.replacingOccurrences(of: "NAME", with: "same.tar.gz")).status == 0)
        #expect(try cli.run(["verify-archive", "same.tar.gz", "--key", "k.pub"]).status == 0)
        // One body changed: a fault where the recomputed chain meets the checkpoint's root (1).
        #expect(try shell("sed -i '5s/\"time\":\"2026/\"time\":\"2027/' x/rrm-archive/entries-000001.jsonl").status == 0)
        #expect(try shell(repack.replacingOccurrences(of: "NAME", with: "edited.tar.gz")).status == 0)
        let edited = try cli.run(["verify-archive", "edited.tar.gz", "--key", "k.pub"])
        #expect(edited.status == 1)
        #expect(edited.stdout.contains("FAULT the entries up to \(head) do not lead to the checkpoint's root"), "\(edited.stdout)")
        let imported = try cli.run(["import", "--ledger", "copy.sqlite", "edited.tar.gz"])
        #expect(imported.status == 1, "\(imported.stderr)")
        #expect(!FileManager.default.fileExists(atPath: cli.path("copy.sqlite")))
        // A line that is no entry: not a valid archive (65), named by member and line.
        #expect(try shell("sed -i '2i not json' x/rrm-archive/entries-000001.jsonl").status == 0)
        #expect(try shell(repack.replacingOccurrences(of: "NAME", with: "garbled.tar.gz")).status == 0)
        let garbled = try cli.run(["verify-archive", "garbled.tar.gz"])
        #expect(garbled.status == 65)
        #expect(garbled.stderr.contains("rrm-archive/entries-000001.jsonl, line 2: neither a body"), "\(garbled.stderr)")

        let old = try cli.run(["export", "--ledger", "s.sqlite", "--out", "v1.tar.gz", "--archive-version", "1"])
        #expect(old.status == 0, "\(old.stderr)")
        #expect(try cli.run(["verify-archive", "v1.tar.gz", "--key", "k.pub"]).stdout.contains("(full archive, format 1: hashes,"))
        #expect(try cli.run(["import", "--ledger", "v1.sqlite", "v1.tar.gz"]).status == 0)
        #expect(try cli.run(["export", "--ledger", "s.sqlite", "--out", "v3.tar.gz", "--archive-version", "3"]).status == 64)
        // A PROV document has no archive version: any explicit one is refused, 2 included.
        for version in ["1", "2"] {
            let prov = try cli.run(["export", "--ledger", "s.sqlite", "--out", "p\(version).json", "--prov", "--archive-version", version])
            #expect(prov.status == 64, "--archive-version \(version) --prov: \(prov.status)")
            #expect(prov.stderr.contains("a PROV document has none (--prov)"), "\(prov.stderr)")
            #expect(!FileManager.default.fileExists(atPath: cli.path("p\(version).json")))
        }
        #expect(try cli.run(["export", "--ledger", "s.sqlite", "--out", "p.json", "--prov"]).status == 0)
    }
}
