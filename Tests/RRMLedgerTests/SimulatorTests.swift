import Foundation
import Testing

@testable import RRMAnalysis
@testable import RRMArchive
@testable import RRMFormat
@testable import RRMSimulation
@testable import RRMStore

/// The simulator: deterministic, well-formed, honest about its truth, and errors compound when
/// (and only when) its parameters make them.
@Suite struct SimulatorTests {
    static func parameters(outputs: Int = 400, seed: UInt64 = 11) -> SimulationParameters {
        var p = SimulationParameters()
        p.outputsPerLevel = outputs
        p.seed = seed
        p.batchSize = 997  // several batches, cut mid-level
        return p
    }

    /// Runs a simulation into a fresh ledger, collecting the truth.
    static func simulate(_ p: SimulationParameters) throws -> (TemporaryLedger, SimulationRun.Result, [JSONValue]) {
        let temp = try TemporaryLedger()
        let truthPath = temp.folder.appendingPathComponent("truth.jsonl").path
        let result = try SimulationRun.intoLedger(temp.ledger, parameters: p, truthPath: truthPath)
        let truth = try String(contentsOfFile: truthPath, encoding: .utf8).split(separator: "\n").map { try JSONParser.parse(String($0)) }
        return (temp, result, truth)
    }

    @Test func theSameSeedGivesTheSameHeadAndAnotherSeedAnother() throws {
        let (_, first, _) = try Self.simulate(Self.parameters())
        let (_, again, _) = try Self.simulate(Self.parameters())
        let (_, other, _) = try Self.simulate(Self.parameters(seed: 12))
        #expect(first.head == again.head)
        #expect(first.head != other.head)
        #expect(first.batches == (first.summary.entries + 996) / 997)
    }

    @Test func theFileAndTheLedgerHoldTheSameEvents() throws {
        let p = Self.parameters(outputs: 120)
        let (_, direct, _) = try Self.simulate(p)
        let temp = try TemporaryLedger()
        let file = temp.folder.appendingPathComponent("events.jsonl").path
        let written = try SimulationRun.intoFile(path: file, parameters: p)
        #expect(written.summary == direct.summary)
        let appended = try temp.ledger.append(from: FileByteSource(path: file))
        #expect(appended.head == direct.head)
    }

    @Test func thePipelineHasTheDocumentedShape() throws {
        let p = Self.parameters(outputs: 500)
        let (temp, result, _) = try Self.simulate(p)
        #expect(try temp.ledger.verify(VerificationOptions(deep: true)).isIntact)
        let stats = try temp.ledger.statistics()
        #expect(stats.levels == [0, 1, 2, 3])
        #expect(stats.total == result.summary.entries)
        for level in 0...3 {
            #expect(stats.count(level: level, kind: .output) == 500)
            #expect(stats.count(level: level, kind: .label) == 500)
            #expect(stats.count(level: level, kind: .critique) == (level == 0 ? 0 : 500))
            #expect(stats.count(level: level, kind: .model) == 2)
            #expect(stats.count(level: level, kind: .dataset) == 1)
        }
        // Each level's policy is trained with the reward model of the level below; its critic
        // is the policy of the level below.
        let policy2 = try temp.ledger.entry(id: "policy-L2")
        #expect(try temp.ledger.parents(of: policy2.seq).map(\.id) == ["policy-L1", "reward-model-L1"])
        let critique = try temp.ledger.entry(id: "L2-critique-0")
        #expect(try temp.ledger.parents(of: critique.seq).map(\.id) == ["policy-L1", "L2-output-0"])
        // The audit samples about 10% of labels and critiques.
        let findings = stats.count(kind: .finding)
        let audited = Double(findings) / Double(stats.count(kind: .label) + stats.count(kind: .critique))
        #expect(abs(audited - p.auditRate) < 0.02, "audited share \(audited)")
    }

