import Foundation
import Testing

@testable import RRMAnalysis
@testable import RRMArchive
@testable import RRMFormat
@testable import RRMSimulation
@testable import RRMStore

/// The analysis on a hand-built ledger, every figure computed by hand (docs/ANALYSIS.md), and on
/// simulated ledgers, against the simulator's truth.
@Suite struct PropagationAnalysisTests {
    /// Two levels. Known errors: label l1 (level 0), critique c1 (shown to the rater of m1),
    /// labels m1 and m3 (level 1).
    static let handBuilt = """
        {"kind":"model","id":"policy-0","level":0,"role":"policy"}
        {"kind":"output","id":"o1","model":"policy-0","task":"t"}
        {"kind":"output","id":"o2","model":"policy-0","task":"t"}
        {"kind":"label","id":"l1","rater":"human:a","targets":["o1"],"value":1}
        {"kind":"label","id":"l2","rater":"human:a","targets":["o2"],"value":1}
        {"kind":"dataset","id":"d0","members":["l1","l2"]}
        {"kind":"model","id":"rm-0","level":0,"role":"reward_model","trained_on":["d0"]}
        {"kind":"model","id":"policy-1","level":1,"role":"policy","base":"policy-0","trained_on":["rm-0"]}
        {"kind":"output","id":"p1","model":"policy-1","task":"t"}
        {"kind":"output","id":"p2","model":"policy-1","task":"t"}
        {"kind":"output","id":"p3","model":"policy-1","task":"t"}
        {"kind":"output","id":"p4","model":"policy-1","task":"t"}
        {"kind":"critique","id":"c1","critic":"policy-0","targets":["p1"],"findings":[]}
        {"kind":"critique","id":"c2","critic":"policy-0","targets":["p2"],"findings":[{"claim":"off by one"}]}
        {"kind":"critique","id":"c3","critic":"policy-0","targets":["p3"]}
        {"kind":"critique","id":"c4","critic":"policy-0","targets":["p4"]}
        {"kind":"label","id":"m1","rater":"human:b","targets":["p1"],"value":1,"assisted_by":["c1"]}
        {"kind":"label","id":"m2","rater":"human:b","targets":["p2"],"value":0,"assisted_by":["c2"]}
        {"kind":"label","id":"m3","rater":"human:b","targets":["p3"],"value":1,"assisted_by":["c3"]}
        {"kind":"label","id":"m4","rater":"human:b","targets":["p4"],"value":1,"assisted_by":["c4"]}
        {"kind":"label","id":"m5","rater":"human:c","targets":["p1"],"value":1}
        {"kind":"dataset","id":"d1","members":["m1","m2","m3","m4","m5"]}
        {"kind":"model","id":"rm-1","level":1,"role":"reward_model","trained_on":["d1"]}
        {"kind":"finding","id":"f1","about":"l1","verdict":"erroneous","auditor":"human:z","error_type":"mislabel"}
        {"kind":"finding","id":"f2","about":"c1","verdict":"erroneous","auditor":"human:z","error_type":"missed_flaw"}
        {"kind":"finding","id":"f3","about":"c2","verdict":"correct","auditor":"human:z"}
        {"kind":"finding","id":"f4","about":"m1","verdict":"erroneous","auditor":"human:z","error_type":"sycophancy"}
        {"kind":"finding","id":"f5","about":"m2","verdict":"correct","auditor":"human:z"}
        {"kind":"finding","id":"f6","about":"m3","verdict":"correct","auditor":"human:z"}
        {"kind":"finding","id":"f7","about":"m3","verdict":"erroneous","auditor":"human:y","error_type":"mislabel"}
        {"kind":"finding","id":"f8","about":"m5","verdict":"correct","auditor":"human:z"}
        """

    func handBuiltReport(_ options: PropagationAnalysis.Options = .init()) throws -> PropagationReport {
        let temp = try TemporaryLedger()
        try temp.append(Self.handBuilt)
        return try PropagationAnalysis.run(temp.ledger, options)
    }

