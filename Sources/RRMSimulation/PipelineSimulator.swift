import Foundation
import RRMAnalysis
import RRMFormat
import RRMStore

/// Where a simulation's events go: appended to a ledger in batches, or written to a file.
protocol SimulationOutput: AnyObject {
    /// One event line, newline included.
    func write(event line: [UInt8]) throws
    /// The end of a batch: what came before may be appended as one transaction.
    func endBatch() throws
}

/// What a simulation produced.
public struct SimulationSummary: Sendable, Equatable {
    public let entries: Int
    public let levels: [LevelTruth]

    /// The true value of every estimand the report claims, by name (`LevelTruth.estimands`).
    public var estimands: [(name: String, value: Double?)] {
        var values = levels.enumerated().flatMap { index, level in level.estimands(below: index == 0 ? nil : levels[index - 1]) }
        // Each source's excess errors: its entries × (its true error rate − the true rate of the
        // same kind's entries made by the other sources of the levels the report compares it
        // with, `ErrorSource.comparisonLevels`, pooled). One critic critiques each level.
        func excess(_ wrong: Int, _ all: Int, at level: Int, _ others: [(level: Int, all: Int, wrong: Int)]) -> Double? {
            let made = others.filter { $0.all > 0 }
            let wanted = ErrorSource.comparisonLevels(at: level, among: Set(made.map(\.level)))
            let chosen = made.filter { wanted.contains($0.level) }
            let restAll = chosen.reduce(0) { $0 + $1.all }
            let restWrong = chosen.reduce(0) { $0 + $1.wrong }
            guard all > 0, restAll > 0 else { return nil }
            return Double(all) * (Double(wrong) / Double(all) - Double(restWrong) / Double(restAll))
        }
        for level in levels {
            let others = levels.filter { $0.level != level.level }
            if level.critiques > 0 {
                values.append(
                    (
                        "source_excess:critic:\(level.level)",
                        excess(
                            level.wrongCritiques, level.critiques, at: level.level,
                            others.filter { $0.critiques > 0 }.map { ($0.level, $0.critiques, $0.wrongCritiques) })
                    ))
            }
            values.append(
                (
                    "source_excess:raters:\(level.level)",
                    excess(level.wrongLabels, level.labels, at: level.level, others.map { ($0.level, $0.labels, $0.wrongLabels) })
                ))
        }
        return values
    }

    /// The truth file's last line: `{"kind": "estimands", "values": {name: value or null}}`.
    var estimandsJSON: JSONValue {
        var values = JSONObject()
        for (name, value) in estimands { values[name] = value.map(JSONValue.number) ?? .null }
        return ["kind": "estimands", "values": .object(values)]
    }
}

/// Generates a complete recursive reward modelling pipeline with known ground truth
/// (docs/SIMULATOR.md). At each level k a policy produces outputs; from level 1 on the previous
/// level's policy critiques each one; raters label them, mostly with the critique shown; the
/// labels form the datasets that train level k's reward model, which trains level k+1's policy.
/// Auditors then inspect a sample. Errors propagate as the literature describes: harder outputs
/// defeat unassisted raters, wrong critiques mislead raters who follow them, critics trained on
/// worse labels catch less and invent more, and policies hack the blind spots of their reward
/// model's labels.
///
/// Everything streams: per level, only category tallies and the pending audit findings are kept.
final class PipelineSimulator {
    let parameters: SimulationParameters
    private var random: SimulationRandom
    private let output: SimulationOutput
    private let truth: ((TruthRecord) throws -> Void)?
    private var eventCount = 0
    private var eventsInBatch = 0
    private var raterMultipliers: [Double] = []

    /// - Parameters:
    ///   - truth: receives the hidden truth of every output, critique and label.
    init(parameters: SimulationParameters, output: SimulationOutput, truth: ((TruthRecord) throws -> Void)? = nil) {
        self.parameters = parameters
        self.random = SimulationRandom(seed: parameters.seed)
        self.output = output
        self.truth = truth
    }

