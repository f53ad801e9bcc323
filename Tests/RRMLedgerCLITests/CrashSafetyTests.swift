import Foundation
import RRMLedger
import Testing

/// Crash safety (docs/RELIABILITY.md section 1): the real `rrm-ledger append` killed with
/// SIGKILL at seeded random moments, and power loss simulated by copying the files mid-append.
///
/// Knobs for longer runs: `RRM_RELIABILITY_KILLS` (default 300), `RRM_RELIABILITY_COPIES`
/// (default 150), `RRM_RELIABILITY_SEED`. Each test prints its figures as one `reliability:` line.
@Suite struct CrashSafetyTests {
    /// A fresh ledger every this many cases keeps verification after each case fast.
    static let casesPerLedger = 40

    /// A ledger for a run of cases, holding the committed base batch "b0" that later batches
    /// reference, and what became of the batches tried since.
    final class Round {
        let cli: CLIProcess
        let base = TestBatch(name: "b0", size: 50)
        /// Batches that must be there whole from now on: their append reported success, or a
        /// check found them whole after their append was killed.
        var committed: [TestBatch] = []
        /// Batches whose append was killed and that a check found absent: they must stay absent.
        var absent: [TestBatch] = []
        var cases = 0

        init() throws {
            cli = try CLIProcess()
            #expect(try cli.run(["init", "--ledger", "l.sqlite"]).status == 0)
            #expect(try cli.run(["append", "--ledger", "l.sqlite", "-"], stdin: base.text).status == 0)
            committed.append(base)
        }

        var ledger: String { cli.path("l.sqlite") }
    }

    /// What went wrong in all the checks of one test; every figure must stay 0.
    struct Damage {
        var lostEntries = 0
        var partialBatches = 0
        var verifyFailures = 0

        var isNone: Bool { lostEntries == 0 && partialBatches == 0 && verifyFailures == 0 }
    }

    /// How long an append of `size` events takes, learnt from the appends that ran to the end,
    /// and how long the process takes to start and open the ledger (from `head`).
    struct DurationModel {
        private var perBucket: [Int: Double] = [:]
        private(set) var startUp = 0.01

        private func bucket(_ size: Int) -> Int { Int(log2(Double(size))) }

        func expected(_ size: Int) -> Double { perBucket[bucket(size)] ?? (0.02 + Double(size) * 0.00003) }

        mutating func learn(_ size: Int, _ seconds: Double) {
            perBucket[bucket(size)] = 0.7 * expected(size) + 0.3 * seconds
        }

        mutating func learnStartUp(_ seconds: Double) {
            startUp = 0.7 * startUp + 0.3 * seconds
        }

        /// When to strike, one of three ways: anywhere in the append's expected duration; after
        /// start-up, when the ledger is open; or in its last part, when the batch is re-verified,
        /// committed and checkpointed. A little past the end too, as durations vary.
        func strikeTime(_ size: Int, _ random: inout SimulationRandom) -> Double {
            let total = expected(size)
            switch random.integer(in: 0...2) {
            case 0: return random.unit() * 1.05 * total
            case 1: return min(startUp, total) + random.unit() * 1.05 * max(0, total - startUp)
            default: return total * (0.6 + random.unit() * 0.45)
            }
        }
    }

    /// Batch sizes from one event to a few thousand, weighted towards small batches.
    static func batchSize(_ random: inout SimulationRandom) -> Int {
        switch random.integer(in: 0...9) {
        case 0: return 1
        case 1...3: return random.integer(in: 2...20)
        case 4...6: return random.integer(in: 21...300)
        default: return random.integer(in: 301...2500)
        }
    }

    /// Verifies the ledger at `path` and checks every batch: `committed` whole, `absent` absent,
    /// `inFlight` whole or absent, nothing else present. Adds what it finds to `damage`.
    @discardableResult
    static func check(_ path: String, committed: [TestBatch], absent: [TestBatch], inFlight: TestBatch?, into damage: inout Damage)
        throws -> BatchCensus
    {
        let report = try Ledger.open(at: path, readOnly: true).verify()
        if !report.isIntact { damage.verifyFailures += 1 }
        let census = try BatchCensus(path: path)
        for batch in committed where !census.holdsWhole(batch) {
            damage.lostEntries += batch.size - min(batch.size, census.counts[batch.name]?.entries ?? 0)
            if census.counts[batch.name] != nil { damage.partialBatches += 1 }
        }
        for batch in absent where !census.lacks(batch) { damage.partialBatches += 1 }
        if let batch = inFlight, !census.holdsWhole(batch) && !census.lacks(batch) { damage.partialBatches += 1 }
        let known = Set((committed + absent + [inFlight].compactMap { $0 }).map(\.name))
        damage.partialBatches += census.counts.keys.filter { !known.contains($0) }.count
        return census
    }