    @Test func levelFiguresMatchTheHandComputation() throws {
        let report = try handBuiltReport()
        #expect(report.basis.seeds == 4)  // l1, c1, m1, and m3 (its later finding supersedes)
        #expect(report.basis.audited == 7)  // l1, c1, c2, m1, m2, m3, m5
        let level0 = try #require(report.levels.first { $0.level == 0 })
        let level1 = try #require(report.levels.first { $0.level == 1 })
        #expect(level0.audits[.label] == Proportion(events: 1, trials: 1))
        #expect(level1.audits[.critique] == Proportion(events: 1, trials: 2))
        #expect(level1.audits[.label] == Proportion(events: 2, trials: 4))
        // Exposure, labels only: m1 saw c1 (audited wrong) and is wrong; m2 saw c2 (audited right)
        // and is right; m3 saw c3, never audited: unpaired; m5 saw nothing.
        #expect(level1.shownWrong == Proportion(events: 1, trials: 1))
        #expect(level1.shownRight == Proportion(events: 0, trials: 1))
        #expect(level1.unpairedAssisted == 1)
        let risk = try #require(level1.relativeRisk)
        #expect(risk.estimate == .infinity)
        #expect(risk.interval.upperBound == .infinity)
        // Pooled 1/2: z = 1/√(0.25·2) = √2, p = erfc(1) = 0.157299.
        #expect(abs(risk.pValue - 0.157299) < 1e-6)
        #expect(level0.relativeRisk == nil)
        // Steps: labels 2/4 over 1/1 = 0.5; level 0 has no critiques.
        #expect(abs((level1.labelStep?.estimate ?? 0) - 0.5) < 1e-12)
        #expect(level1.critiqueStep == nil)
        // Outputs p1…p4 inherit policy-1's 0.5; critiques c1 (a seed) 1, c2…c4 0: mean 3/8.
        #expect(abs(level1.inheritedShare - 0.375) < 1e-12)
        #expect(level0.inheritedShare == 0)
        #expect(level1.errorTypes == ["missed_flaw": 1, "sycophancy": 1, "mislabel": 1])
    }

    @Test func claimsAreOneHolmAdjustedFamily() throws {
        let report = try handBuiltReport()
        #expect(
            report.claims.map(\.estimand) == [
                "heterogeneity:label", "relative_risk:1", "step_ratio:label:1", "assistance_ratio:1", "source_excess:raters:0",
                "source_excess:raters:1", "rater_heterogeneity:1",
            ])
        func claim(_ estimand: String) throws -> Claim { try #require(report.claims.first { $0.estimand == estimand }) }
        // Raw p by hand: RR √2 → 0.157299; step and heterogeneity 3/5 pooled, z² = 0.8333 → 0.361310;
        // assistance 2/3 vs 0/1, z = 1.1547 → 0.248213; the raters of level 0 (1/1) against the
        // rest (2/4) and of level 1 (2/4) against the rest (1/1): the same two cells as the step,
        // 0.361310; level 1's raters b 2/3 and c 0/1: every permutation as extreme, p = 1.
        #expect(abs(try claim("relative_risk:1").pValue - 0.157299) < 1e-6)
        #expect(abs(try claim("step_ratio:label:1").pValue - 0.361310) < 1e-6)
        #expect(abs(try claim("heterogeneity:label").pValue - 0.361310) < 1e-6)
        #expect(abs(try claim("heterogeneity:label").estimate - 5.0 / 6) < 1e-9)
        #expect(abs(try claim("assistance_ratio:1").pValue - 0.248213) < 1e-6)
        #expect(abs(try claim("source_excess:raters:0").pValue - 0.361310) < 1e-6)
        #expect(abs(try claim("source_excess:raters:1").pValue - 0.361310) < 1e-6)
        #expect(try claim("rater_heterogeneity:1").pValue == 1)
        // Holm over 7: the smallest, 0.157299, becomes min(1, 7 × 0.157299) = 1, and so every one.
        #expect(report.claims.allSatisfy { $0.pAdjusted == 1 })
        #expect(report.claims.allSatisfy { !$0.significant })
        #expect(try claim("step_ratio:label:1").statement == "level 1: labels are wrong 0.50× as often as at level 0")
    }

