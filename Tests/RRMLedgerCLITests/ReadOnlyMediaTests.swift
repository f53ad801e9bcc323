import Foundation
import GRDB
import RRMLedger
import Synchronization
import Testing

/// Read-only media (docs/RELIABILITY.md section 4). Root ignores permission bits, so the real
/// binary runs as an unprivileged user (nobody, 65534, through util-linux's `setpriv`) on
/// ledgers whose files (0444) and folder (0555) belong to root: as a copied read-only disk
/// would be, with the -wal and -shm files of a live ledger, and without them (checkpointed and
/// removed, the usual state of a closed ledger).
@Suite(.enabled(if: Nobody.isPossible, "running as another user needs root and setpriv"))
struct ReadOnlyMediaTests {
    /// Copies `files` of the ledger into a new folder `name`, then makes them root's and read-only.
    func readOnlyCopy(_ cli: CLIProcess, _ name: String, suffixes: [String]) throws -> String {
        let folder = cli.path(name)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        for suffix in suffixes {
            try FileManager.default.copyItem(atPath: cli.path("l.sqlite") + suffix, toPath: folder + "/l.sqlite" + suffix)
            try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: folder + "/l.sqlite" + suffix)
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: folder)
        return "\(name)/l.sqlite"
    }

    /// Every file in a folder with its bytes.
    func contents(_ cli: CLIProcess, _ folder: String) throws -> [String: Data] {
        var files: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: cli.path(folder)) {
            files[name] = FileManager.default.contents(atPath: cli.path(folder) + "/" + name)
        }
        return files
    }

    @Test func aReadOnlyLedgerCanBeVerifiedQueriedAndExportedButNotAppendedTo() throws {
        let cli = try CLIProcess()
        let base = TestBatch(name: "b0", size: 60)
        let later = TestBatch(name: "b1", size: 30, earlierModel: "b0-m")
        #expect(try cli.run(["init", "--ledger", "l.sqlite"]).status == 0)
        #expect(try cli.run(["append", "--ledger", "l.sqlite", "-"], stdin: base.text).status == 0)
        #expect(try cli.run(["keygen", "--ledger", "l.sqlite", "--out", "k"]).status == 0)
        #expect(try cli.run(["checkpoint", "--ledger", "l.sqlite", "--key", "k.key"]).status == 0)
        let closedHead = try cli.run(["head", "--ledger", "l.sqlite"]).stdout
        // Closed: every process ended, so the -wal file is empty (or gone): the main file holds
        // everything, and is copied alone.
        #expect((fileSize(cli.path("l.sqlite-wal")) ?? 0) == 0)
        let closed = try readOnlyCopy(cli, "closed", suffixes: [""])

        // Live: while another connection holds the ledger open, an append's entries stay in the
        // -wal file; the three files are copied as they are.
        let holder = try DatabaseQueue(path: cli.path("l.sqlite"))
        try holder.read { db in _ = try Int.fetchOne(db, sql: "SELECT count(*) FROM entry") }
        #expect(try cli.run(["append", "--ledger", "l.sqlite", "-"], stdin: later.text).status == 0)
        let liveHead = try cli.run(["head", "--ledger", "l.sqlite"]).stdout
        #expect((fileSize(cli.path("l.sqlite-wal")) ?? 0) > 0)
        let live = try readOnlyCopy(cli, "live", suffixes: ["", "-wal", "-shm"])
        // The same without the -shm file (backup tools often leave it out): the -wal file's
        // entries cannot be read, which must be said, not skipped.
        let walOnly = try readOnlyCopy(cli, "wal-only", suffixes: ["", "-wal"])
        try holder.close()

        let out = cli.path("out")
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: false)
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: out)

        for (ledger, entries, head) in [(closed, 60, closedHead), (live, 90, liveHead)] {
            let folder = String(ledger.split(separator: "/")[0])
            let before = try contents(cli, folder)
            let verify = try Nobody.run(cli, ["verify", "--ledger", ledger])
            #expect(
                verify.status == 0 && verify.stdout.hasPrefix("ok: \(entries) entries verified"),
                "\(ledger): \(verify.stdout)\(verify.stderr)")
            let deep = try Nobody.run(cli, ["verify", "--ledger", ledger, "--deep"])
            #expect(deep.status == 0, "\(ledger): \(deep.stdout)\(deep.stderr)")
            #expect(try Nobody.run(cli, ["head", "--ledger", ledger]).stdout == head)
            let queries = [
                ["show", "b0-3"], ["log", "--limit", "3"], ["stats"], ["lineage", "b0-m"], ["report"], ["trace", "b0-2"],
                ["prove", "inclusion", "b0-3"], ["audit", "--key", "k.pub", "--state", "out/audit-\(folder)"],
            ]
            for query in queries {
                let result = try Nobody.run(cli, query + ["--ledger", ledger])
                #expect(result.status == 0 && !result.stdout.isEmpty, "\(ledger) \(query): \(result.stderr)")
            }
            #expect(try Nobody.run(cli, ["report", "--ledger", ledger]).stdout.contains("chain verified"))
            let archive = "out/\(folder).tar.gz"
            let export = try Nobody.run(cli, ["export", "--ledger", ledger, "--out", archive])
            #expect(export.status == 0, "\(ledger): \(export.stderr)")
            let verifyArchive = try cli.run(["verify-archive", archive, "--key", "k.pub"])
            #expect(verifyArchive.status == 0, "\(ledger): \(verifyArchive.stdout)\(verifyArchive.stderr)")

            // Appending is refused, clearly, and changes nothing.
            try cli.write(TestBatch(name: "b9", size: 5, earlierModel: "b0-m").text, to: "more.jsonl")
            let append = try Nobody.run(cli, ["append", "--ledger", ledger, "more.jsonl"])
            #expect(append.status == 74, "\(ledger): \(append.stderr)")
            #expect(
                append.stderr
                    == "rrm-ledger: error: cannot write to \(ledger): the ledger or its folder is read-only; the ledger is unchanged\n")
            #expect(try contents(cli, folder) == before, "\(ledger)")
        }

        // Without the -shm file, every reader refuses (74) rather than show the ledger without
        // the -wal file's entries.
        let before = try contents(cli, "wal-only")
        for query in [["verify"], ["stats"], ["head"], ["export", "--out", "out/wal-only.tar.gz"]] {
            let result = try Nobody.run(cli, [query[0], "--ledger", walOnly] + query.dropFirst())
            #expect(result.status == 74, "\(query): \(result.stdout)\(result.stderr)")
            #expect(result.stderr.hasPrefix("rrm-ledger: error: cannot read \(walOnly): its -wal file holds entries"), "\(result.stderr)")
        }
        #expect(try contents(cli, "wal-only") == before)
        #expect(!FileManager.default.fileExists(atPath: cli.path("out/wal-only.tar.gz")))
        Reliability.report("read-only", ["cases": Nobody.runs.withLock { $0 }, "ledgers": 3])
    }
}

/// Runs the binary as nobody (65534) through util-linux's `setpriv`.
enum Nobody {
    static let setpriv = "/usr/bin/setpriv"
    static let flags = ["--reuid=65534", "--regid=65534", "--clear-groups"]
    /// Commands run as nobody so far, for the figures.
    static let runs = Mutex(0)

    static let isPossible: Bool = {
        guard Reliability.isRoot, FileManager.default.isExecutableFile(atPath: setpriv) else { return false }
        // The binary must be reachable by nobody (it is unless the build folder is private).
        return runTool([setpriv] + flags + [CLIProcess.binary.path, "--version"]) == 0
    }()

    /// Runs `rrm-ledger arguments…` as nobody, in the test's folder.
    static func run(_ cli: CLIProcess, _ arguments: [String]) throws -> CLIProcess.Result {
        runs.withLock { $0 += 1 }
        let process = cli.start(arguments)
        process.executableURL = URL(fileURLWithPath: setpriv)
        process.arguments = flags + [CLIProcess.binary.path] + arguments
        return try CLIProcess.collect(process)
    }
}
