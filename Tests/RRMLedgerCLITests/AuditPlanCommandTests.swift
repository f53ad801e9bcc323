import Foundation
import Testing

/// `rrm-ledger audit-plan` as a real process.
@Suite struct AuditPlanCommandTests {
    func simulated() throws -> CLIProcess {
        let cli = try CLIProcess()
        let result = try cli.run(["simulate", "--ledger", "s.sqlite", "--outputs", "400"])
        #expect(result.status == 0, "\(result.stderr)")
        return cli
    }

    @Test func printsThePlanAndWritesTheWorklistAsCSVAndJSON() throws {
        let cli = try simulated()
        let text = try cli.run(["audit-plan", "--ledger", "s.sqlite", "--budget", "120"])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.hasPrefix("rrm-ledger audit-plan: the next "))
        #expect(text.stdout.contains("exposure (relative risk) at level 1"))
        #expect(text.stdout.contains("first items"))
        let csv = try cli.run(["audit-plan", "--ledger", "s.sqlite", "--budget", "120", "--format", "csv", "--seed", "5"])
        #expect(csv.status == 0)
        let rows = csv.stdout.split(separator: "\r\n")
        #expect(rows.first == "order,id,seq,kind,level,question,paired_with")
        #expect(rows.count > 1 && rows.count <= 121)
        #expect(rows.dropFirst().allSatisfy { $0.split(separator: ",", omittingEmptySubsequences: false).count == 7 })
        // The same seed, the same worklist.
        #expect(
            try cli.run(["audit-plan", "--ledger", "s.sqlite", "--budget", "120", "--format", "csv", "--seed", "5"]).stdout == csv.stdout)
        let json = try cli.run(["audit-plan", "--ledger", "s.sqlite", "--budget", "120", "--format", "json", "--seed", "5"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let worklist = try #require(object["worklist"] as? [[String: Any]])
        #expect(worklist.count == rows.count - 1)
        #expect((object["questions"] as? [Any])?.count == 10)  // 4 label rates, 3 critique rates, 3 relative risks
    }

    @Test func refusesToReplaceAFileAndNonsenseOptions() throws {
        let cli = try simulated()
        try cli.write("keep me\n", to: "plan.csv")
        let refused = try cli.run(["audit-plan", "--ledger", "s.sqlite", "--budget", "10", "--format", "csv", "--out", "plan.csv"])
        #expect(refused.status == 73, "\(refused.stderr)")
        #expect(try String(contentsOfFile: cli.path("plan.csv"), encoding: .utf8) == "keep me\n")
        let written = try cli.run(["audit-plan", "--ledger", "s.sqlite", "--budget", "10", "--format", "csv", "--out", "new.csv"])
        #expect(written.status == 0, "\(written.stderr)")
        #expect(written.stdout.contains("written to new.csv"))
        #expect(try String(contentsOfFile: cli.path("new.csv"), encoding: .utf8).hasPrefix("order,id,seq"))
        for (arguments, message) in [
            (["--budget", "0"], "--budget must be from 1 to 10,000,000, not 0"),
            (["--budget", "5", "--ratio-spread", "1"], "--ratio-spread must be from 1.001 to 1,000, not 1"),
            (["--budget", "5", "--rate-width", "nan"], "--rate-width must be from 0.001 to 1"),
        ] {
            let result = try cli.run(["audit-plan", "--ledger", "s.sqlite"] + arguments)
            #expect(result.status == 64, "\(arguments)")
            #expect(result.stderr.contains(message), "\(result.stderr)")
        }
        #expect(try cli.run(["audit-plan", "--ledger", "missing.sqlite", "--budget", "5"]).status == 66)
    }
}