    /// Given the verified head, the analysis reads entries 1…its seq only: what is appended after
    /// (here every finding) is not in the report.
    @Test func theAnalysisReadsOnlyTheVerifiedEntries() throws {
        let temp = try TemporaryLedger()
        let lines = Self.handBuilt.split(separator: "\n")
        let beforeFindings = lines.prefix { !$0.contains("\"kind\":\"finding\"") }
        try temp.append(beforeFindings.joined(separator: "\n"))
        let verified = try temp.ledger.head()
        try temp.append(lines.dropFirst(beforeFindings.count).joined(separator: "\n"))
        let report = try PropagationAnalysis.run(temp.ledger, .init(verifiedHead: verified))
        #expect(report.basis.head == verified && report.basis.entries == Int(verified.seq))
        #expect(report.basis.audited == 0 && report.basis.seeds == 0)
        #expect(report.levels.allSatisfy { $0.audits.isEmpty })
        #expect(try PropagationAnalysis.run(temp.ledger, .init()).basis.audited == 7)
    }

    @Test func sourcesAreRankedByTheirExcessErrorsWithInducedOnesBeside() throws {
        let report = try handBuiltReport()
        // Ranked by excess: +1, 0 (no other critic to compare with), −2.5; induced errors are not added.
        #expect(report.sources.map(\.name) == ["the raters of level 0", "policy-0 critiquing level 1", "the raters of level 1"])
        let critic = report.sources[1]
        // policy-0's critiques c1…c4: c1 wrong, c2 right. No other critic: no excess to estimate.
        #expect(critic.entries == 4 && critic.audit == Proportion(events: 1, trials: 2) && critic.rest == .none)
        #expect(critic.difference == nil && critic.excess == 0)
        // Induced: m1…m4 saw its critiques; 4 × 1/2 × (1/1 − 0/1) = 2.
        #expect(try #require(critic.induced) == 2)
        let interval = try #require(critic.inducedInterval)
        #expect(interval.lowerBound < 2 && interval.upperBound <= 4)
        // The raters of level 0: 2 labels, 1/1 wrong against the rest's 2/4: 2 × 0.5 = +1.
        #expect(report.sources[0].entries == 2 && abs(report.sources[0].excess - 1) < 1e-12)
        #expect(report.sources[0].induced == nil)
        // Of level 1: 5 labels, 2/4 against 1/1: 5 × −0.5 = −2.5, with Newcombe's interval scaled by 5.
        let raters1 = report.sources[2]
        #expect(abs(raters1.excess + 2.5) < 1e-12)
        let newcombe = try #require(RateDifference.of(Proportion(events: 2, trials: 4), Proportion(events: 1, trials: 1)))
        #expect(abs(raters1.excessInterval.lowerBound - 5 * newcombe.interval.lowerBound) < 1e-9)
        #expect(abs(raters1.excessInterval.upperBound - 5 * newcombe.interval.upperBound) < 1e-9)
        // Raters per level: level 1 has b (m1, m2, m3: 2/3) and c (m5: 0/1); level 0 one rater only.
        #expect(report.raters.map(\.level) == [1])
        #expect(report.raters[0].raters.map(\.rater) == ["human:b", "human:c"])
        #expect(report.raters[0].raters.map(\.audit) == [Proportion(events: 2, trials: 3), Proportion(events: 0, trials: 1)])
    }

    /// A source is compared with its kind at its own level and the two nearest others: both
    /// neighbours inside the recursion, the next two at an end, so a rate that grows steadily
    /// with level is a small excess for everyone and every source has about as many audits to be
    /// compared with.
    @Test func aSourceIsComparedWithTheNearestLevels() {
        #expect(ErrorSource.comparisonLevels(at: 2, among: [0, 1, 3, 4]) == [1, 3])
        #expect(ErrorSource.comparisonLevels(at: 0, among: [1, 2, 3]) == [1, 2])
        #expect(ErrorSource.comparisonLevels(at: 3, among: [0, 1, 2]) == [1, 2])
        #expect(ErrorSource.comparisonLevels(at: 1, among: [1, 2, 3]) == [1, 2, 3], "its own level's other critics too")
        #expect(ErrorSource.comparisonLevels(at: 5, among: [0, 1]) == [0, 1])
        #expect(ErrorSource.comparisonLevels(at: 1, among: []) == [])
        let others: [(level: Int, audit: Proportion)] = [
            (0, Proportion(events: 20, trials: 100)), (1, Proportion(events: 25, trials: 100)),
            (3, Proportion(events: 35, trials: 100)), (4, Proportion(events: 0, trials: 0)),
        ]
        let (atTwo, namedTwo) = ErrorSource.comparison(at: 2, others, of: "the raters")
        #expect(atTwo == Proportion(events: 60, trials: 200) && namedTwo == "the raters of levels 1 and 3")
        // Level 4 has no audits: level 0's two nearest are 1 and 3.
        let (atZero, namedZero) = ErrorSource.comparison(at: 0, others.filter { $0.level != 0 }, of: "the raters")
        #expect(atZero == Proportion(events: 60, trials: 200) && namedZero == "the raters of levels 1 and 3")
        let (same, namedSame) = ErrorSource.comparison(
            at: 1, [(1, Proportion(events: 3, trials: 9)), (2, Proportion(events: 1, trials: 3)), (3, Proportion(events: 1, trials: 3))],
            of: "the other critics")
        #expect(same == Proportion(events: 5, trials: 15) && namedSame == "the other critics of levels 1–3")
    }