    @Test func theTruthAgreesWithTheLedger() throws {
        let (temp, result, truth) = try Self.simulate(Self.parameters(outputs: 300))
        let records = truth.filter { !["level_summary", "estimands"].contains($0["kind"]?.stringValue) }
        #expect(records.count == 300 * 4 * 2 + 300 * 3)
        var auditedCount = 0
        for record in records {
            let id = try #require(record["id"]?.stringValue)
            let entry = try temp.ledger.entry(id: id)
            #expect(entry.kind.rawValue == record["kind"]?.stringValue)
            #expect(Double(entry.level) == record["level"]?.numberValue)
            if entry.kind == .label {
                let shown = (try entry.bodyValue())["assisted_by"]?.arrayValue?.first?.stringValue
                #expect(shown == record["shown_critique"]?.stringValue)
            }
            let finding = try temp.ledger.latestFinding(about: entry.seq)
            #expect((finding != nil) == (record["audited"] == .bool(true)))
            if let finding {
                auditedCount += 1
                let erroneous = record["erroneous"] == .bool(true)
                #expect((try finding.bodyValue())["verdict"]?.stringValue == (erroneous ? "erroneous" : "correct"))
                #expect((try finding.bodyValue())["error_type"]?.stringValue == record["error_type"]?.stringValue)
            }
        }
        #expect(auditedCount == (try temp.ledger.statistics()).count(kind: .finding))
        // The summaries at the end of the truth file are the tallies the run returned.
        let summaries = truth.filter { $0["kind"]?.stringValue == "level_summary" }
        #expect(summaries.map { $0["wrong_labels"]?.numberValue } == result.summary.levels.map { Double($0.wrongLabels) })
    }

