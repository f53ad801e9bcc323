import Foundation
import Testing

/// Every root a person compares is printed in full, in hex and base64, labelled (docs/CLI.md,
/// "Roots"): `checkpoint`, `audit`, `verify-proof`, `export`, `verify-archive` and the report
/// all print the same two strings for one checkpoint, and they match the note's base64 and the
/// manifest's hex, whose formats are unchanged.
@Suite struct RootEncodingTests {
    /// `root hex X = base64 Y` in `text`, as (hex, base64).
    func labelledRoot(in text: String) -> (hex: String, base64: String)? {
        guard let match = text.firstMatch(of: #/root hex ([0-9a-f]+) = base64 ([A-Za-z0-9+\/=]+)/#) else { return nil }
        return (String(match.1), String(match.2))
    }

    @Test func everyCommandPrintsTheSameRootInBothEncodings() throws {
        let cli = try CommandLineTests().populated()
        #expect(try cli.run(["keygen", "--ledger", "l.sqlite", "--out", "k"]).status == 0)
        let checkpoint = try cli.run(["checkpoint", "--ledger", "l.sqlite", "--key", "k.key"])
        #expect(checkpoint.status == 0)
        // Standard output is the note alone, as auditors receive it: origin, size, base64 root.
        let noteLines = checkpoint.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(noteLines[1] == "5")
        let noteRoot = String(noteLines[2])
        let root = try #require(labelledRoot(in: checkpoint.stderr), "\(checkpoint.stderr)")
        #expect(checkpoint.stderr.hasPrefix("rrm-ledger: size 5, root hex "))
        #expect(root.base64 == noteRoot)
        #expect(root.hex.count == 64)
        #expect(Data(base64Encoded: root.base64).map { $0.map { String(format: "%02x", $0) }.joined() } == root.hex)

        let audit = try cli.run(["audit", "--ledger", "l.sqlite", "--key", "k.pub", "--state", "auditor"])
        #expect(audit.status == 0)
        #expect(labelledRoot(in: audit.stdout)?.hex == root.hex)
        #expect(labelledRoot(in: audit.stdout)?.base64 == root.base64)

        let proof = try cli.run(["prove", "inclusion", "--ledger", "l.sqlite", "crit-1"])
        let verified = try cli.run(["verify-proof", "-", "--key", "k.pub"], stdin: proof.stdout)
        #expect(verified.status == 0)
        #expect(labelledRoot(in: verified.stdout)?.hex == root.hex)

        let export = try cli.run(["export", "--ledger", "l.sqlite", "--out", "a.tar.gz"])
        #expect(export.status == 0)
        #expect(labelledRoot(in: export.stdout)?.hex == root.hex)
        let archive = try cli.run(["verify-archive", "a.tar.gz", "--key", "k.pub"])
        #expect(archive.status == 0)
        #expect(labelledRoot(in: archive.stdout)?.hex == root.hex)
        #expect(labelledRoot(in: archive.stdout)?.base64 == root.base64)
        // The manifest's root (hex, as ARCHIVES.md specifies) is the same full hex.
        let manifest = try TarTool.manifest(of: "a.tar.gz", in: cli)
        #expect((manifest["checkpoint"] as? [String: Any])?["root"] as? String == root.hex)

        let report = try cli.run(["report", "--ledger", "l.sqlite"])
        // The report wraps its lines; unwrapped, the root is as everywhere else.
        let unwrapped = report.stdout.replacingOccurrences(of: "\n  ", with: " ")
        #expect(labelledRoot(in: unwrapped)?.hex == root.hex)
        #expect(labelledRoot(in: unwrapped)?.base64 == root.base64)

        // JSON gives both too, under their names.
        let json = try cli.run(["verify-archive", "a.tar.gz", "--format", "json"])
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let described = object?["checkpoint"] as? [String: Any]
        #expect(described?["root_hex"] as? String == root.hex)
        #expect(described?["root_base64"] as? String == root.base64)
        let again = try cli.run(["checkpoint", "--ledger", "l.sqlite", "--key", "k.key", "--format", "json"])
        let signed = try JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as? [String: Any]
        #expect(signed?["root"] as? String == root.base64)
        #expect(signed?["root_hex"] as? String == root.hex)
    }
}