    @Test func modelFiguresMatchTheHandComputation() throws {
        let report = try handBuiltReport()
        func model(_ id: String) throws -> PropagationReport.Model { try #require(report.models.first { $0.id == id }) }
        #expect(try model("policy-0").trainingLabels == 0)
        #expect(try model("policy-0").produced == 2)
        #expect(try model("policy-0").critiqued == 4)
        #expect(try model("policy-0").critiquedAudit == Proportion(events: 1, trials: 2))
        #expect(try model("rm-0").trainingLabels == 2)
        #expect(try model("rm-0").knownShare == 0.5)
        #expect(try model("rm-0").trainingAudit == Proportion(events: 1, trials: 1))
        #expect(try model("policy-1").knownShare == 0.5)
        #expect(try model("policy-1").trainingLabels == 2)
        #expect(try model("policy-1").produced == 4)
        // d1: m1 and m3 are seeds, m2, m4, m5 carry nothing: 2/5.
        #expect(try model("rm-1").knownShare == 0.4)
        #expect(try model("rm-1").trainingAudit == Proportion(events: 2, trials: 4))
        #expect(try model("rm-1").role == "reward_model")
    }

    @Test func rootErrorsAreRankedByTheirBlastRadius() throws {
        let report = try handBuiltReport()
        #expect(report.rootErrorCount == 4)
        #expect(report.rootErrors.map(\.id) == ["l1", "c1", "m1", "m3"])
        let l1 = report.rootErrors[0]
        // l1 is half of d0, so half of rm-0 and of policy-1, whose four outputs inherit it.
        #expect(l1.direct.isEmpty)
        #expect(abs((l1.weighted[0] ?? 0) - 1.0) < 1e-12)  // d0 0.5 + rm-0 0.5
        #expect(abs((l1.weighted[1] ?? 0) - 2.5) < 1e-12)  // policy-1 0.5 + 4 outputs × 0.5
        #expect(l1.models.map(\.id) == ["rm-0", "policy-1"])
        #expect(l1.reachable == 7)  // d0, rm-0, policy-1 and its 4 outputs
        let c1 = report.rootErrors[1]
        #expect(c1.direct == [1: [.label: 1]])
        #expect(abs(c1.weightedTotal - 0.4) < 1e-12)  // d1 0.2 + rm-1 0.2
        #expect(abs(c1.radius - 1.4) < 1e-12)
        #expect(report.rootErrors[2].radius == report.rootErrors[3].radius)
    }

    @Test func knownErrorsAreGroupedByKindLevelProducerAndType() throws {
        let report = try handBuiltReport()
        // l1 (a level-0 mislabel, radius 3.5), c1 (policy-0's missed flaw at level 1, 1.4), m1
        // (sycophancy) and m3 (mislabel) at level 1, each m 0.4: four classes of one each.
        let names: [String] = report.rootErrorGroups.map(\.name)
        let expected: [String] = [
            "level 0 labels by raters, mislabel", "level 1 critiques by policy-0, missed_flaw", "level 1 labels by raters, mislabel",
            "level 1 labels by raters, sycophancy",
        ]
        #expect(names == expected)
        let counts: [Int] = report.rootErrorGroups.map(\.count)
        #expect(counts == [1, 1, 1, 1])
        let examples: [[String]] = report.rootErrorGroups.map(\.examples)
        #expect(examples == [["l1"], ["c1"], ["m3"], ["m1"]])
        #expect(abs(report.rootErrorGroups[0].totalRadius - report.rootErrors[0].radius) < 1e-12)
        // On a simulated ledger: every known error is in exactly one class, and a class's radius
        // range holds each of its members'.
        var parameters = SimulationParameters()
        parameters.outputsPerLevel = 300
        let (_, simulated, _, _) = try Self.simulate(parameters)
        let groupCounts: [Int] = simulated.rootErrorGroups.map(\.count)
        #expect(groupCounts.reduce(0, +) == simulated.rootErrorCount)
        let groupNames = Set(simulated.rootErrorGroups.map(\.name))
        #expect(groupNames.count == simulated.rootErrorGroups.count)
        let totals: [Double] = simulated.rootErrorGroups.map(\.totalRadius)
        #expect(totals == totals.sorted(by: >))
        let radii: [Double] = simulated.rootErrors.map(\.radius)
        #expect(abs(totals.reduce(0, +) - radii.reduce(0, +)) < 1e-6)
    }

    @Test func assistanceFiguresMatchTheHandComputation() throws {
        let report = try handBuiltReport()
        let level1 = try #require(report.assistance.first)
        #expect(report.assistance.count == 1)
        #expect(level1.level == 1)
        #expect(level1.assisted == Proportion(events: 2, trials: 3))  // m1, m2, m3
        #expect(level1.unassisted == Proportion(events: 0, trials: 1))  // m5
        #expect(level1.induced == 1)  // m1, shown c1
        #expect(level1.caught == 1)  // m2, shown c2 which claims a flaw and was right
        #expect(level1.sycophancy == 1)
    }

    @Test func assumingOneErrorTracesOnlyThatOne() throws {
        let report = try handBuiltReport(.init(assumeErroneous: "c3"))
        #expect(report.basis.seeds == 1)
        #expect(report.basis.assumed == "c3")
        #expect(report.rootErrors.map(\.id) == ["c3"])
        #expect(report.rootErrors[0].direct == [1: [.label: 1]])
        let level1 = try #require(report.levels.first { $0.level == 1 })
        // The relative risk is estimated from paired audits, not from the seeds: unchanged.
        #expect(level1.shownWrong == Proportion(events: 1, trials: 1))
        #expect(level1.shownRight == Proportion(events: 0, trials: 1))
    }

    @Test func theTraceFollowsTheErrorLevelByLevel() throws {
        let temp = try TemporaryLedger()
        try temp.append(Self.handBuilt)
        let trace = try ErrorTrace.trace(temp.ledger, id: "l1")
        #expect(trace.startAudit == .erroneous)
        #expect(trace.errorType == "mislabel")
        #expect(trace.levels == [0, 1])
        #expect(trace.training[0]?.map(\.id) == ["d0", "rm-0"])
        #expect(trace.training[1]?.map(\.id) == ["policy-1"])
        #expect(trace.training[1]?.first?.share == 0.5)
        #expect(trace.training[1]?.first?.inheritors == [1: 4])
        let critique = try ErrorTrace.trace(temp.ledger, id: "c1")
        #expect(critique.direct[1]?.map { "\($0.from) \($0.role.rawValue) \($0.entry.id)" } == ["c1 assisted_by m1"])
        #expect(critique.direct[1]?.first?.audit == .erroneous)
    }

    // MARK: - Against the simulator's truth

    /// Simulates, keeping the truth, and analyses.
    static func simulate(_ parameters: SimulationParameters) throws -> (TemporaryLedger, PropagationReport, [JSONValue], SimulationSummary)
    {
        let temp = try TemporaryLedger()
        let truthPath = temp.folder.appendingPathComponent("truth.jsonl").path
        let run = try SimulationRun.intoLedger(temp.ledger, parameters: parameters, truthPath: truthPath)
        let truth = try String(contentsOfFile: truthPath, encoding: .utf8).split(separator: "\n").map { try JSONParser.parse(String($0)) }
        let report = try PropagationAnalysis.run(temp.ledger, .init(topRootErrors: 100_000))
        return (temp, report, truth, run.summary)
    }

    @Test func wilsonIntervalsCoverTheTrueRatesAtCloseToTheirNominalRate() throws {
        var covered = 0
        var intervals = 0
        for seed in 1...24 {
            var parameters = SimulationParameters()
            parameters.seed = UInt64(seed)
            parameters.outputsPerLevel = 300
            parameters.auditRate = 0.3
            let (_, report, _, summary) = try Self.simulate(parameters)
            for truth in summary.levels {
                guard let audit = report.levels.first(where: { $0.level == truth.level })?.audits[.label], audit.trials > 0 else {
                    continue
                }
                intervals += 1
                let level = try #require(report.levels.first { $0.level == truth.level })
                if try #require(level.rateInterval(.label)).contains(truth.labelErrorRate) { covered += 1 }
            }
        }
        let coverage = Double(covered) / Double(intervals)
        #expect(intervals == 96)
        // Nominal 95%; sampling without replacement from a finite ledger makes Wilson conservative.
        #expect(coverage >= 0.89, "coverage \(covered)/\(intervals)")
    }

    @Test func theInjectedErrorShowsUpAtItsLevel() throws {
        var parameters = SimulationParameters()
        parameters.outputsPerLevel = 2_000
        parameters.auditRate = 0.2
        parameters.injections = [ErrorInjection(level: 2, kind: .critique, rate: 0.5)]
        let (_, report, _, _) = try Self.simulate(parameters)
        let rates = report.levels.compactMap { level in level.audits[.critique].map { (level.level, $0.rate) } }
        let highest = try #require(rates.max { $0.1 < $1.1 })
        #expect(highest.0 == 2, "\(rates)")
        let level2 = try #require(report.levels.first { $0.level == 2 }?.audits[.critique])
        for other in report.levels where other.level != 2 {
            if let audit = other.audits[.critique] { #expect(audit.interval.upperBound < level2.interval.lowerBound) }
        }
    }

    @Test func theDirectBlastRadiusOfEveryRootErrorMatchesTheTruth() throws {
        var parameters = SimulationParameters()
        parameters.outputsPerLevel = 400
        parameters.auditRate = 0.3
        let (_, report, truth, _) = try Self.simulate(parameters)
        // The truth: which labels were made with each critique shown.
        var shown: [String: Int] = [:]
        for record in truth {
            if let critique = record["shown_critique"]?.stringValue { shown[critique, default: 0] += 1 }
        }
        let critiques = report.rootErrors.filter { $0.kind == .critique }
        #expect(critiques.count > 50)
        for root in critiques {
            #expect(root.direct.values.flatMap(\.values).reduce(0, +) == (shown[root.id] ?? 0), "\(root.id)")
            #expect(Set(root.direct.keys).isSubset(of: [root.level]))
        }
        #expect(report.rootErrors.filter { $0.kind == .label }.allSatisfy { $0.direct.isEmpty })
    }

    @Test func relativeRiskIsAboveOneWhenRatersFollowWrongCritiques() throws {
        var parameters = SimulationParameters()
        parameters.outputsPerLevel = 4_000
        parameters.auditRate = 0.5
        parameters.sycophancy = 0.6
        let (_, report, _, _) = try Self.simulate(parameters)
        for level in report.levels where level.level > 0 {
            let risk = try #require(level.relativeRisk)
            #expect(risk.interval.lowerBound > 1.2, "level \(level.level): RR \(risk.estimate) \(risk.interval)")
        }
        let claims = report.claims.filter { $0.quantity == .relativeRisk }
        #expect(claims.count == 3 && claims.allSatisfy(\.significant))
    }

    /// Raters ignore critiques, and critiques are wrong 42% of the time against labels' 25%: a
    /// rate that pooled the two kinds would show an effect; the labels-only relative risk must not.
    @Test func relativeRiskIsNearOneWhenCritiquesDoNotMislead() throws {
        var parameters = SimulationParameters()
        parameters.outputsPerLevel = 4_000
        parameters.auditRate = 0.5
        parameters.sycophancy = 0
        parameters.assistanceBenefit = 0
        parameters.rewardHacking = 0
        parameters.difficultyGrowth = 0
        parameters.criticDegradation = 0
        parameters.criticRecall = 0.3
        parameters.criticHallucination = 0.3
        let (_, report, _, _) = try Self.simulate(parameters)
        for level in report.levels where level.level > 0 {
            let risk = try #require(level.relativeRisk)
            #expect(risk.interval.contains(1), "level \(level.level): RR \(risk.estimate) \(risk.interval)")
            #expect(risk.estimate > 0.75 && risk.estimate < 1.33, "level \(level.level): RR \(risk.estimate)")
        }
        #expect(!report.claims.contains { $0.significant }, "\(report.claims.filter(\.significant).map(\.statement))")
    }

    /// A critic planted wrong at level 2 is the top source, and the interval of its excess errors
    /// covers the simulator's true value; paired audits leave no audited label unpaired.
    @Test func aPlantedCriticIsTheTopSource() throws {
        var parameters = SimulationParameters()
        parameters.outputsPerLevel = 2_000
        parameters.pairedAudits = true
        parameters.injections = [ErrorInjection(level: 2, kind: .critique, rate: 0.3)]
        let (_, report, _, summary) = try Self.simulate(parameters)
        let top = try #require(report.sources.first)
        #expect(top.name == "policy-L1 critiquing level 2", "\(report.sources.map(\.name))")
        let truth = try #require(summary.estimands.first { $0.name == "source_excess:critic:2" }?.value)
        #expect(top.excessInterval.contains(truth), "excess \(top.excessInterval) against the truth \(truth)")
        #expect(report.claims.first { $0.estimand == "source_excess:critic:2" }?.significant == true)
        for level in report.levels where level.level > 0 {
            #expect(level.unpairedAssisted == 0, "level \(level.level)")
            #expect(level.shownWrong.trials + level.shownRight.trials > 0)
        }
    }

    /// The report keeps only the largest few root errors while it walks them all: asking for a
    /// few gives exactly the first few of the whole ranking, ties in sequence order, and the same
    /// groups, counted over every root error.
    @Test func theFewLargestRootErrorsAreTheHeadOfTheWholeRanking() throws {
        var parameters = SimulationParameters()
        parameters.outputsPerLevel = 1_000
        let (temp, all, _, _) = try Self.simulate(parameters)
        let few = try PropagationAnalysis.run(temp.ledger, .init(topRootErrors: 7))
        #expect(all.rootErrorCount > 150, "more than the 71 the walk holds at once for 7")
        #expect(few.rootErrorCount == all.rootErrorCount)
        #expect(few.rootErrors.map(\.seq) == Array(all.rootErrors.prefix(7).map(\.seq)))
        for (a, b) in zip(all.rootErrors, all.rootErrors.dropFirst()) {
            #expect(a.radius > b.radius || (a.radius == b.radius && a.seq < b.seq), "\(a.id) before \(b.id)")
        }
        #expect(few.rootErrorGroups.map(\.name) == Array(all.rootErrorGroups.prefix(7).map(\.name)))
        #expect(all.rootErrorGroups.map(\.count).reduce(0, +) == all.rootErrorCount)
        for group in all.rootErrorGroups {
            // One critic per level in the simulator: kind, level and error type name the group.
            let members = all.rootErrors.filter { root in
                root.kind == group.kind && root.level == group.level && root.errorType == group.errorType
            }
            #expect(members.count == group.count, "\(group.name)")
            #expect(Array(members.map(\.seq).sorted().prefix(3)) == group.exampleSeqs, "\(group.name): its smallest seqs are the examples")
            #expect(members.map(\.radius).max() == group.largestRadius, "\(group.name)")
        }
    }

    /// A spike planted at level 2 is that level's: the step into it rises, the step out falls.
    @Test func aSpikeIsReportedAsThatLevelsSpike() throws {
        var parameters = SimulationParameters()
        parameters.outputsPerLevel = 2_000
        parameters.injections = [ErrorInjection(level: 2, kind: .label, rate: 0.3)]
        let (_, report, _, _) = try Self.simulate(parameters)
        let into = try #require(report.claims.first { $0.estimand == "step_ratio:label:2" })
        let out = try #require(report.claims.first { $0.estimand == "step_ratio:label:3" })
        #expect(into.significant && into.estimate > 1, "\(into)")
        #expect(out.significant && out.estimate < 1, "\(out)")
        #expect(report.claims.first { $0.estimand == "heterogeneity:label" }?.significant == true)
    }
}
