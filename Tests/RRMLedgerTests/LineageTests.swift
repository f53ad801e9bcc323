import Foundation
import Testing

@testable import RRMAnalysis
@testable import RRMArchive
@testable import RRMSimulation
@testable import RRMStore

/// The graph walker: the same answers from the in-memory graph and from the edge indexes, the
/// link classes followed as asked, and paths back to the start.
@Suite struct LineageTests {
    func ids(_ answer: LineageAnswer, upstream: Bool) -> Set<String> {
        Set(answer.listed.filter { $0.upstream == upstream }.compactMap { answer.entries[$0.seq]?.id })
    }

    @Test func upstreamOfAnAssistedLabelFollowsEveryClass() throws {
        let temp = try TemporaryLedger()
        try temp.append(Fixture.pipeline)
        let answer = try temp.ledger.lineage(of: "label-1a", LineageQuery(direction: .up))
        #expect(
            ids(answer, upstream: true) == [
                "crit-1a", "out-1a", "policy-0", "policy-1", "rm-0", "data-0", "label-0a", "label-0b", "out-0a", "out-0b",
            ])
        #expect(answer.upstreamCounts[0]?[.label] == 2)
        #expect(answer.upstreamCounts[1]?[.critique] == 1)
        #expect(answer.downstreamCounts.isEmpty)
    }

    @Test func evaluationLinksAloneStayWithinTheEvaluation() throws {
        let temp = try TemporaryLedger()
        try temp.append(Fixture.pipeline)
        let up = try temp.ledger.lineage(of: "label-1a", LineageQuery(direction: .up, via: [.evaluation]))
        #expect(ids(up, upstream: true) == ["crit-1a", "out-1a"])
        let down = try temp.ledger.lineage(of: "out-1a", LineageQuery(direction: .down, via: [.evaluation, .audit]))
        #expect(ids(down, upstream: false) == ["crit-1a", "label-1a", "finding-1", "finding-2"])
        // The path from the output to the label goes through the critique or directly; BFS finds the direct link.
        let label = try #require(down.listed.first { down.entries[$0.seq]?.id == "label-1a" })
        #expect(down.closure.path(to: label.seq).map { down.entries[$0.seq]?.id ?? "" } == ["out-1a", "label-1a"])
        #expect(label.role == .labelTarget)
    }

    @Test func downstreamThroughTrainingReachesTheNextLevel() throws {
        let temp = try TemporaryLedger()
        try temp.append(Fixture.pipeline)
        let answer = try temp.ledger.lineage(of: "label-0a", LineageQuery(direction: .down, via: [.training]))
        #expect(ids(answer, upstream: false) == ["data-0", "rm-0", "policy-1", "out-1a"])
        let finding = try #require(answer.listed.first { answer.entries[$0.seq]?.id == "out-1a" })
        #expect(
            answer.closure.path(to: finding.seq).map { answer.entries[$0.seq]?.id ?? "" } == [
                "label-0a", "data-0", "rm-0", "policy-1", "out-1a",
            ])
        #expect(finding.depth == 4)
    }

    @Test func depthAndListingLimitsAreHonoured() throws {
        let temp = try TemporaryLedger()
        try temp.append(Fixture.pipeline)
        let shallow = try temp.ledger.lineage(of: "label-0a", LineageQuery(direction: .down, maxDepth: 2))
        #expect(ids(shallow, upstream: false) == ["data-0", "rm-0"])
        let limited = try temp.ledger.lineage(of: "label-1a", LineageQuery(direction: .up), listing: LineageListing(limit: 3))
        #expect(limited.listed.count == 3)
        #expect(limited.truncated)
        #expect(limited.upstreamCounts.values.flatMap(\.values).reduce(0, +) == 10)
        let onlyLabels = try temp.ledger.lineage(of: "label-1a", LineageQuery(direction: .up), listing: LineageListing(kind: .label))
        #expect(Set(onlyLabels.listed.compactMap { onlyLabels.entries[$0.seq]?.id }) == ["label-0a", "label-0b"])
    }

    @Test func theLinksAmongListedEntriesAreTheFollowedOnes() throws {
        let temp = try TemporaryLedger()
        try temp.append(Fixture.pipeline)
        let answer = try temp.ledger.lineage(of: "crit-1a", LineageQuery(direction: .both, via: [.evaluation, .audit]))
        let links = Set(answer.links.map { "\(answer.entries[$0.child]!.id) \($0.role.rawValue) \(answer.entries[$0.parent]!.id)" })
        #expect(
            links == [
                "crit-1a critique_target out-1a", "label-1a assisted_by crit-1a", "label-1a label_target out-1a",
                "finding-1 about crit-1a", "finding-2 about crit-1a",
            ])
    }

    @Test func theGraphAndTheIndexesGiveTheSameClosures() throws {
        let temp = try TemporaryLedger()
        var parameters = SimulationParameters()
        parameters.outputsPerLevel = 60
        parameters.levels = 2
        _ = try SimulationRun.intoLedger(temp.ledger, parameters: parameters)
        let graph = try LineageGraph.load(from: temp.ledger)
        #expect(graph.count == Int(try temp.ledger.head().seq))
        var rng = SimulationRandom(seed: 3)
        for _ in 0..<40 {
            let start = Int64(rng.integer(in: 1...graph.count))
            for query in [
                LineageQuery(direction: .both), LineageQuery(direction: .down, via: [.evaluation, .audit]),
                LineageQuery(direction: .up, via: [.training, .version], maxDepth: 3),
            ] {
                let fromGraph = try LineageWalker.closure(of: start, in: graph, query)
                let (fromIndexes, counts) = try temp.ledger.indexedClosure(of: Int64(start), query)
                #expect(Set(fromGraph.steps.map(\.seq)) == Set(fromIndexes.steps.map(\.seq)))
                #expect(fromGraph.steps.map(\.depth).sorted() == fromIndexes.steps.map(\.depth).sorted())
                #expect(try fromGraph.counts(in: graph) == counts)
            }
        }
    }

    @Test func anUnknownIdIsAnError() throws {
        let temp = try TemporaryLedger()
        try temp.append(Fixture.pipeline)
        #expect(throws: LedgerError.unknownEntry(id: "ghost")) { try temp.ledger.lineage(of: "ghost", LineageQuery(direction: .up)) }
    }
}