    /// A finding to record once a level's labels are in.
    private struct PendingFinding {
        let about: String
        let erroneous: Bool
        let errorType: String?
    }

    /// Generates the whole pipeline.
    func run() throws -> SimulationSummary {
        let p = parameters
        var levelTruths: [LevelTruth] = []
        // Label error per category among the labels that trained the previous reward model.
        var previousCategoryError = [Double](repeating: 0, count: p.categories)
        // The error of the labels this level's policy was trained on, and this level's critic
        // (the previous policy): agent A, the level-0 policy, from unassisted human feedback;
        // policy-Lk from the reward model of level k − 1, as its `trained_on` records. So the
        // critic of level k follows the labels of level k − 2 (docs/SIMULATOR.md).
        var policyTrainingError = p.raterError
        var criticTrainingError = p.raterError
        var previousPolicy: String?
        var previousRewardModel: String?

        for level in 0...p.levels {
            var tally = LevelTruth(level: level)
            var categoryLabels = [Int](repeating: 0, count: p.categories)
            var categoryWrong = [Int](repeating: 0, count: p.categories)
            var findings: [PendingFinding] = []
            let policy = "policy-L\(level)"
            let critic = previousPolicy

            var model = EventLine(kind: "model", id: policy, time: nextTime())
            model.integer("level", level)
            model.string("role", "policy")
            if let previousPolicy { model.string("base", previousPolicy) }
            if let previousRewardModel { model.strings("trained_on", [previousRewardModel]) }
            model.string("weights_sha256", randomDigest())
            model.json("attributes", ["agent": .string(Self.agentName(level))])
            try emit(model.finish())

            // The critic of this level is the previous policy; its quality follows its training labels.
            let degradation = p.criticDegradation * criticTrainingError
            let recall = max(0, min(1, p.criticRecall * (1 - degradation)))
            let hallucination = max(0, min(1, p.criticHallucination * (1 + 2 * degradation)))
            if level > 0 {
                tally.criticRecall = recall
                tally.criticHallucination = hallucination
                tally.critic = critic
            }

            var datasetMembers: [String] = []
            var datasetPart = 0
            var previousPart: String?

            for index in 0..<p.outputsPerLevel {
                let category = Int(random.next() % UInt64(p.categories))
                let outputID = "L\(level)-output-\(index)"

                // The output: flawed at the base rate, more often where the reward model's labels were wrong.
                let hackedRate = level == 0 ? 0 : p.rewardHacking * previousCategoryError[category]
                let draw = random.unit()
                var flawed = draw < min(0.95, p.baseFlawRate + hackedRate)
                var outputCause: String? = flawed ? (draw < p.baseFlawRate ? "base" : "reward_hacking") : nil
                if !flawed, random.chance(injectionRate(level, .output)) {
                    flawed = true
                    outputCause = "injected"
                    tally.injectedOutputs += 1
                }
                tally.outputs += 1
                if flawed { tally.flawedOutputs += 1 }
                var outputLine = EventLine(kind: "output", id: outputID, time: nextTime())
                outputLine.string("model", policy)
                outputLine.string("task", "\(Self.categoryNames[category % Self.categoryNames.count])-\(index % 997)")
                let content = Self.content(category: category, index: index)
                outputLine.string("content", content)
                outputLine.string("content_sha256", SHA256Hash.of(content.utf8).hex)
                try emit(outputLine.finish())
                try truth?(
                    TruthRecord(
                        id: outputID, kind: .output, level: level, category: category, erroneous: flawed,
                        errorType: outputCause == "reward_hacking" ? "reward_hacking" : (flawed ? "flawed_output" : nil),
                        cause: outputCause, shownCritique: nil, audited: false))

                // The critique, from level 1 on: flags a flaw or does not.
                var critiqueID: String?
                var critiqueRight = true
                var pendingCritique: (finding: PendingFinding, record: TruthRecord)?
                if let critic {
                    let id = "L\(level)-critique-\(index)"
                    var flags = flawed ? random.chance(recall) : random.chance(hallucination)
                    var cause: String? = flags == flawed ? nil : "critic_quality"
                    if flags == flawed, random.chance(injectionRate(level, .critique)) {
                        flags.toggle()
                        cause = "injected"
                        tally.injectedCritiques += 1
                    }
                    critiqueRight = flags == flawed
                    let errorType = critiqueRight ? nil : (flawed ? "missed_flaw" : "hallucinated_flaw")
                    var line = EventLine(kind: "critique", id: id, time: nextTime())
                    line.string("critic", critic)
                    line.strings("targets", [outputID])
                    if flags {
                        let (claim, location) = Self.claim(category: category, index: index)
                        line.string("text", "The \(Self.categoryNames[category % Self.categoryNames.count]) solution \(claim).")
                        line.json(
                            "findings",
                            [
                                [
                                    "claim": .string(claim), "severity": .string(["low", "medium", "high"][index % 3]),
                                    "location": .string(location),
                                ]
                            ])
                    } else {
                        line.string("text", "No problems found; the solution handles the cases in the task.")
                        line.json("findings", [])
                    }
                    line.json("attributes", ["tokens": .number(Double(random.integer(in: 80...900))), "sampling_temperature": 0.7])
                    try emit(line.finish())
                    // Paired audits decide the critique's audit with its label's, below.
                    let audited = p.pairedAudits ? false : random.chance(p.auditRate)
                    if audited { findings.append(PendingFinding(about: id, erroneous: !critiqueRight, errorType: errorType)) }
                    pendingCritique = (
                        finding: PendingFinding(about: id, erroneous: !critiqueRight, errorType: errorType),
                        record: TruthRecord(
                            id: id, kind: .critique, level: level, category: category, erroneous: !critiqueRight,
                            errorType: errorType, cause: cause, shownCritique: nil, audited: audited)
                    )
                    tally.critiques += 1
                    if !critiqueRight { tally.wrongCritiques += 1 }
                    critiqueID = id
                }

                // The label: a rater judges whether the output is flawed.
                let labelID = "L\(level)-label-\(index)"
                let difficulty = Self.categoryDifficulty(category, of: p.categories)
                // The rater is drawn where it always was unless its error depends on who it is, so
                // a seed gives the same ledger as before rater effects existed.
                let clustered = p.raterSpread > 0
                let earlyRater = clustered ? random.integer(in: 1...p.raters) : nil
                let clustering = (earlyRater.map(raterEffect) ?? 1) * batchEffect(level: level, batch: index / Self.labelsPerBatch)
                let unassistedError = min(0.5, (p.raterError + p.difficultyGrowth * Double(level)) * difficulty * clustering)
                let assisted = critiqueID != nil && random.chance(p.assistedShare)
                var wrong: Bool
                var cause: String?
                if assisted && !critiqueRight && random.chance(p.sycophancy) {
                    wrong = true
                    cause = "followed_wrong_critique"
                } else {
                    let error = assisted && critiqueRight ? unassistedError * (1 - p.assistanceBenefit) : unassistedError
                    wrong = random.chance(error)
                    cause = wrong ? "rater" : nil
                }
                if !wrong, random.chance(injectionRate(level, .label)) {
                    wrong = true
                    cause = "injected"
                    tally.injectedLabels += 1
                }
                let saysFlawed = flawed != wrong
                var line = EventLine(kind: "label", id: labelID, time: nextTime())
                let raterName = "human:rater-\(earlyRater ?? random.integer(in: 1...p.raters))"
                line.string("rater", raterName)
                line.strings("targets", [outputID])
                line.json(
                    "value",
                    [
                        "verdict": .string(saysFlawed ? "flawed" : "acceptable"),
                        "score": .number(Double(saysFlawed ? random.integer(in: 1...3) : random.integer(in: 5...7))),
                    ])
                if assisted, let critiqueID { line.strings("assisted_by", [critiqueID]) }
                line.json(
                    "attributes",
                    [
                        "seconds_spent": .number(Double(random.integer(in: 20...600))), "interface": "compare-v2",
                        "batch": .string("L\(level)-b\(index / Self.labelsPerBatch)"),
                    ])
                try emit(line.finish())
                let errorType = wrong ? (cause == "followed_wrong_critique" ? "sycophancy" : "mislabel") : nil
                let audited = random.chance(p.auditRate)
                if audited { findings.append(PendingFinding(about: labelID, erroneous: wrong, errorType: errorType)) }
                if let pending = pendingCritique {
                    var record = pending.record
                    if p.pairedAudits {
                        // The critique is audited with the label its rater made, or on its own.
                        let critiqueAudited = assisted ? audited : random.chance(p.auditRate)
                        if critiqueAudited { findings.append(pending.finding) }
                        record = record.audited(critiqueAudited)
                    }
                    try truth?(record)
                }
                try truth?(
                    TruthRecord(
                        id: labelID, kind: .label, level: level, category: category, erroneous: wrong, errorType: errorType,
                        cause: cause, shownCritique: assisted ? critiqueID : nil, audited: audited))
                tally.labels += 1
                tally.raters[raterName, default: LevelTruth.Tally()].all += 1
                if wrong { tally.raters[raterName, default: LevelTruth.Tally()].wrong += 1 }
                if assisted && !critiqueRight {
                    tally.shownWrongLabels += 1
                    if wrong { tally.wrongShownWrongLabels += 1 }
                }
                categoryLabels[category] += 1
                if wrong {
                    tally.wrongLabels += 1
                    categoryWrong[category] += 1
                }
                if assisted {
                    tally.assistedLabels += 1
                    if wrong { tally.wrongAssistedLabels += 1 }
                    if cause == "followed_wrong_critique" { tally.sycophanticLabels += 1 }
                    if flawed && !wrong && critiqueRight { tally.caughtWithHelp += 1 }
                }

                datasetMembers.append(labelID)
                if datasetMembers.count == p.datasetSize || index == p.outputsPerLevel - 1 {
                    let id = "L\(level)-dataset-\(datasetPart)"
                    var dataset = EventLine(kind: "dataset", id: id, time: nextTime())
                    dataset.strings("members", datasetMembers)
                    if let previousPart { dataset.string("extends", previousPart) }
                    try emit(dataset.finish())
                    previousPart = id
                    datasetPart += 1
                    datasetMembers.removeAll(keepingCapacity: true)
                }
            }

            let rewardModel = "reward-model-L\(level)"
            var rm = EventLine(kind: "model", id: rewardModel, time: nextTime())
            rm.integer("level", level)
            rm.string("role", "reward_model")
            rm.strings("trained_on", [previousPart!])
            rm.string("weights_sha256", randomDigest())
            try emit(rm.finish())

            for (number, finding) in findings.enumerated() {
                var line = EventLine(kind: "finding", id: "L\(level)-finding-\(number)", time: nextTime())
                line.string("about", finding.about)
                line.string("verdict", finding.erroneous ? "erroneous" : "correct")
                line.string("auditor", "human:auditor-\(number % 5 + 1)")
                if let errorType = finding.errorType { line.string("error_type", errorType) }
                line.string("evidence", "audit sample of level \(level)")
                try emit(line.finish())
            }

            levelTruths.append(tally)
            for category in 0..<p.categories {
                previousCategoryError[category] =
                    categoryLabels[category] == 0 ? 0 : Double(categoryWrong[category]) / Double(categoryLabels[category])
            }
            criticTrainingError = policyTrainingError
            policyTrainingError = tally.labelErrorRate
            previousPolicy = policy
            previousRewardModel = rewardModel
        }
        if eventsInBatch > 0 { try output.endBatch() }
        return SimulationSummary(entries: eventCount, levels: levelTruths)
    }

