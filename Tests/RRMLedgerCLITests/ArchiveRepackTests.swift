import Foundation
import Testing

/// An archive repacked by the real GNU tar is refused with a message that says what it is and what
/// tar format is expected, and the repacking command the message gives makes an archive that
/// verifies (docs/CLI.md, `verify-archive`).
@Suite struct ArchiveRepackTests {
    /// A checkpointed ledger, its archive a.tar.gz, and the archive unpacked under `unpacked/`.
    func unpacked() throws -> (cli: CLIProcess, members: [String]) {
        let cli = try CommandLineTests().populated()
        #expect(try cli.run(["keygen", "--ledger", "l.sqlite", "--out", "k"]).status == 0)
        #expect(try cli.run(["checkpoint", "--ledger", "l.sqlite", "--key", "k.key"]).status == 0)
        #expect(try cli.run(["export", "--ledger", "l.sqlite", "--out", "a.tar.gz"]).status == 0)
        let members = try TarTool.run(["-tzf", "a.tar.gz"], in: cli.folder).split(separator: "\n").map(String.init)
        #expect(members == ["rrm-archive/manifest.json", "rrm-archive/entries-000001.jsonl", "rrm-archive/checkpoint.note"])
        try FileManager.default.createDirectory(atPath: cli.path("unpacked"), withIntermediateDirectories: true)
        try TarTool.run(["-xzf", "a.tar.gz", "-C", "unpacked"], in: cli.folder)
        return (cli, members)
    }

    func refusal(_ cli: CLIProcess, _ archive: String) throws -> String {
        let verified = try cli.run(["verify-archive", archive, "--key", "k.pub"])
        #expect(verified.status == 65, "\(archive): \(verified.status) \(verified.stdout)")
        let imported = try cli.run(["import", "--ledger", "copy-\(archive).sqlite", archive, "--key", "k.pub"])
        #expect(imported.status == 65)
        #expect(imported.stderr == verified.stderr)
        return verified.stderr
    }

    static let expected = "rrm-ledger archives are gzip'd POSIX ustar (IEEE 1003.1-1988) of regular files only"
    static let recipe =
        "tar --format=ustar -b 1 -czf NEW.tar.gz rrm-archive/manifest.json rrm-archive/entries-*.jsonl [rrm-archive/checkpoint.note]"

    @Test func theFolderPackedWholeIsRefusedAsADirectoryMemberWithTheFormatExpected() throws {
        let (cli, _) = try unpacked()
        try TarTool.run(["--format=gnu", "-czf", "../folder.tar.gz", "rrm-archive"], in: cli.folder.appendingPathComponent("unpacked"))
        let message = try refusal(cli, "folder.tar.gz")
        #expect(
            message.hasPrefix(
                "rrm-ledger: error: folder.tar.gz is not a valid rrm-ledger archive: member rrm-archive/ is a directory: refused; "))
        #expect(message.contains(Self.expected))
        #expect(message.contains(Self.recipe))
    }

    @Test func paxHeadersAreNamedAsPax() throws {
        let (cli, members) = try unpacked()
        try TarTool.run(["--format=pax", "-czf", "../pax.tar.gz"] + members, in: cli.folder.appendingPathComponent("unpacked"))
        let message = try refusal(cli, "pax.tar.gz")
        #expect(
            message.contains(
                "member rrm-archive/PaxHeaders/manifest.json is a pax extended header: the archive was repacked in pax format; "))
        #expect(message.contains(Self.expected))
    }

    @Test func gnuLongNamesAreNamedAsGNUTar() throws {
        let (cli, members) = try unpacked()
        // Unpacked deep enough that its paths pass ustar's 100-byte name field and its 155-byte prefix.
        let deep = (0..<6).map { _ in String(repeating: "d", count: 40) }.joined(separator: "/")
        try FileManager.default.createDirectory(atPath: cli.path("unpacked/\(deep)"), withIntermediateDirectories: true)
        try FileManager.default.moveItem(atPath: cli.path("unpacked/rrm-archive"), toPath: cli.path("unpacked/\(deep)/rrm-archive"))
        try TarTool.run(
            ["--format=gnu", "-czf", "../long.tar.gz"] + members.map { "\(deep)/\($0)" }, in: cli.folder.appendingPathComponent("unpacked"))
        let message = try refusal(cli, "long.tar.gz")
        #expect(message.contains("member ././@LongLink is a GNU tar long-name header: the archive was repacked in GNU tar format; "))
        #expect(message.contains(Self.recipe))
    }

    @Test func membersInAnotherOrderAreRefusedWithTheOrderExpected() throws {
        let (cli, members) = try unpacked()
        try TarTool.run(
            ["--format=ustar", "-czf", "../sorted.tar.gz"] + members.sorted(), in: cli.folder.appendingPathComponent("unpacked"))
        let message = try refusal(cli, "sorted.tar.gz")
        #expect(
            message.contains(
                "the first member is rrm-archive/checkpoint.note, not rrm-archive/manifest.json; the members must be in the order"))
    }

    @Test func tarsRecordPaddingIsNamedAsSuch() throws {
        let (cli, members) = try unpacked()
        // tar's default records are 10,240 bytes: the end marker is followed by zeros up to a record's end.
        try TarTool.run(["--format=ustar", "-czf", "../padded.tar.gz"] + members, in: cli.folder.appendingPathComponent("unpacked"))
        let message = try refusal(cli, "padded.tar.gz")
        #expect(message.contains(" zero bytes follow the tar archive's end marker, the record padding tar adds when it repacks an archive"))
        #expect(message.contains(Self.recipe))
    }

    @Test func theRecipeInTheMessageAndShortGNUMembersBothVerify() throws {
        let (cli, members) = try unpacked()
        for format in ["ustar", "gnu"] {
            try TarTool.run(
                ["--format=\(format)", "-b", "1", "-czf", "../\(format).tar.gz"] + members,
                in: cli.folder.appendingPathComponent("unpacked"))
            let verified = try cli.run(["verify-archive", "\(format).tar.gz", "--key", "k.pub"])
            #expect(verified.status == 0, "\(format): \(verified.stderr)")
            #expect(verified.stdout.hasPrefix("ok: 5 entries verified"))
        }
    }
}
