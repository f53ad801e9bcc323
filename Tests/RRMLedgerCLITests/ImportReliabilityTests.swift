import Foundation
import Testing

/// `import` as real processes racing and killed (docs/RELIABILITY.md, "Import"): the base
/// check of an incremental import is made inside its write transaction, so an append or another
/// fork's increment racing it cannot land between check and write; a full import is built
/// beside the target and linked into place complete, so a SIGKILL never leaves a ledger the
/// retry refuses.
@Suite(.serialized) struct ImportReliabilityTests {
    /// A source ledger `s.sqlite` of `TestBatch` "base", checkpointed; `r0.sqlite` imported from
    /// its full archive, each round's receiver starts as a copy of it.
    func receiverAndSource(baseSize: Int = 200) throws -> CLIProcess {
        let cli = try CLIProcess()
        try cli.write(TestBatch(name: "base", size: baseSize).text, to: "base.jsonl")
        #expect(try cli.run(["init", "--ledger", "s.sqlite"]).status == 0)
        #expect(try cli.run(["append", "--ledger", "s.sqlite", "base.jsonl"]).status == 0)
        #expect(try cli.run(["export", "--ledger", "s.sqlite", "--out", "base.tar.gz"]).status == 0)
        let imported = try cli.run(["import", "--ledger", "r0.sqlite", "base.tar.gz"])
        #expect(imported.status == 0, "\(imported.stderr)")
        return cli
    }

    /// Appends `batch` to `ledger`, checkpoints it with a key of its own and exports what it
    /// holds after `since` entries as `out`.
    func increment(_ cli: CLIProcess, ledger: String, batch: TestBatch, since: Int, out: String) throws {
        try cli.write(batch.text, to: "\(batch.name).jsonl")
        #expect(try cli.run(["append", "--ledger", ledger, "\(batch.name).jsonl"]).status == 0)
        #expect(try cli.run(["keygen", "--ledger", ledger, "--out", "\(batch.name)-key"]).status == 0)
        #expect(try cli.run(["checkpoint", "--ledger", ledger, "--key", "\(batch.name)-key.key"]).status == 0)
        let export = try cli.run(["export", "--ledger", ledger, "--out", out, "--since", String(since)])
        #expect(export.status == 0, "\(export.stderr)")
    }

    /// A fresh receiver, the bytes of `r0.sqlite`.
    func resetReceiver(_ cli: CLIProcess) throws {
        try? FileManager.default.removeItem(atPath: cli.path("r.sqlite"))
        try FileManager.default.copyItem(atPath: cli.path("r0.sqlite"), toPath: cli.path("r.sqlite"))
    }

