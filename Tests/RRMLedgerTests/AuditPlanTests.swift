import Foundation
import Testing

@testable import RRMAnalysis
@testable import RRMFormat
@testable import RRMSimulation
@testable import RRMStore

/// The audit plan: which entries it picks, that it keeps the report's samples random, and that
/// its expected interval widths are what the audits then give.
@Suite struct AuditPlanTests {
    @Test func theFirstAuditsCompleteAPairAndThenDrawALabelWithItsCritique() throws {
        let temp = try TemporaryLedger()
        try temp.append(PropagationAnalysisTests.handBuilt)
        // Level 1's exposure has one pair of each kind (m1–c1, m2–c2): its interval is the widest
        // question. m3 is audited but its critique c3 is not: one audit completes that pair.
        let one = try AuditPlan.make(temp.ledger, AuditPlan.Options(budget: 1))
        #expect(one.worklist.map(\.id) == ["c3"])
        #expect(one.worklist.first?.pairedWith == "m3")
        #expect(one.worklist.first?.question == .exposure(level: 1))
        // Then the only unaudited label of level 1, m4; its critique c4 would make the budget 3.
        let two = try AuditPlan.make(temp.ledger, AuditPlan.Options(budget: 2))
        #expect(two.worklist.map(\.id) == ["c3", "m4"])
        let three = try AuditPlan.make(temp.ledger, AuditPlan.Options(budget: 3))
        #expect(three.worklist.map(\.id) == ["c3", "m4", "c4"])
        #expect(three.worklist.last?.pairedWith == "m4")
        let exposure = try #require(three.questions.first { $0.question == .exposure(level: 1) })
        #expect(exposure.audited == 2 && exposure.planned == 2)
        #expect(exposure.expectedWidth < exposure.width)
        #expect(
            three.questions.map(\.question) == [
                .rate(.label, level: 0), .rate(.label, level: 1), .rate(.critique, level: 1), .exposure(level: 1),
            ])
    }

    @Test func theWorklistIsReproducibleRandomAndNeverRepeatsAnAudit() throws {
        var parameters = SimulationParameters()
        parameters.outputsPerLevel = 1_500
        parameters.seed = 4
        let temp = try TemporaryLedger()
        _ = try SimulationRun.intoLedger(temp.ledger, parameters: parameters)
        let plan = try AuditPlan.make(temp.ledger, AuditPlan.Options(budget: 400, seed: 9))
        let again = try AuditPlan.make(temp.ledger, AuditPlan.Options(budget: 400, seed: 9))
        let other = try AuditPlan.make(temp.ledger, AuditPlan.Options(budget: 400, seed: 10))
        #expect(plan.worklist.map(\.id) == again.worklist.map(\.id), "the same seed, another worklist")
        #expect(plan.worklist.map(\.id) != other.worklist.map(\.id), "another seed, the same worklist")
        #expect(plan.worklist.count <= 400 && plan.worklist.count > 0)
        #expect(Set(plan.worklist.map(\.seq)).count == plan.worklist.count)
        for item in plan.worklist {
            #expect(try temp.ledger.latestFinding(about: item.seq) == nil, "\(item.id) is audited already")
            #expect(item.kind == .label || item.kind == .critique)
            if let label = item.pairedWith {
                // The pair is the critique that label's rater saw.
                let shown = try temp.ledger.entry(id: label).bodyValue()["assisted_by"]?.arrayValue?.first?.stringValue
                #expect(shown == item.id)
            }
        }
        // Every question's planned audits are counted, and the expected widths only shrink.
        for question in plan.questions {
            #expect(question.expectedWidth <= question.width + 1e-12, "\(question.question)")
        }
        #expect(plan.questions.filter { $0.question.estimand.hasPrefix("relative_risk") }.count == 3)
    }

    /// Plan, audit as the plan says (verdicts from the simulator's truth), report: the relative
    /// risk intervals come out about as wide as the plan expected.
    @Test func expectedWidthsAreWhatTheAuditsThenGive() throws {
        var parameters = SimulationParameters()
        parameters.outputsPerLevel = 3_000
        parameters.seed = 6
        parameters.injections = [ErrorInjection(level: 1, kind: .critique, rate: 0.3)]
        let temp = try TemporaryLedger()
        let truthPath = temp.folder.appendingPathComponent("truth.jsonl").path
        _ = try SimulationRun.intoLedger(temp.ledger, parameters: parameters, truthPath: truthPath)
        var erroneous: [String: Bool] = [:]
        for line in try String(contentsOfFile: truthPath, encoding: .utf8).split(separator: "\n") {
            let record = try JSONParser.parse(String(line))
            if let id = record["id"]?.stringValue { erroneous[id] = record["erroneous"] == .bool(true) }
        }
        let plan = try AuditPlan.make(temp.ledger, AuditPlan.Options(budget: 1_500, seed: 2, ratioSpread: 2.5))
        let findings = plan.worklist.map { item in
            "{\"kind\":\"finding\",\"id\":\"planned-\(item.order)\",\"about\":\"\(item.id)\",\"verdict\":\"\(erroneous[item.id]! ? "erroneous" : "correct")\",\"auditor\":\"human:a\"}"
        }
        try temp.append(findings.joined(separator: "\n"))
        let report = try PropagationAnalysis.run(temp.ledger, .init())
        for level in 1...3 {
            let expected = try #require(plan.questions.first { $0.question == .exposure(level: level) })
            let risk = try #require(report.levels.first { $0.level == level }?.relativeRisk)
            let spread = risk.interval.upperBound / risk.interval.lowerBound
            #expect(
                spread < expected.expectedWidth * 1.5 && spread > expected.expectedWidth / 1.5,
                "level \(level): \(spread) against \(expected.expectedWidth)")
        }
    }
}