    // MARK: - Helpers

    private func emit(_ line: [UInt8]) throws {
        try output.write(event: line)
        eventCount += 1
        eventsInBatch += 1
        if eventsInBatch == parameters.batchSize {
            try output.endBatch()
            eventsInBatch = 0
        }
    }

    private func nextTime() -> String {
        Timestamp.format(secondsSinceEpoch: parameters.startTime + eventCount)
    }

    /// Labels per batch (`attributes.batch`).
    static let labelsPerBatch = 500

    /// A rater's error multiplier (1 unless `raterSpread` > 0), fixed for the whole pipeline and
    /// drawn from a stream of its own, so switching it on leaves every other draw as it was.
    private func raterEffect(_ rater: Int) -> Double {
        guard parameters.raterSpread > 0 else { return 1 }
        if raterMultipliers.isEmpty {
            var stream = SimulationRandom(seed: parameters.seed ^ 0x5241_5445_5253_5052)
            raterMultipliers = (0..<parameters.raters).map { _ in Self.meanOneLogNormal(parameters.raterSpread, &stream) }
        }
        return raterMultipliers[rater - 1]
    }

    /// A batch's error multiplier (1 unless `batchEffect` > 0), from a stream of its own per batch.
    private func batchEffect(level: Int, batch: Int) -> Double {
        guard parameters.batchEffect > 0 else { return 1 }
        let stream: UInt64 = 0x4241_5443_4800_0000 &+ (UInt64(level) << 32) &+ UInt64(batch)
        var random = SimulationRandom(seed: parameters.seed ^ stream)
        return Self.meanOneLogNormal(parameters.batchEffect, &random)
    }

