import Foundation
import GRDB
import RRMLedger
import Testing

/// `lineage`, `report` and `trace` as real processes.
@Suite struct AnalysisCommandTests {
    /// A folder with a small simulated ledger.
    func simulated() throws -> CLIProcess {
        let cli = try CLIProcess()
        let result = try cli.run([
            "simulate", "--ledger", "s.sqlite", "--outputs", "150", "--audit-rate", "0.3", "--inject", "1:critique:0.4",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        return cli
    }

    /// The report says what it covers: the verified head, whether --deep ran, the newest checkpoint.
    @Test func reportStatesTheHeadItCoversAndTheNewestCheckpoint() throws {
        let cli = try simulated()
        let plain = try cli.run(["report", "--ledger", "s.sqlite"])
        #expect(plain.status == 0, "\(plain.stderr)")
        let head = try cli.run(["head", "--ledger", "s.sqlite"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let seq = try #require(Int(head.split(separator: ":")[0]))
        #expect(plain.stdout.contains("the analysis read exactly the verified entries 1–\(seq.formatted(.number.grouping(.automatic)))"))
        #expect(plain.stdout.contains("no signed checkpoint"))
        #expect(try cli.run(["keygen", "--out", "k", "--name", "example.org/s"]).status == 0)
        #expect(try cli.run(["checkpoint", "--ledger", "s.sqlite", "--key", "k.key"]).status == 0)
        let deep = try cli.run(["report", "--ledger", "s.sqlite", "--deep", "--format", "json"])
        #expect(deep.status == 0, "\(deep.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(deep.stdout.utf8)) as? [String: Any])
        let basis = try #require(json["basis"] as? [String: Any])
        #expect(basis["deep"] as? Bool == true)
        #expect((basis["head"] as? [String: Any])?["seq"] as? Int == seq)
        let checkpoint = try #require(basis["checkpoint"] as? [String: Any])
        #expect(checkpoint["size"] as? Int == seq)
        #expect((checkpoint["root_hash"] as? String)?.count == 64)
        let text = try cli.run(["report", "--ledger", "s.sqlite", "--deep"])
        #expect(text.stdout.contains("chain, lineage tables and Merkle tree verified (--deep)"))
        #expect(text.stdout.contains("newest signed checkpoint: size \(seq.formatted(.number.grouping(.automatic)))"))
    }

    @Test func lineagePrintsCountsAndATree() throws {
        let cli = try simulated()
        let result = try cli.run(["lineage", "--ledger", "s.sqlite", "L1-label-3", "--direction", "up", "--limit", "5"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("lineage of label \"L1-label-3\""))
        #expect(result.stdout.contains("upstream: what influenced it:"))
        #expect(result.stdout.contains("→ label_target    output \"L1-output-3\""))
        #expect(result.stdout.contains("listing stopped at 5 entries"))
        let evaluation = try cli.run([
            "lineage", "--ledger", "s.sqlite", "L1-output-3", "--direction", "down", "--via", "evaluation", "--format", "json",
        ])
        let json = try JSONSerialization.jsonObject(with: Data(evaluation.stdout.utf8)) as? [String: Any]
        let ids = (json?["entries"] as? [[String: Any]])?.compactMap { $0["id"] as? String }
        #expect(Set(ids ?? []) == ["L1-critique-3", "L1-label-3"])
    }

    @Test func lineageRefusesBadArgumentsAndUnknownIds() throws {
        let cli = try simulated()
        let badVia = try cli.run(["lineage", "--ledger", "s.sqlite", "L1-label-3", "--via", "gossip"])
        #expect(badVia.status == 64)
        #expect(badVia.stderr.contains("unknown link class \"gossip\""))
        let unknown = try cli.run(["lineage", "--ledger", "s.sqlite", "nobody"])
        #expect(unknown.status == 66)
        #expect(unknown.stderr.contains("no entry has the id \"nobody\""))
    }

    /// Renders DOT with the real Graphviz into SVG.
    func renderedSVG(_ cli: CLIProcess, _ dotText: String, name: String) throws -> String {
        try cli.write(dotText, to: "\(name).dot")
        let dot = Process()
        dot.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        dot.arguments = ["dot", "-Tsvg", cli.path("\(name).dot"), "-o", cli.path("\(name).svg")]
        try dot.run()
        dot.waitUntilExit()
        #expect(dot.terminationStatus == 0, "Graphviz's dot must render the output (tools/test installs graphviz)")
        return try String(contentsOfFile: cli.path("\(name).svg"), encoding: .utf8)
    }

    /// The picture of an audited entry shows its verdict: filled as erroneous, with the error
    /// type and the finding, in its level's cluster, with a legend.
    @Test func lineagePicturesShowVerdictsLevelsAndALegend() throws {
        let cli = try simulated()
        let finding = try cli.run([
            "log", "--ledger", "s.sqlite", "--kind", "finding", "--verdict", "erroneous", "--level", "2", "--format", "json",
        ])
        let first = try JSONParser.parse(String(finding.stdout.split(separator: "\n")[0]))
        let about = try #require(first["body"]?["about"]?.stringValue)
        let errorType = try #require(first["body"]?["error_type"]?.stringValue)
        let findingID = try #require(first["id"]?.stringValue)
        let result = try cli.run(["lineage", "--ledger", "s.sqlite", about, "--via", "evaluation,audit", "--format", "dot"])
        #expect(result.status == 0, "\(result.stderr)")
        let node = try #require(result.stdout.split(separator: "\n").first { $0.contains("\\n\(about)\\n") })
        #expect(node.contains("fillcolor=\"#f4a6a0\""), "\(node)")
        #expect(node.contains("erroneous: \(errorType) (\(findingID))"), "\(node)")
        #expect(result.stdout.contains("subgraph cluster_level_2 {"))
        #expect(!result.stdout.contains("TRUNCATED"))
        let svg = try renderedSVG(cli, result.stdout, name: "audited")
        for text in ["legend", "latest finding: erroneous", "not audited", "level 2", errorType] {
            #expect(svg.contains(text), "\(text) missing from the picture")
        }
    }

    /// A closure through training reaches a dataset's members: they are drawn as one node with
    /// counts, the picture says it was cut at --limit, and it stays readable (the fan of members
    /// used to draw 31,023 px wide).
    @Test func lineagePicturesFoldDatasetFansAndMarkTruncation() throws {
        let cli = try simulated()
        let result = try cli.run(["lineage", "--ledger", "s.sqlite", "L2-label-7", "--direction", "up", "--format", "dot"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("label=\"member ×"))
        #expect(result.stdout.contains("members of L0-dataset-0"))
        #expect(result.stdout.contains("TRUNCATED\\n200 of "))
        let svg = try renderedSVG(cli, result.stdout, name: "fan")
        #expect(svg.contains("TRUNCATED"))
        let width = try #require(svg.firstMatch(of: /<svg width="(\d+)pt"/).flatMap { Int($0.1) })
        #expect(width < 2_000, "the picture is \(width) pt wide")
        // With --all nothing is cut or marked so.
        let all = try cli.run(["lineage", "--ledger", "s.sqlite", "L2-label-7", "--direction", "up", "--all", "--format", "dot"])
        #expect(!all.stdout.contains("TRUNCATED"))
        #expect(all.stdout.contains("(truncated)") == false)
    }

    @Test func reportPrintsEverySectionInTextJSONAndHTML() throws {
        let cli = try simulated()
        let text = try cli.run(["report", "--ledger", "s.sqlite"])
        #expect(text.status == 0, "\(text.stderr)")
        for section in [
            "ERROR RATES BY LEVEL", "EXPOSURE", "CLAIMS", "MODEL VERSIONS", "ROOT ERRORS BY BLAST RADIUS", "ASSISTANCE",
            "ERROR TYPES BY LEVEL", "SOURCES: CRITICS AND RATERS", "RATERS (", "KNOWN ERRORS BY CLASS",
        ] {
            #expect(text.stdout.contains(section), "\(section)")
        }
        #expect(text.stdout.contains("chain verified"))
        #expect(text.stdout.split(separator: "\n").allSatisfy { $0.count <= 100 }, "lines must fit 100 columns")

        let json = try cli.run(["report", "--ledger", "s.sqlite", "--format", "json"])
        let report = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect((report?["levels"] as? [Any])?.count == 4)
        #expect(((report?["basis"] as? [String: Any])?["verified"] as? Bool) == true)
        #expect((report?["root_errors"] as? [Any])?.isEmpty == false)
        #expect((report?["root_error_groups"] as? [Any])?.isEmpty == false)
        #expect((report?["sources"] as? [Any])?.count == 7)
        #expect((report?["raters"] as? [Any])?.count == 4)

        let html = try cli.run(["report", "--ledger", "s.sqlite", "--format", "html", "--out", "report.html"])
        #expect(html.status == 0)
        #expect(html.stdout == "report written to report.html\n")
        let page = try String(contentsOfFile: cli.path("report.html"), encoding: .utf8)
        #expect(page.hasPrefix("<!DOCTYPE html>"))
        // Rates by level, sources, exposure, root errors.
        #expect(page.components(separatedBy: "<svg").count - 1 == 4)
        for heading in [
            "Sources: critics and raters", "Raters", "Known errors by class", "Error types by level", "Training share inherited",
        ] {
            #expect(page.contains("<h2>\(heading)"), "\(heading)")
        }
        #expect(!page.contains("<script"))
        #expect(!page.contains("src=\"http"))
        #expect(!page.contains("href=\"http"))
    }

    /// The claims family: JSON a pipeline can gate on, and the same verdicts in words.
    @Test func reportStatesItsClaimsAfterHolmCorrection() throws {
        let cli = try simulated()
        let json = try cli.run(["report", "--ledger", "s.sqlite", "--format", "json"])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let claims = try #require(report["claims"] as? [[String: Any]])
        let multiplicity = try #require(report["multiplicity"] as? [String: Any])
        #expect(multiplicity["method"] as? String == "holm")
        #expect(multiplicity["claims"] as? Int == claims.count)
        // Every step and both tests across levels are claims (level 1 has no critique step: level 0
        // has no critiques); relative risks and assistance ratios where a group has an event.
        let estimands = Set(claims.compactMap { $0["estimand"] as? String })
        for estimand in [
            "heterogeneity:label", "heterogeneity:critique", "step_ratio:label:1", "step_ratio:label:2", "step_ratio:label:3",
            "step_ratio:critique:2", "step_ratio:critique:3", "assistance_ratio:1",
        ] {
            #expect(estimands.contains(estimand), "\(estimand) missing from \(estimands.sorted())")
        }
        #expect(!estimands.contains("step_ratio:critique:1"))
        #expect(estimands.allSatisfy { !$0.hasPrefix("relative_risk:0") && !$0.hasPrefix("assistance_ratio:0") })
        var holding: [String] = []
        var failing: [String] = []
        for claim in claims {
            for field in ["statement", "level", "estimate", "ci", "p_value", "p_adjusted", "significant", "estimand"] {
                #expect(claim[field] != nil, "\(field) missing in \(claim)")
            }
            let pAdjusted = try #require(claim["p_adjusted"] as? Double)
            let pValue = try #require(claim["p_value"] as? Double)
            let significant = try #require(claim["significant"] as? Bool)
            #expect(significant == (pAdjusted < 0.05))
            #expect(pAdjusted >= pValue)
            let statement = try #require(claim["statement"] as? String)
            if significant { holding.append(statement) } else { failing.append(statement) }
        }
        #expect(multiplicity["holding"] as? Int == holding.count)
        for rr in claims where (rr["estimand"] as? String)?.hasPrefix("relative_risk:") == true {
            let level = try #require(rr["level"] as? Int)
            #expect((rr["statement"] as? String)?.hasPrefix("level \(level): a label whose rater saw a wrong critique is wrong ") == true)
        }

        let text = try cli.run(["report", "--ledger", "s.sqlite"])
        let words = holding.isEmpty ? "none holds" : "\(holding.count) hold"
        #expect(text.stdout.contains("\(claims.count) claims tested together, Holm–Bonferroni correction (family-wise error 5%): \(words)"))
        #expect(text.stdout.contains("Holds after correction:") == !holding.isEmpty)
        #expect(text.stdout.contains("Does not hold after correction") == !failing.isEmpty)

        _ = try cli.run(["report", "--ledger", "s.sqlite", "--format", "html", "--out", "report.html"])
        let page = try String(contentsOfFile: cli.path("report.html"), encoding: .utf8)
        let split = page.components(separatedBy: "<strong>Does not hold after correction</strong>")
        for statement in holding { #expect(split[0].contains(escapeForTest(statement)), "\(statement)") }
        for statement in failing { #expect(split.count == 2 && split[1].contains(escapeForTest(statement)), "\(statement)") }
    }

    private func escapeForTest(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(
            of: ">", with: "&gt;")
    }

    @Test func reportRefusesALedgerThatFailsVerificationUnlessAllowed() throws {
        let cli = try simulated()
        try DatabaseQueue(path: cli.path("s.sqlite")).writeWithoutTransaction { db in
            try db.execute(sql: "DROP TRIGGER entry_is_append_only_update")
            try db.execute(sql: "UPDATE entry SET body = body || ' ' WHERE seq = 40")
        }
        let refused = try cli.run(["report", "--ledger", "s.sqlite"])
        #expect(refused.status == 1)
        #expect(refused.stdout.isEmpty)
        #expect(refused.stderr.contains("FAILED verification: 1 faults, the first at entry 40"))
        #expect(refused.stderr.contains("--allow-unverified"))
        let allowed = try cli.run(["report", "--ledger", "s.sqlite", "--allow-unverified"])
        #expect(allowed.status == 0)
        #expect(allowed.stdout.contains("WARNING: THE CHAIN WAS NOT VERIFIED"))
        #expect(try cli.run(["trace", "--ledger", "s.sqlite", "L1-critique-1"]).status == 1)
    }

    @Test func reportCanAssumeOneErrorAndRefusesUnknownIds() throws {
        let cli = try simulated()
        let result = try cli.run(["report", "--ledger", "s.sqlite", "--assume-erroneous", "L1-critique-2", "--format", "json"])
        #expect(result.status == 0)
        let report = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        #expect(((report?["basis"] as? [String: Any])?["seeds"] as? Int) == 1)
        let unknown = try cli.run(["report", "--ledger", "s.sqlite", "--assume-erroneous", "ghost"])
        #expect(unknown.status == 66)
    }

    @Test func traceShowsTheErrorLevelByLevel() throws {
        let cli = try simulated()
        let result = try cli.run(["trace", "--ledger", "s.sqlite", "L1-critique-4"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("trace of critique \"L1-critique-4\" at level 1"))
        #expect(
            result.stdout.contains("L1-critique-4 ← assisted_by ← label \"L1-label-4\"")
                || !result.stdout.contains("along evaluation links"))
        #expect(result.stdout.contains("model \"reward-model-L1\""))
        #expect(result.stdout.contains("level 2"))
        let json = try cli.run(["trace", "--ledger", "s.sqlite", "L0-label-1", "--format", "json"])
        let trace = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(((trace?["start"] as? [String: Any])?["id"] as? String) == "L0-label-1")
        #expect((trace?["levels"] as? [Any])?.count == 4)
    }
}