    @Test func theTruthStaysOutOfTheLedger() throws {
        let (temp, _, truth) = try Self.simulate(Self.parameters(outputs: 200))
        let flawed = try #require(
            truth.first { $0["kind"]?.stringValue == "output" && $0["erroneous"] == .bool(true) && $0["category"]?.numberValue == 0 })
        let sound = try #require(
            truth.first { $0["kind"]?.stringValue == "output" && $0["erroneous"] == .bool(false) && $0["category"]?.numberValue == 0 })
        let a = try temp.ledger.entry(id: try #require(flawed["id"]?.stringValue)).bodyValue()
        let b = try temp.ledger.entry(id: try #require(sound["id"]?.stringValue)).bodyValue()
        // Flawed and sound outputs carry the same fields, with text that does not depend on the flaw.
        #expect(a.objectValue?.keys == b.objectValue?.keys)
        let templateA = a["content"]?.stringValue?.replacingOccurrences(of: #"_\d+\("#, with: "(", options: .regularExpression)
        let templateB = b["content"]?.stringValue?.replacingOccurrences(of: #"_\d+\("#, with: "(", options: .regularExpression)
        #expect(templateA == templateB)
    }

    @Test func errorsCompoundUnderTheDefaults() throws {
        let (_, result, _) = try Self.simulate(Self.parameters(outputs: 6_000))
        let rates = result.summary.levels.map(\.labelErrorRate)
        // About ±0.6 percentage points of sampling error per level at 6,000 labels.
        #expect(rates[2] > rates[1] + 0.01, "\(rates)")
        #expect(rates[3] > rates[2] + 0.01, "\(rates)")
        #expect(rates[3] > rates[0] + 0.04, "\(rates)")
        let flaws = result.summary.levels.map(\.outputFlawRate)
        #expect(flaws[1] > flaws[0] + 0.05, "reward hacking raises the flaw rate: \(flaws)")
    }

    /// The critic of level k is `policy-L(k−1)`, which the ledger records as trained on the reward
    /// model of level k − 2: its quality follows the labels of level k − 2 (agent A's, the rater
    /// error), not the labels of the level it was itself evaluated at. A label injection at
    /// level 0 therefore leaves level 1's critic alone and degrades level 2's.
    @Test func aCriticFollowsTheLabelsItsLineageSaysTrainedIt() throws {
        var p = Self.parameters(outputs: 300)
        p.injections = [ErrorInjection(level: 0, kind: .label, rate: 0.5)]
        let (_, result, _) = try Self.simulate(p)
        let levels = result.summary.levels
        func recall(trainedOn error: Double) -> Double { p.criticRecall * (1 - p.criticDegradation * error) }
        func hallucination(trainedOn error: Double) -> Double { p.criticHallucination * (1 + 2 * p.criticDegradation * error) }
        #expect(abs(levels[1].criticRecall - recall(trainedOn: p.raterError)) < 1e-12)
        #expect(abs(levels[1].criticHallucination - hallucination(trainedOn: p.raterError)) < 1e-12)
        for k in 2...3 {
            let trainedOn = levels[k - 2].labelErrorRate
            #expect(abs(levels[k].criticRecall - recall(trainedOn: trainedOn)) < 1e-12, "level \(k)")
            #expect(abs(levels[k].criticHallucination - hallucination(trainedOn: trainedOn)) < 1e-12, "level \(k)")
        }
        #expect(levels[2].criticRecall < levels[1].criticRecall - 0.05, "level 0's planted labels degrade level 2's critic")
    }
    @Test func errorsDoNotCompoundWhenTheParametersSayNot() throws {
        var p = Self.parameters(outputs: 6_000)
        p.difficultyGrowth = 0
        p.rewardHacking = 0
        p.criticDegradation = 0
        let (_, result, _) = try Self.simulate(p)
        let rates = result.summary.levels.dropFirst().map(\.labelErrorRate)
        #expect(rates.max()! - rates.min()! < 0.025, "\(rates)")
        let flaws = result.summary.levels.map(\.outputFlawRate)
        #expect(flaws.max()! - flaws.min()! < 0.03, "\(flaws)")
    }

    /// `--null`: level 0 included, every level's labels are wrong equally often, every critic is
    /// as good as the others, and a label's error does not depend on its critique's.
    @Test func theNullPresetMakesEveryLevelAlike() throws {
        let null = SimulationParameters.null
        #expect(null.difficultyGrowth == 0 && null.rewardHacking == 0 && null.criticDegradation == 0)
        #expect(null.assistanceBenefit == 0 && null.sycophancy == 0)
        #expect(null.raterError == SimulationParameters().raterError && null.auditRate == SimulationParameters().auditRate)
        var p = null
        p.outputsPerLevel = 6_000
        p.seed = 11
        let (_, result, truth) = try Self.simulate(p)
        let rates = result.summary.levels.map(\.labelErrorRate)
        #expect(rates.count == 4)
        #expect(rates.max()! - rates.min()! < 0.025, "\(rates)")
        let critiques = result.summary.levels.dropFirst().map(\.critiqueErrorRate)
        #expect(critiques.max()! - critiques.min()! < 0.025, "\(critiques)")
        // Labels shown a wrong critique are wrong as often as those shown a right one.
        var critiqueWrong: [String: Bool] = [:]
        for record in truth where record["kind"]?.stringValue == "critique" {
            critiqueWrong[record["id"]?.stringValue ?? ""] = record["erroneous"] == .bool(true)
        }
        var cells = [0, 0, 0, 0]
        for record in truth {
            guard record["kind"]?.stringValue == "label", let shown = record["shown_critique"]?.stringValue else { continue }
            let offset = critiqueWrong[shown] == true ? 0 : 2
            cells[offset] += record["erroneous"] == .bool(true) ? 1 : 0
            cells[offset + 1] += 1
        }
        let risk = (Double(cells[0]) / Double(cells[1])) / (Double(cells[2]) / Double(cells[3]))
        #expect(abs(risk - 1) < 0.1, "true RR \(risk) from \(cells)")
    }

    /// Rater effects off leave every ledger as it was; on, the raters' true error rates spread.
    @Test func raterSpreadMakesRatersDifferAndIsOffByDefault() throws {
        var p = Self.parameters(outputs: 4_000)
        let (_, plain, _) = try Self.simulate(p)
        p.raterSpread = 0
        p.batchEffect = 0
        let (_, explicitZero, _) = try Self.simulate(p)
        #expect(plain.head == explicitZero.head)
        p.raterSpread = 1
        let (_, spread, _) = try Self.simulate(p)
        #expect(spread.head != plain.head)
        func deviation(_ summary: SimulationSummary) -> Double {
            let rates = summary.levels[0].raters.values.compactMap(\.rate)
            let mean = rates.reduce(0, +) / Double(rates.count)
            return (rates.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(rates.count)).squareRoot()
        }
        // About 100 labels per rater: binomial noise alone is about 0.04; σ = 1 spreads far wider.
        #expect(deviation(plain.summary) < 0.07, "\(deviation(plain.summary))")
        #expect(deviation(spread.summary) > 0.1, "\(deviation(spread.summary))")
        #expect(spread.summary.levels[0].raters.count == 40)
    }

    /// Paired audits: every audited assisted label's critique is audited with it.
    @Test func pairedAuditsAuditTheCritiqueARaterSaw() throws {
        var p = Self.parameters(outputs: 1_000)
        p.pairedAudits = true
        let (_, result, truth) = try Self.simulate(p)
        var audited: [String: Bool] = [:]
        for record in truth where record["kind"]?.stringValue == "critique" {
            audited[record["id"]?.stringValue ?? ""] = record["audited"] == .bool(true)
        }
        var pairs = 0
        for record in truth where record["kind"]?.stringValue == "label" && record["audited"] == .bool(true) {
            guard let shown = record["shown_critique"]?.stringValue else { continue }
            #expect(audited[shown] == true, "\(shown)")
            pairs += 1
        }
        #expect(pairs > 150)  // about 1,000 × 3 levels × 0.8 × 0.1 = 240
        // Critiques are still audited at about the audit rate.
        let share = Double(audited.values.filter { $0 }.count) / Double(audited.count)
        #expect(abs(share - p.auditRate) < 0.025, "\(share)")
        #expect(result.summary.entries > 0)
    }

    /// The truth file ends with the true value of every estimand, and they agree with the records.
    @Test func theTruthFileCarriesEveryEstimand() throws {
        let (_, result, truth) = try Self.simulate(Self.parameters(outputs: 800))
        let last = try #require(truth.last)
        #expect(last["kind"]?.stringValue == "estimands")
        guard case .object(let values)? = last["values"] else {
            Issue.record("no values")
            return
        }
        for (name, value) in result.summary.estimands {
            #expect(values[name] == (value.map(JSONValue.number) ?? .null), "\(name)")
        }
        // The relative risk at level 2, recomputed from the records.
        var critiqueWrong: [String: Bool] = [:]
        for record in truth where record["kind"]?.stringValue == "critique" {
            critiqueWrong[record["id"]?.stringValue ?? ""] = record["erroneous"] == .bool(true)
        }
        var cells = [0, 0, 0, 0]
        for record in truth where record["kind"]?.stringValue == "label" && record["level"] == .number(2) {
            guard let shown = record["shown_critique"]?.stringValue else { continue }
            let offset = critiqueWrong[shown] == true ? 0 : 2
            cells[offset] += record["erroneous"] == .bool(true) ? 1 : 0
            cells[offset + 1] += 1
        }
        let risk = (Double(cells[0]) / Double(cells[1])) / (Double(cells[2]) / Double(cells[3]))
        #expect(abs((values["relative_risk:2"]?.numberValue ?? 0) - risk) < 1e-12)
        for name in [
            "error_rate:label:0", "step_ratio:critique:2", "source_excess:critic:1", "source_excess:raters:3", "induced_label_errors:3",
        ] {
            #expect(values[name]?.numberValue != nil, "\(name)")
        }
    }

    @Test func anInjectedErrorLandsAtItsLevel() throws {
        var p = Self.parameters(outputs: 4_000)
        let (_, baseline, _) = try Self.simulate(p)
        p.injections = [ErrorInjection(level: 1, kind: .critique, rate: 0.5)]
        let (_, injected, _) = try Self.simulate(p)
        let before = baseline.summary.levels.map(\.critiqueErrorRate)
        let after = injected.summary.levels.map(\.critiqueErrorRate)
        #expect(after[1] > before[1] + 0.25, "\(before) → \(after)")
        // Its labels are misled: more of them are wrong.
        #expect(injected.summary.levels[1].labelErrorRate > baseline.summary.levels[1].labelErrorRate + 0.02)
        #expect(injected.summary.levels[1].sycophanticLabels > baseline.summary.levels[1].sycophanticLabels)
    }

    @Test func badParametersAreNamed() {
        var p = SimulationParameters()
        p.levels = 0
        p.sycophancy = 1.5
        p.auditRate = -0.1
        p.injections = [ErrorInjection(level: 0, kind: .critique, rate: 0.2)]
        let problems = p.problems
        #expect(problems.count == 4)
        #expect(problems.contains { $0.contains("--levels") })
        #expect(problems.contains { $0.contains("--sycophancy") && $0.contains("1.5") })
        #expect(problems.contains { $0.contains("--audit-rate") })
        #expect(problems.contains { $0.contains("--inject 0:critique:0.2") })
        #expect(ErrorInjection(parsing: "1:critique:0.3") == ErrorInjection(level: 1, kind: .critique, rate: 0.3))
        for bad in ["1:critique", "x:label:0.1", "1:opinion:0.1", "1:label:2", "-1:label:0.1"] {
            #expect(ErrorInjection(parsing: bad) == nil, "\(bad)")
        }
    }

    @Test func entriesChooseTheOutputsPerLevel() throws {
        var p = SimulationParameters()
        p.outputsPerLevel = SimulationParameters.outputsPerLevel(forEntries: 20_000, levels: 3, auditRate: 0.1, datasetSize: 1_000)
        let temp = try TemporaryLedger()
        let file = temp.folder.appendingPathComponent("events.jsonl").path
        let result = try SimulationRun.intoFile(path: file, parameters: p)
        #expect(abs(result.summary.entries - 20_000) < 400, "\(result.summary.entries)")
    }
}