    /// exp(σ·z − σ²/2) for a standard normal z: log-normal with mean 1.
    static func meanOneLogNormal(_ sigma: Double, _ random: inout SimulationRandom) -> Double {
        Foundation.exp(sigma * random.normal() - sigma * sigma / 2)
    }

    private func injectionRate(_ level: Int, _ kind: ErrorInjection.Kind) -> Double {
        var kept = 1.0
        for injection in parameters.injections where injection.level == level && injection.kind == kind { kept *= 1 - injection.rate }
        return 1 - kept
    }

    private func randomDigest() -> String {
        Hex.encode((0..<4).flatMap { _ in withUnsafeBytes(of: random.next().bigEndian, Array.init) })
    }

    /// How much harder than average a category is for raters: from 0.6× to 1.4×, so some
    /// categories are blind spots.
    static func categoryDifficulty(_ category: Int, of categories: Int) -> Double {
        categories == 1 ? 1 : 0.6 + 0.8 * Double(category) / Double(categories - 1)
    }

    static func agentName(_ level: Int) -> String {
        level < 26 ? String(UnicodeScalar(UInt8(65 + level))) : "L\(level)"
    }

    static let categoryNames = ["parsing", "sorting", "concurrency", "numerics", "io", "security", "caching", "api"]

    private static let claims: [(String, String)] = [
        ("skips the last element of the input", "loop bound"),
        ("crashes on empty input", "first line"),
        ("overflows for large values", "accumulator"),
        ("leaks a file handle on error", "error path"),
        ("races when two callers write at once", "shared state"),
        ("accepts unvalidated user input", "request handler"),
    ]

    static func claim(category: Int, index: Int) -> (String, String) {
        claims[(category + index) % claims.count]
    }

    /// The output's text. It never depends on whether the output is flawed: the truth stays
    /// out of the ledger.
    static func content(category: Int, index: Int) -> String {
        let name = categoryNames[category % categoryNames.count]
        return "def solve_\(name)_\(index)(xs):\n    total = 0\n    for i in range(len(xs)):\n        total += xs[i]\n    return total\n"
    }
}