    @Test func appendsKilledAtRandomMomentsNeverBreakTheChainOrLoseACommittedBatch() throws {
        let wantedKills = Reliability.knob("RRM_RELIABILITY_KILLS", default: 300)
        var random = SimulationRandom(seed: Reliability.seed)
        var durations = DurationModel()
        var damage = Damage()
        var cases = 0
        var kills = 0
        var killedBeforeOpening = 0
        var killedWithLedgerOpen = 0
        var killedWhileWriting = 0
        var killedAfterCommit = 0
        var completed = 0
        var processVerifies = 0
        var retriesRecognised = 0
        var round = try Round()
        while kills < wantedKills {
            if round.cases == Self.casesPerLedger { round = try Round() }
            if round.cases % 10 == 0 {
                let start = Date()
                try round.cli.run(["head", "--ledger", "l.sqlite"])
                durations.learnStartUp(Date().timeIntervalSince(start))
            }
            round.cases += 1
            cases += 1
            let batch = TestBatch(name: "b\(cases)", size: Self.batchSize(&random), earlierModel: "b0-m")
            try round.cli.write(batch.text, to: "batch.jsonl")
            let delay = durations.strikeTime(batch.size, &random)
            let walBefore = fileStamp(round.ledger + "-wal")
            let append = try RunningCommand(round.cli, ["append", "--ledger", "l.sqlite", "batch.jsonl"])
            // Every eighth append runs to its end: appends must go on working after kills, and
            // their durations keep the strike times inside the appends.
            let spared = cases % 8 == 0
            pause(spared ? 0 : delay)
            let ledgerWasOpen = append.hasOpen(round.ledger)
            if !spared { append.send(SIGKILL) }
            let result = append.finish()
            let walAfter = fileStamp(round.ledger + "-wal")
            if result.killed {
                kills += 1
                let census = try Self.check(round.ledger, committed: round.committed, absent: round.absent, inFlight: batch, into: &damage)
                if census.holdsWhole(batch) {
                    killedAfterCommit += 1
                    round.committed.append(batch)
                    // A pipeline that retries the batch it never saw reported cannot record it
                    // twice: every event is found already recorded, and nothing is appended.
                    let retry = try round.cli.run(["append", "--ledger", "l.sqlite", "batch.jsonl"])
                    #expect(
                        retry.status == 0 && retry.stdout.hasPrefix("appended 0 entries")
                            && retry.stdout.contains("\(grouped(batch.size)) events already recorded"),
                        "\(retry.stdout) \(retry.stderr)")
                    retriesRecognised += retry.status == 0 ? 1 : 0
                } else {
                    // How far the process had gone: not yet open the ledger; opened it (reading,
                    // or building the batch in memory); begun writing (its -wal file changed and
                    // holds frames: opening a closed ledger makes an empty one).
                    if walBefore != walAfter && (walAfter?[1] ?? 0) > 0 {
                        killedWhileWriting += 1
                    } else if ledgerWasOpen {
                        killedWithLedgerOpen += 1
                    } else {
                        killedBeforeOpening += 1
                    }
                    round.absent.append(batch)
                }
            } else {
                #expect(result.status == 0, "\(batch.name) (\(batch.size) events): \(result.stderr)")
                #expect(result.stdout.hasPrefix("appended \(grouped(batch.size)) entries"), "\(result.stdout)")
                completed += 1
                // Only a spared append's time is its duration; the others were waited for.
                if spared { durations.learn(batch.size, result.seconds) }
                round.committed.append(batch)
                try Self.check(round.ledger, committed: round.committed, absent: round.absent, inFlight: nil, into: &damage)
            }
            // The library verified; now and then the command does too, as a user would.
            if cases % 10 == 0 {
                let verify = try round.cli.run(["verify", "--ledger", "l.sqlite"])
                #expect(verify.status == 0 && verify.stdout.hasPrefix("ok: "), "\(verify.stdout)\(verify.stderr)")
                processVerifies += 1
            }
        }
        let figures = Reliability.report(
            "crash-safety",
            [
                "seed": Int(truncatingIfNeeded: Reliability.seed), "cases": cases, "injected": kills, "kills": kills,
                "killed-before-opening": killedBeforeOpening, "killed-with-ledger-open": killedWithLedgerOpen,
                "killed-while-writing": killedWhileWriting,
                "killed-after-commit": killedAfterCommit,
                "retries-recognised": retriesRecognised, "completed": completed, "verify-processes": processVerifies,
                "verify-failures": damage.verifyFailures,
                "partial-batches": damage.partialBatches, "lost-entries": damage.lostEntries,
            ])
        #expect(damage.isNone, "\(figures)")
        // Appends went on working after kills; and in a run of any length, the kills struck at
        // every stage, or the test proved little.
        #expect(completed > 0, "\(figures)")
        #expect(
            wantedKills < 100
                || (killedBeforeOpening > 0 && killedWithLedgerOpen > 0 && killedWhileWriting > 0 && killedAfterCommit > 0), "\(figures)")
    }

    /// Power loss, simulated: while an append runs, the process is frozen (SIGSTOP) at a random
    /// moment, the ledger, -wal and -shm files are copied, and it is let go. The copy is what a
    /// disk would hold if power failed at that instant with everything written so far on it
    /// (freezing makes the three copies one instant; copying a running writer's files one after
    /// the other could pair a -wal file with a main file from another moment, which no power
    /// loss can produce). The copy must verify and hold every batch committed before, and the
    /// one in flight whole or not at all.
    @Test func copiesTakenMidAppendAsAtPowerLossVerifyAndHoldExactlyTheCommittedBatches() throws {
        let wantedCopies = Reliability.knob("RRM_RELIABILITY_COPIES", default: 150)
        var random = SimulationRandom(seed: Reliability.seed &+ 1)
        var durations = DurationModel()
        var damage = Damage()
        var copyDamage = Damage()
        var copiesWithBatch = 0
        var copiesWithoutBatch = 0
        var round = try Round()
        for copy in 1...max(1, wantedCopies) {
            if round.cases == Self.casesPerLedger { round = try Round() }
            round.cases += 1
            let batch = TestBatch(name: "b\(copy)", size: Self.batchSize(&random), earlierModel: "b0-m")
            try round.cli.write(batch.text, to: "batch.jsonl")
            let delay = durations.strikeTime(batch.size, &random)
            let append = try RunningCommand(round.cli, ["append", "--ledger", "l.sqlite", "batch.jsonl"])
            pause(delay)
            append.freeze()
            let frozen = Date()
            let snapshot = round.cli.folder.appendingPathComponent("power-loss")
            try FileManager.default.createDirectory(at: snapshot, withIntermediateDirectories: true)
            for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: round.ledger + suffix) {
                try FileManager.default.copyItem(
                    atPath: round.ledger + suffix, toPath: snapshot.appendingPathComponent("l.sqlite\(suffix)").path)
            }
            let frozenFor = Date().timeIntervalSince(frozen)
            append.resume()
            let result = append.finish()
            #expect(result.status == 0, "\(batch.name) (\(batch.size) events): \(result.stderr)")
            durations.learn(batch.size, result.seconds - frozenFor)

            // The copy: every batch committed before the freeze, and the one in flight whole or
            // not at all.
            let copyPath = snapshot.appendingPathComponent("l.sqlite").path
            let census = try Self.check(copyPath, committed: round.committed, absent: [], inFlight: batch, into: &copyDamage)
            census.holdsWhole(batch) ? (copiesWithBatch += 1) : (copiesWithoutBatch += 1)
            try FileManager.default.removeItem(at: snapshot)
            // The ledger itself, after the append ended.
            round.committed.append(batch)
            try Self.check(round.ledger, committed: round.committed, absent: [], inFlight: nil, into: &damage)
        }
        let figures = Reliability.report(
            "power-loss",
            [
                "seed": Int(truncatingIfNeeded: Reliability.seed &+ 1), "cases": max(1, wantedCopies), "injected": max(1, wantedCopies),
                "copies-before-commit": copiesWithoutBatch, "copies-after-commit": copiesWithBatch,
                "verify-failures": copyDamage.verifyFailures + damage.verifyFailures,
                "partial-batches": copyDamage.partialBatches + damage.partialBatches,
                "lost-entries": copyDamage.lostEntries + damage.lostEntries,
            ])
        #expect(damage.isNone && copyDamage.isNone, "\(figures)")
        // Both kinds of copy, unless a short run (RRM_RELIABILITY_COPIES) leaves it to chance.
        #expect(wantedCopies < 50 || (copiesWithBatch > 0 && copiesWithoutBatch > 0), "\(figures)")
    }
}