    @Test func anIncrementRacingAnAppendLandsBeforeItOrIsRefused() throws {
        let cli = try receiverAndSource()
        let inc = TestBatch(name: "inc", size: 100)
        try increment(cli, ledger: "s.sqlite", batch: inc, since: 200, out: "inc.tar.gz")
        let rounds = Reliability.knob("RRM_IMPORT_RACE_ROUNDS", default: 15)
        var failures: [String] = []
        var imported = 0
        var random = SystemRandomNumberGenerator()
        for round in 0..<rounds {
            try resetReceiver(cli)
            let racer = TestBatch(name: "race\(round)", size: 50)
            try cli.write(racer.text, to: "race.jsonl")
            // The append starts up to 0.3 s after the import, so that either may take the lock first.
            let importer = try RunningCommand(cli, ["import", "--ledger", "r.sqlite", "inc.tar.gz"])
            pause(Double.random(in: 0...0.3, using: &random))
            let appender = try RunningCommand(cli, ["append", "--ledger", "r.sqlite", "race.jsonl"])
            let results = [importer.finish(), appender.finish()]
            let census = try BatchCensus(path: cli.path("r.sqlite"))
            let verified = try cli.run(["verify", "--ledger", "r.sqlite"]).status == 0
            let (importing, appending) = (results[0], results[1])
            let held = census.counts[inc.name]
            let ok: Bool
            switch importing.status {
            case 0:
                imported += 1
                ok = census.holdsWhole(inc) && held?.first == 201
            case 65:
                ok = census.lacks(inc) && importing.stderr.contains("it continues a ledger of 200 entries")
            default:
                ok = false
            }
            if !(ok && appending.status == 0 && census.holdsWhole(racer) && verified) {
                failures.append(
                    "round \(round): import \(importing.status) \(importing.stderr), append \(appending.status), inc at \(String(describing: held)), verify \(verified)"
                )
            }
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
        Reliability.report("import-append-race", ["cases": rounds, "imported_first": imported, "failures": failures.count])
    }

    @Test func twoForksIncrementsImportedAtOnceNeverBothLand() throws {
        let cli = try receiverAndSource()
        try FileManager.default.copyItem(atPath: cli.path("r0.sqlite"), toPath: cli.path("a.sqlite"))
        try FileManager.default.copyItem(atPath: cli.path("r0.sqlite"), toPath: cli.path("b.sqlite"))
        let forks = [TestBatch(name: "forka", size: 80), TestBatch(name: "forkb", size: 80)]
        try increment(cli, ledger: "a.sqlite", batch: forks[0], since: 200, out: "a.tar.gz")
        try increment(cli, ledger: "b.sqlite", batch: forks[1], since: 200, out: "b.tar.gz")
        let rounds = Reliability.knob("RRM_IMPORT_RACE_ROUNDS", default: 15)
        var failures: [String] = []
        for round in 0..<rounds {
            try resetReceiver(cli)
            let results = try HardeningTests.race(
                cli, [["import", "--ledger", "r.sqlite", "a.tar.gz"], ["import", "--ledger", "r.sqlite", "b.tar.gz"]])
            let census = try BatchCensus(path: cli.path("r.sqlite"))
            let verified = try cli.run(["verify", "--ledger", "r.sqlite"]).status == 0
            let winners = results.indices.filter { results[$0].status == 0 }
            let losersRefused = results.indices.allSatisfy { results[$0].status == 0 || results[$0].status == 65 }
            guard winners.count == 1, let winner = winners.first, losersRefused, verified,
                census.holdsWhole(forks[winner]), census.lacks(forks[1 - winner]), census.counts[forks[winner].name]?.first == 201
            else {
                failures.append("round \(round): exits \(results.map(\.status)), census \(census.counts.keys.sorted()), verify \(verified)")
                continue
            }
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
        Reliability.report("import-fork-race", ["cases": rounds, "processes": 2, "failures": failures.count])
    }

    @Test func aKilledFullImportLeavesNoLedgerOrACompleteOne() throws {
        let cli = try receiverAndSource(baseSize: 20_000)
        let head = try cli.run(["head", "--ledger", "s.sqlite"]).stdout
        // How long one import takes here, to kill the others at moments spread over it.
        let timed = Date()
        #expect(try cli.run(["import", "--ledger", "timed.sqlite", "base.tar.gz"]).status == 0)
        let duration = Date().timeIntervalSince(timed)
        var random = SystemRandomNumberGenerator()
        let rounds = Reliability.knob("RRM_IMPORT_KILL_ROUNDS", default: 12)
        var failures: [String] = []
        var (absent, complete) = (0, 0)
        for round in 0..<rounds {
            let target = "k\(round).sqlite"
            let running = try RunningCommand(cli, ["import", "--ledger", target, "base.tar.gz"])
            pause(Double.random(in: 0...(duration * 1.5), using: &random))
            running.send(SIGKILL)
            _ = running.finish()
            if FileManager.default.fileExists(atPath: cli.path(target)) {
                complete += 1
                let verify = try cli.run(["verify", "--ledger", target])
                let found = try cli.run(["head", "--ledger", target]).stdout
                if verify.status != 0 || found != head {
                    failures.append("round \(round): a ledger at the path, verify \(verify.status), head \(found)")
                }
            } else {
                absent += 1
                let retry = try cli.run(["import", "--ledger", target, "base.tar.gz"])
                if retry.status != 0 { failures.append("round \(round): the retry exited \(retry.status): \(retry.stderr)") }
            }
        }
        // What a kill may leave is a hidden temporary file, never under a ledger's name.
        let targets = (0..<rounds).map { "k\($0).sqlite" }
        let strays = HardeningTests.strays(
            cli, keeping: Set(["s.sqlite", "r0.sqlite", "timed.sqlite", "base.tar.gz", "base.jsonl"] + targets)
        )
        .filter { !$0.hasPrefix(".") && !$0.hasSuffix("-wal") && !$0.hasSuffix("-shm") }
        #expect(strays.isEmpty, "\(strays)")
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
        Reliability.report(
            "import-kill",
            ["cases": rounds, "absent": absent, "complete": complete, "import_ms": Int(duration * 1000), "failures": failures.count])
    }
}
