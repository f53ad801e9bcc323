import Foundation
import Testing

/// `rrm-ledger simulate` and `rrm-ledger demo` as real processes.
@Suite struct SimulateCommandTests {
    @Test func simulatesIntoANewLedgerAndPrintsTheTruth() throws {
        let cli = try CLIProcess()
        let result = try cli.run(["simulate", "--ledger", "s.sqlite", "--outputs", "50", "--seed", "3", "--truth", "truth.jsonl"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("simulated "))
        #expect(result.stdout.contains("levels 0 to 3, seed 3, into s.sqlite"))
        #expect(result.stdout.contains("true rates (hidden from the ledger):"))
        #expect(result.stdout.contains("hidden truth written to truth.jsonl"))
        #expect(FileManager.default.fileExists(atPath: cli.path("truth.jsonl")))
        #expect(try cli.run(["verify", "--ledger", "s.sqlite", "--deep"]).status == 0)
    }

    @Test func theSameSeedGivesTheSameHeadThroughTheCommandLine() throws {
        let cli = try CLIProcess()
        #expect(try cli.run(["simulate", "--ledger", "a.sqlite", "--outputs", "40"]).status == 0)
        #expect(try cli.run(["simulate", "--ledger", "b.sqlite", "--outputs", "40"]).status == 0)
        let a = try cli.run(["head", "--ledger", "a.sqlite"]).stdout
        let b = try cli.run(["head", "--ledger", "b.sqlite"]).stdout
        #expect(a == b)
        #expect(a.split(separator: ":").count == 2)
    }

    @Test(arguments: [
        (["--sycophancy=-0.1"], "--sycophancy is a probability"),
        (["--audit-rate", "1.5"], "--audit-rate is a probability"),
        (["--levels", "0"], "--levels must be from 1 to 50"),
        (["--seed", "abc"], "seed"),
        (["--inject", "1:opinion:0.2"], "--inject \"1:opinion:0.2\" must be level:kind:rate"),
        (["--inject", "0:critique:0.2"], "level 0 has no critiques"),
        (["--outputs", "10", "--entries", "1000"], "give --outputs or --entries, not both"),
        (["--outputs", "0"], "--outputs must be from 1"),
        (["--null", "--sycophancy", "0.3"], "--null sets --sycophancy to 0; give one or the other, not both"),
        (["--raters", "0"], "--raters must be from 1 to 1,000,000, not 0"),
        (["--rater-spread=-1"], "--rater-spread must be from 0 to 10, not -1.0"),
        (["--batch-effect", "nan"], "--batch-effect must be from 0 to 10"),
    ])
    func nonsenseParametersExit64AndWriteNothing(arguments: [String], message: String) throws {
        let cli = try CLIProcess()
        let result = try cli.run(["simulate", "--ledger", "s.sqlite", "--truth", "t.jsonl"] + arguments)
        #expect(result.status == 64)
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: cli.path("s.sqlite")))
        #expect(!FileManager.default.fileExists(atPath: cli.path("t.jsonl")))
    }

    @Test func theNullPresetIsTheFiveSwitchesAtZero() throws {
        let cli = try CLIProcess()
        #expect(try cli.run(["simulate", "--ledger", "null.sqlite", "--outputs", "60", "--null"]).status == 0)
        let switches = ["--difficulty-growth", "--reward-hacking", "--critic-degradation", "--assistance-benefit", "--sycophancy"]
        #expect(try cli.run(["simulate", "--ledger", "zero.sqlite", "--outputs", "60"] + switches.flatMap { [$0, "0"] }).status == 0)
        #expect(try cli.run(["simulate", "--ledger", "defaults.sqlite", "--outputs", "60"]).status == 0)
        let null = try cli.run(["head", "--ledger", "null.sqlite"]).stdout
        #expect(null == (try cli.run(["head", "--ledger", "zero.sqlite"]).stdout))
        #expect(null != (try cli.run(["head", "--ledger", "defaults.sqlite"]).stdout))
    }

    @Test func aLedgerWithEntriesIsReplacedOnlyWithFresh() throws {
        let cli = try CLIProcess()
        #expect(try cli.run(["simulate", "--ledger", "s.sqlite", "--outputs", "20", "--seed", "1"]).status == 0)
        let before = cli.bytes("s.sqlite")
        let refused = try cli.run(["simulate", "--ledger", "s.sqlite", "--outputs", "20", "--seed", "2"])
        #expect(refused.status == 64)
        #expect(refused.stderr.contains("already holds"))
        #expect(refused.stderr.contains("--fresh"))
        #expect(cli.bytes("s.sqlite") == before)
        let replaced = try cli.run(["simulate", "--ledger", "s.sqlite", "--outputs", "20", "--seed", "2", "--fresh"])
        #expect(replaced.status == 0)
        #expect(cli.bytes("s.sqlite") != before)
    }

    @Test func simulateRefusesToReplaceAFileThatIsNotALedger() throws {
        let cli = try CLIProcess()
        try cli.write("precious notes\n", to: "notes.txt")
        let result = try cli.run(["simulate", "--ledger", "notes.txt", "--outputs", "5", "--fresh"])
        #expect(result.status == 65)
        #expect(try String(contentsOfFile: cli.path("notes.txt"), encoding: .utf8) == "precious notes\n")
    }

    @Test func writesEventsToAFileForOtherTools() throws {
        let cli = try CLIProcess()
        let result = try cli.run(["simulate", "--events-out", "events.jsonl", "--outputs", "30"])
        #expect(result.status == 0)
        try cli.run(["init", "--ledger", "l.sqlite"])
        let appended = try cli.run(["append", "--ledger", "l.sqlite", "events.jsonl"])
        #expect(appended.status == 0)
        let simulated = try cli.run(["simulate", "--ledger", "direct.sqlite", "--outputs", "30"])
        #expect(simulated.status == 0)
        #expect(try cli.run(["head", "--ledger", "l.sqlite"]).stdout == (try cli.run(["head", "--ledger", "direct.sqlite"]).stdout))
    }

    @Test func truthAndEventFilesNeverOverwriteAnExistingFileUnlessForced() throws {
        let cli = try CLIProcess()
        try cli.write("precious\n", to: "truth.jsonl")
        try cli.write("precious\n", to: "events.jsonl")
        let truth = try cli.run(["simulate", "--ledger", "s.sqlite", "--outputs", "20", "--truth", "truth.jsonl"])
        #expect(truth.status == 73)
        #expect(truth.stderr.contains("truth.jsonl already exists"), "\(truth.stderr)")
        #expect(!FileManager.default.fileExists(atPath: cli.path("s.sqlite")), "the ledger was touched before the refusal")
        let events = try cli.run(["simulate", "--events-out", "events.jsonl", "--outputs", "20"])
        #expect(events.status == 73)
        for name in ["truth.jsonl", "events.jsonl"] {
            #expect(try String(contentsOfFile: cli.path(name), encoding: .utf8) == "precious\n")
        }
        let forced = try cli.run(["simulate", "--events-out", "events.jsonl", "--truth", "truth.jsonl", "--outputs", "20", "--force"])
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(try String(contentsOfFile: cli.path("events.jsonl"), encoding: .utf8).hasPrefix("{"))
        #expect(try String(contentsOfFile: cli.path("truth.jsonl"), encoding: .utf8).hasPrefix("{"))
        // No temporary file is left beside them.
        let left = try FileManager.default.contentsOfDirectory(atPath: cli.folder.path).filter { $0.hasPrefix(".") }
        #expect(left.isEmpty, "\(left)")
    }

    @Test func theDemoRecordsVerifiesAndSaysWhatToTryNext() throws {
        let cli = try CLIProcess()
        let result = try cli.run(["demo", "--outputs", "150"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("into rrm-demo.sqlite"))
        #expect(result.stdout.contains("2. Verified: the hash chain of"))
        #expect(result.stdout.contains("3. Entries per kind and level:"))
        #expect(result.stdout.contains("4. The compounding-errors report"))
        #expect(result.stdout.contains("ERROR RATES BY LEVEL"))
        #expect(result.stdout.contains("rrm-ledger verify --ledger rrm-demo.sqlite --deep"))
        #expect(FileManager.default.fileExists(atPath: cli.path("rrm-demo.sqlite")))
        // Running it again replaces its own ledger.
        #expect(try cli.run(["demo", "--outputs", "150"]).status == 0)
    }

    /// The banner's planted share is the simulator's count, not the injection rate: 30% of the
    /// right critiques are flipped, so about a fifth of all are planted.
    @Test func theDemoBannerStatesThePlantedShareTruly() throws {
        let cli = try CLIProcess()
        let demo = try cli.run(["demo", "--outputs", "300"])
        #expect(demo.status == 0, "\(demo.stderr)")
        let simulated = try cli.run([
            "simulate", "--ledger", "same.sqlite", "--outputs", "300", "--seed", "7", "--inject", "1:critique:0.3", "--truth", "t.jsonl",
        ])
        #expect(simulated.status == 0, "\(simulated.stderr)")
        let truth = try String(contentsOfFile: cli.path("t.jsonl"), encoding: .utf8)
        let planted = try truth.split(separator: "\n").filter { line in
            let record = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            return record["cause"] as? String == "injected" && record["kind"] as? String == "critique" && record["level"] as? Int == 1
        }.count
        #expect(planted > 30 && planted < 90, "\(planted) of 300")  // about 0.3 × 0.68 × 300 = 61
        let share = String(format: "%.1f%%", 100 * Double(planted) / 300)
        #expect(demo.stdout.contains("\(planted) of level 1's 300 critiques, \(share), were planted wrong"), "\(demo.stdout.prefix(600))")
        #expect(try cli.run(["head", "--ledger", "same.sqlite"]).stdout == (try cli.run(["head", "--ledger", "rrm-demo.sqlite"]).stdout))
    }

    @Test func pairedAuditsAndRaterEffectsAreOptions() throws {
        let cli = try CLIProcess()
        let paired = try cli.run([
            "simulate", "--ledger", "p.sqlite", "--outputs", "200", "--paired-audits", "--rater-spread", "0.8", "--batch-effect", "0.3",
            "--raters", "12",
        ])
        #expect(paired.status == 0, "\(paired.stderr)")
        let report = try cli.run(["report", "--ledger", "p.sqlite", "--format", "json"])
        #expect(report.status == 0, "\(report.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any])
        let raters = try #require(json["raters"] as? [[String: Any]])
        #expect(raters.count == 4)
        #expect(raters.allSatisfy { (($0["raters"] as? [Any])?.count ?? 0) <= 12 })
        for level in try #require(json["levels"] as? [[String: Any]]) where (level["level"] as? Int ?? 0) > 0 {
            let exposure = try #require(level["exposure"] as? [String: Any])
            #expect(exposure["unpaired_assisted_labels"] as? Int == 0)
        }
        let sources = try #require(json["sources"] as? [[String: Any]])
        #expect(sources.count == 7)  // three critics and four levels of raters
    }
}
