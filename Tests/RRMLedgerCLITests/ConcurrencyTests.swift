import Foundation
import RRMLedger
import Testing

/// Concurrency (docs/RELIABILITY.md section 2): writers and readers, all real processes, on one
/// ledger at once. The writer that cannot get the lock in time is in CommandLineTests.
@Suite struct ConcurrencyTests {
    @Test func eightWritersWithReadersMeanwhileEndWithOneChainHoldingEveryBatchOnceAndContiguous() throws {
        let cli = try CLIProcess()
        let base = TestBatch(name: "b0", size: 20)
        #expect(try cli.run(["init", "--ledger", "l.sqlite"]).status == 0)
        #expect(try cli.run(["append", "--ledger", "l.sqlite", "-"], stdin: base.text).status == 0)

        // 8 writers, each appending 3 batches one after the other, of seeded random sizes.
        var random = SimulationRandom(seed: Reliability.seed &+ 2)
        let writers = 8
        let batchesPerWriter = 3
        var queues: [[TestBatch]] = []
        var planned = [base]
        for writer in 0..<writers {
            var queue: [TestBatch] = []
            for index in 0..<batchesPerWriter {
                let batch = TestBatch(name: "w\(writer)x\(index)", size: random.integer(in: 1...400), earlierModel: "b0-m")
                try cli.write(batch.text, to: "\(batch.name).jsonl")
                queue.append(batch)
                planned.append(batch)
            }
            queues.append(queue)
        }
        // Readers run the commands that read the most meanwhile, each again as soon as it ends,
        // and must always see a ledger that verifies (report refuses one that does not).
        let readerCommands: [[String]] = [
            ["verify", "--ledger", "l.sqlite"],
            ["report", "--ledger", "l.sqlite"],
            ["lineage", "--ledger", "l.sqlite", "b0-m", "--limit", "20"],
        ]
        var writing: [(RunningCommand, TestBatch)?] = Array(repeating: nil, count: writers)
        var reading: [RunningCommand?] = Array(repeating: nil, count: readerCommands.count)
        var readerRuns = Array(repeating: 0, count: readerCommands.count)
        var readerFailures: [String] = []
        var writerFailures: [String] = []
        while true {
            for writer in 0..<writers {
                if let (command, batch) = writing[writer] {
                    guard !command.process.isRunning else { continue }
                    let result = command.finish()
                    if result.status != 0 || !result.stdout.hasPrefix("appended \(grouped(batch.size)) entries") {
                        writerFailures.append("\(batch.name): exit \(result.status): \(result.stderr)")
                    }
                    writing[writer] = nil
                }
                if !queues[writer].isEmpty {
                    let batch = queues[writer].removeFirst()
                    writing[writer] = (
                        try RunningCommand(cli, ["append", "--ledger", "l.sqlite", "--wait", "60", "\(batch.name).jsonl"]), batch
                    )
                }
            }
            let writersBusy = writing.contains { $0 != nil }
            for reader in 0..<readerCommands.count {
                if let command = reading[reader] {
                    guard !command.process.isRunning else { continue }
                    let result = command.finish()
                    readerRuns[reader] += 1
                    let expected =
                        reader == 0 ? result.stdout.hasPrefix("ok: ") : reader == 1 ? result.stdout.contains("chain verified") : true
                    if result.status != 0 || !expected {
                        readerFailures.append("\(readerCommands[reader][0]): exit \(result.status): \(result.stdout)\(result.stderr)")
                    }
                    reading[reader] = nil
                }
                if writersBusy { reading[reader] = try RunningCommand(cli, readerCommands[reader]) }
            }
            if !writersBusy && !reading.contains(where: { $0 != nil }) { break }
            usleep(1000)
        }
        #expect(writerFailures.isEmpty, "\(writerFailures)")
        #expect(readerFailures.isEmpty, "\(readerFailures)")
        #expect(readerRuns.allSatisfy { $0 > 0 }, "reader runs: \(readerRuns)")

        // One chain that verifies deeply, every batch in it once and contiguous, nothing else.
        let verify = try cli.run(["verify", "--ledger", "l.sqlite", "--deep"])
        #expect(verify.status == 0, "\(verify.stdout)")
        let census = try BatchCensus(path: cli.path("l.sqlite"))
        var lost = 0
        for batch in planned {
            #expect(census.holdsWhole(batch), "\(batch.name): \(String(describing: census.counts[batch.name]))")
            lost += max(0, batch.size - (census.counts[batch.name]?.entries ?? 0))
        }
        #expect(census.counts.count == planned.count)
        let total = census.counts.values.map(\.entries).reduce(0, +)
        #expect(verify.stdout.hasPrefix("ok: \(grouped(total)) entries verified"))
        Reliability.report(
            "concurrency",
            [
                "cases": writers * batchesPerWriter, "writers": writers, "entries": total, "lost-entries": lost,
                "verify-runs": readerRuns[0], "report-runs": readerRuns[1], "lineage-runs": readerRuns[2],
                "writer-failures": writerFailures.count, "reader-failures": readerFailures.count,
            ])
    }
}
