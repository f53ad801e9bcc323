import Foundation
import GRDB
import Testing

/// The command line's edges (docs/RELIABILITY.md section 9): odd files where a ledger or an
/// input is expected, and commands racing for the same file, all as real processes.
@Suite struct HardeningTests {
    /// Starts every command at once (each process configured first, then all launched in a
    /// tight loop), waits for all and returns their results in order; a command still running
    /// after `timeout` seconds is killed and reported as such.
    static func race(_ cli: CLIProcess, _ commands: [[String]], timeout: Double = 20) throws -> [RaceResult] {
        let processes = commands.map { cli.start($0) }
        let pipes = processes.map { process -> (Pipe, Pipe) in
            let pipes = (Pipe(), Pipe())
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = pipes.0
            process.standardError = pipes.1
            return pipes
        }
        for process in processes { try process.run() }
        // Both pipes are drained while the commands run, so one that prints more than a pipe
        // holds (a megabyte of stored text) is not blocked into looking hung.
        let drains = pipes.map { (PipeDrain($0.0), PipeDrain($0.1)) }
        let deadline = Date().addingTimeInterval(timeout)
        return zip(processes, drains).map { process, drains in
            while process.isRunning && Date() < deadline { usleep(1000) }
            let hung = process.isRunning
            if hung { kill(process.processIdentifier, SIGKILL) }
            let stdout = drains.0.wait()
            let stderr = drains.1.wait()
            process.waitUntilExit()
            return RaceResult(
                status: process.terminationStatus, signalled: process.terminationReason != .exit || hung,
                stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
        }
    }

    /// Reads a pipe to its end on a thread of its own.
    final class PipeDrain: @unchecked Sendable {
        private var data = Data()
        private let done = DispatchSemaphore(value: 0)

        init(_ pipe: Pipe) {
            let handle = pipe.fileHandleForReading
            Thread.detachNewThread { [self] in
                data = handle.readDataToEndOfFile()
                done.signal()
            }
        }

        /// Everything the pipe held, once its writers closed it.
        func wait() -> Data {
            done.wait()
            return data
        }
    }

    struct RaceResult {
        let status: Int32
        /// Ended by a signal (a trap), or killed for running past the timeout.
        let signalled: Bool
        let stdout: String
        let stderr: String
    }

    /// Files other than `keep` left in the folder: temporary files a command should have removed.
    static func strays(_ cli: CLIProcess, keeping keep: Set<String>) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: cli.folder.path)) ?? []
        return names.filter { !keep.contains($0) }.sorted()
    }

    // MARK: - init racing init

    @Test func concurrentInitsOfOnePathLeaveExactlyOneWinnerAndTheOthersExit73() throws {
        let cli = try CLIProcess()
        let rounds = Reliability.knob("RRM_HARDENING_ROUNDS", default: 25)
        let processes = 6
        var failures: [String] = []
        for round in 0..<rounds {
            let name = "r\(round).sqlite"
            let results = try Self.race(cli, Array(repeating: ["init", "--ledger", name], count: processes))
            let winners = results.filter { $0.status == 0 }.count
            let refused = results.filter {
                $0.status == 73 && $0.stderr == "rrm-ledger: error: \(name) already exists; refusing to overwrite it\n"
            }
            if winners != 1 || refused.count != processes - 1 || results.contains(where: \.signalled) {
                failures.append("round \(round): " + results.map { "exit \($0.status) \($0.stderr.prefix(160))" }.joined(separator: " | "))
                continue
            }
            let head = try cli.run(["head", "--ledger", name])
            if head.status != 0 || !head.stdout.hasPrefix("0:") { failures.append("round \(round): head \(head.status) \(head.stderr)") }
        }
        #expect(failures.isEmpty, "\(failures.count) of \(rounds) rounds failed:\n\(failures.joined(separator: "\n"))")
        // No temporary ledger was left behind: only the ledgers (and their -wal/-shm files).
        let strays = Self.strays(cli, keeping: []).filter { !$0.hasPrefix("r") }
        #expect(strays.isEmpty, "\(strays)")
        Reliability.report("init-race", ["cases": rounds, "processes": processes, "failures": failures.count])
    }

    // MARK: - Odd files as --ledger

    @Test func aFIFOOrAFolderAsTheLedgerIsRefusedAtOnceNotWaitedOn() throws {
        let cli = try CLIProcess()
        #expect(mkfifo(cli.path("pipe.sqlite"), 0o644) == 0)
        try FileManager.default.createDirectory(atPath: cli.path("folder.sqlite"), withIntermediateDirectories: false)
        try cli.write(CommandLineTests.events, to: "events.jsonl")
        var commands: [[String]] = []
        for ledger in ["pipe.sqlite", "folder.sqlite"] {
            commands += [
                ["verify", "--ledger", ledger], ["head", "--ledger", ledger], ["append", "--ledger", ledger, "events.jsonl"],
                ["report", "--ledger", ledger],
            ]
        }
        let results = try Self.race(cli, commands, timeout: 10)
        for (command, result) in zip(commands, results) {
            #expect(!result.signalled, "\(command) hung or trapped")
            #expect(result.status == 65, "\(command): \(result.stderr)")
            let kind = command[2] == "pipe.sqlite" ? "a FIFO (named pipe)" : "a directory"
            #expect(result.stderr == "rrm-ledger: error: \(command[2]) is not an rrm-ledger ledger (it is \(kind), not a regular file)\n")
        }
        #expect(try cli.run(["init", "--ledger", "pipe.sqlite"]).status == 73)
    }

    @Test func aSQLiteFileWithTheLedgersIdButNoTablesIsMalformedNotAnInternalError() throws {
        let cli = try CLIProcess()
        for version in [1, 2] {
            let name = "hollow-v\(version).sqlite"
            let queue = try DatabaseQueue(path: cli.path(name))
            try queue.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA application_id = 1381125452; PRAGMA user_version = \(version)")
                // One table of the schema, not the others: still not a ledger.
                try db.execute(sql: "CREATE TABLE ledger_info (key TEXT PRIMARY KEY, value TEXT)")
            }
            try queue.close()
            for command in [["verify"], ["head"], ["stats"], ["append", "-"]] {
                let result = try cli.run(command + ["--ledger", name], stdin: CommandLineTests.events)
                #expect(result.status == 65, "\(command) v\(version): \(result.stderr)")
                #expect(
                    result.stderr
                        == "rrm-ledger: error: \(name) is not an rrm-ledger ledger (it has the ledger's application id but no entry, checkpoint table: a damaged or hand-made file)\n"
                )
            }
        }
    }

    @Test func initRefusesADanglingSymbolicLinkAndFollowsNone() throws {
        let cli = try CLIProcess()
        try FileManager.default.createSymbolicLink(atPath: cli.path("l.sqlite"), withDestinationPath: "elsewhere.sqlite")
        let result = try cli.run(["init", "--ledger", "l.sqlite"])
        #expect(result.status == 73)
        #expect(
            result.stderr
                == "rrm-ledger: error: l.sqlite is a symbolic link to elsewhere.sqlite, which does not exist; refusing to create a ledger through it (remove the link, or give the path it points to)\n"
        )
        // Nothing was created, through the link or beside it; the link is as it was.
        #expect(Self.strays(cli, keeping: ["l.sqlite"]).isEmpty)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: cli.path("l.sqlite")) == "elsewhere.sqlite")
        // A link to an existing ledger is that ledger for every other command; init still refuses it.
        #expect(try cli.run(["init", "--ledger", "elsewhere.sqlite"]).status == 0)
        #expect(try cli.run(["append", "--ledger", "l.sqlite", "-"], stdin: CommandLineTests.events).status == 0)
        #expect(try cli.run(["verify", "--ledger", "l.sqlite"]).stdout.hasPrefix("ok: 5 entries verified"))
        let again = try cli.run(["init", "--ledger", "l.sqlite"])
        #expect(again.status == 73)
        #expect(again.stderr == "rrm-ledger: error: l.sqlite already exists; refusing to overwrite it\n")
    }

    /// A full import creates its ledger as init does: through a dangling symbolic link, refused,
    /// with nothing made beside the link (the ledger is built under a hidden name first).
    @Test func importRefusesADanglingSymbolicLinkAndLeavesNothingBehind() throws {
        let cli = try CLIProcess()
        #expect(try cli.run(["init", "--ledger", "source.sqlite"]).status == 0)
        #expect(try cli.run(["append", "--ledger", "source.sqlite", "-"], stdin: CommandLineTests.events).status == 0)
        #expect(try cli.run(["export", "--ledger", "source.sqlite", "--out", "full.tar.gz"]).status == 0)
        try FileManager.default.createSymbolicLink(atPath: cli.path("l.sqlite"), withDestinationPath: "elsewhere.sqlite")
        let result = try cli.run(["import", "full.tar.gz", "--ledger", "l.sqlite"])
        #expect(result.status == 73)
        #expect(
            result.stderr
                == "rrm-ledger: error: l.sqlite is a symbolic link to elsewhere.sqlite, which does not exist; refusing to create a ledger through it (remove the link, or give the path it points to)\n"
        )
        #expect(Self.strays(cli, keeping: ["full.tar.gz", "l.sqlite"]).filter { !$0.hasPrefix("source.sqlite") }.isEmpty)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: cli.path("l.sqlite")) == "elsewhere.sqlite")
    }

    // MARK: - Outputs that must not be overwritten

    @Test func exportsAndReportsRacingForOneOutFileLeaveOneWinnerAndTheOthersExit73() throws {
        let cli = try CommandLineTests().populated()
        let rounds = Reliability.knob("RRM_HARDENING_ROUNDS", default: 25) / 2
        let processes = 4
        var failures: [String] = []
        for round in 0..<rounds {
            for (command, name) in [(["export"], "a\(round).tgz"), (["report", "--format", "json"], "r\(round).json")] {
                let arguments = command + ["--ledger", "l.sqlite", "--out", name]
                let results = try Self.race(cli, Array(repeating: arguments, count: processes))
                let winners = results.filter { $0.status == 0 }.count
                // With --format json the refusal is the JSON error object (docs/CLI.md, "Errors as JSON").
                let expected =
                    command.contains("json")
                    ? #"{"error":{"code":"already_exists","exit_status":73,"message":"\#(name) already exists; refusing to overwrite it"}}"#
                        + "\n"
                    : "rrm-ledger: error: \(name) already exists; refusing to overwrite it\n"
                let refused = results.filter { $0.status == 73 && $0.stderr == expected }
                if winners != 1 || refused.count != processes - 1 || results.contains(where: \.signalled) {
                    failures.append("\(name): " + results.map { "exit \($0.status) \($0.stderr.prefix(120))" }.joined(separator: " | "))
                }
            }
            // The winner's file is whole.
            let archive = try cli.run(["verify-archive", "a\(round).tgz"])
            if archive.status != 0 { failures.append("a\(round).tgz does not verify: \(archive.stdout)") }
            let report = try JSONSerialization.jsonObject(with: cli.bytes("r\(round).json") ?? Data()) as? [String: Any]
            if report == nil { failures.append("r\(round).json is not whole") }
        }
        #expect(failures.isEmpty, "\(failures.count) of \(2 * rounds) races failed:\n\(failures.joined(separator: "\n"))")
        let strays = Self.strays(cli, keeping: []).filter { $0.hasPrefix(".") }
        #expect(strays.isEmpty, "\(strays)")
        Reliability.report("out-race", ["cases": 2 * rounds, "processes": processes, "failures": failures.count])
    }

    @Test func everyOutFileIsRefusedWhenItExistsUnlessForceReplacesIt() throws {
        let cli = try CommandLineTests().populated()
        for (command, name) in [(["export"], "a.tgz"), (["report"], "r.txt")] {
            try cli.write("precious\n", to: name)
            let refused = try cli.run(command + ["--ledger", "l.sqlite", "--out", name])
            #expect(refused.status == 73, "\(command): \(refused.stderr)")
            #expect(refused.stderr == "rrm-ledger: error: \(name) already exists; refusing to overwrite it\n")
            #expect(refused.stdout.isEmpty)
            #expect(cli.bytes(name) == Data("precious\n".utf8))
            let forced = try cli.run(command + ["--ledger", "l.sqlite", "--out", name, "--force"])
            #expect(forced.status == 0, "\(command): \(forced.stderr)")
            #expect(cli.bytes(name) != Data("precious\n".utf8))
        }
        #expect(try cli.run(["verify-archive", "a.tgz"]).status == 0)
        #expect(String(decoding: cli.bytes("r.txt") ?? Data(), as: UTF8.self).contains("chain verified"))
        // A dangling symbolic link is something at the path too: refused, not followed.
        try FileManager.default.createSymbolicLink(atPath: cli.path("link.tgz"), withDestinationPath: "nowhere.tgz")
        #expect(try cli.run(["export", "--ledger", "l.sqlite", "--out", "link.tgz"]).status == 73)
        #expect(try cli.run(["report", "--ledger", "l.sqlite", "--out", "link.tgz"]).status == 73)
        #expect(!FileManager.default.fileExists(atPath: cli.path("nowhere.tgz")))
        #expect(Self.strays(cli, keeping: []).filter { $0.hasPrefix(".") }.isEmpty)
    }

    // MARK: - Oversized input

    /// Runs `rrm-ledger` through `sh -c`, with `script` (where "$RRM" is the binary) in an address
    /// space of `megabytes`: a command that read a 300 MB input whole could not run.
    static func runCapped(_ cli: CLIProcess, megabytes: Int, _ script: String) throws -> CLIProcess.Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "ulimit -v \(megabytes * 1000); \(script)"]
        process.currentDirectoryURL = cli.folder
        var environment = ProcessInfo.processInfo.environment
        environment["RRM"] = CLIProcess.binary.path
        process.environment = environment
        return try CLIProcess.collect(process)
    }

    @Test func oversizedProofsStatesAndKeysAreRefusedBeforeTheyAreReadWhole() throws {
        let cli = try CommandLineTests().populated()
        #expect(try cli.run(["keygen", "--ledger", "l.sqlite", "--out", "k"]).status == 0)
        #expect(try cli.run(["checkpoint", "--ledger", "l.sqlite", "--key", "k.key"]).status == 0)
        // Sparse 300 MB files: their size is what matters, not their bytes.
        let big = 300 << 20
        for name in ["big.proof", "state/checkpoint", "big.pub"] {
            try FileManager.default.createDirectory(atPath: cli.path("state"), withIntermediateDirectories: true)
            #expect(FileManager.default.createFile(atPath: cli.path(name), contents: nil))
            #expect(truncate(cli.path(name), off_t(big)) == 0)
        }
        let cases: [(script: String, message: String)] = [
            (#""$RRM" verify-proof big.proof --key k.pub"#, "big.proof: malformed proof: \(big) bytes, more than the limit of \(17 << 20)"),
            (
                // head is cut off by the refusal; its "Broken pipe" is not the command's.
                #"head -c 314572800 /dev/zero 2>/dev/null | "$RRM" verify-proof - --key k.pub"#,
                "standard input: malformed proof: more than the limit of \(17 << 20) bytes"
            ),
            (
                #""$RRM" audit --ledger l.sqlite --key k.pub --state state"#,
                "state/checkpoint (the trusted checkpoint): malformed note: \(big) bytes, more than the limit of \(1 << 20)"
            ),
            (#""$RRM" verify-proof - --key big.pub < /dev/null"#, "'big.pub' is larger than 65536 bytes; it is not a key file"),
        ]
        for (script, message) in cases {
            let result = try Self.runCapped(cli, megabytes: 250, script)
            #expect(result.status == 65, "\(script): \(result.stderr)")
            #expect(result.stderr == "rrm-ledger: error: \(message)\n", "\(script)")
        }
        #expect(fileSize(cli.path("state/checkpoint")) == big)
        // A FIFO with no writer is read as the empty input it is, not waited on.
        #expect(mkfifo(cli.path("pipe.proof"), 0o644) == 0)
        let fifo = try Self.race(cli, [["verify-proof", "pipe.proof", "--key", "k.pub"]], timeout: 10)[0]
        #expect(!fifo.signalled && fifo.status == 65, "\(fifo.stderr)")
    }
}
