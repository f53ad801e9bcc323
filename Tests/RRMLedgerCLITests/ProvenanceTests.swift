import Foundation
import GRDB
import RRMLedger
import RRMTestSupport
import Testing

/// W3C PROV-JSON from `lineage --format prov-json` and `export --prov`, read by the real Python
/// `prov` package and checked against the PROV-DM constraints docs/CLI.md says it keeps.
@Suite struct ProvenanceTests {
    /// Loads a PROV-JSON file with `prov`, checks the constraints, and prints what it found as
    /// JSON: record counts by `prov` class, facts counted, and every constraint broken.
    static let checker = #"""
        import json, re, sys
        from prov.model import ProvDocument
        path = sys.argv[1]
        document = ProvDocument.deserialize(source=path, format="json")
        classes = {}
        for record in document.get_records():
            classes[type(record).__name__] = classes.get(type(record).__name__, 0) + 1
        raw = json.load(open(path))
        entities, activities, agents = raw.get("entity", {}), raw.get("activity", {}), raw.get("agent", {})
        broken = []
        def refer(kind, rid, table, where):
            if rid not in table: broken.append(f"{where} names {kind} {rid}, which is not declared")
        for rid, r in raw.get("wasGeneratedBy", {}).items():
            refer("entity", r["prov:entity"], entities, rid); refer("activity", r["prov:activity"], activities, rid)
        for rid, r in raw.get("used", {}).items():
            refer("activity", r["prov:activity"], activities, rid); refer("entity", r["prov:entity"], entities, rid)
        for rid, r in raw.get("wasDerivedFrom", {}).items():
            refer("entity", r["prov:generatedEntity"], entities, rid); refer("entity", r["prov:usedEntity"], entities, rid)
        for rid, r in raw.get("wasAttributedTo", {}).items():
            refer("entity", r["prov:entity"], entities, rid); refer("agent", r["prov:agent"], agents, rid)
        for rid, r in raw.get("wasAssociatedWith", {}).items():
            refer("activity", r["prov:activity"], activities, rid); refer("agent", r["prov:agent"], agents, rid)
        for rid, r in raw.get("wasInformedBy", {}).items():
            refer("activity", r["prov:informed"], activities, rid); refer("activity", r["prov:informant"], activities, rid)
        for rid, r in raw.get("hadMember", {}).items():
            refer("entity", r["prov:collection"], entities, rid); refer("entity", r["prov:entity"], entities, rid)
            types = entities.get(r["prov:collection"], {}).get("prov:type", [])
            types = types if isinstance(types, list) else [types]
            if not any(t.get("$") == "prov:Collection" for t in types): broken.append(f"{rid}: the collection is not a prov:Collection")
        # Constraint 24, generation uniqueness; 34, generation within its activity (at its end);
        # 39, generation precedes usage (an activity's inputs were made before it ended).
        generated = {}
        for rid, r in raw.get("wasGeneratedBy", {}).items():
            if r["prov:entity"] in generated: broken.append(f"{r['prov:entity']} is generated twice")
            generated[r["prov:entity"]] = r.get("prov:time")
            end = activities.get(r["prov:activity"], {}).get("prov:endTime")
            if end is not None and r.get("prov:time") is not None and r["prov:time"] > end:
                broken.append(f"{rid}: generated after its activity ended")
        for rid, r in raw.get("used", {}).items():
            made, end = generated.get(r["prov:entity"]), activities.get(r["prov:activity"], {}).get("prov:endTime")
            if made is not None and end is not None and made > end: broken.append(f"{rid}: {r['prov:entity']} used before it was made")
        # Constraint 55: entities and activities are disjoint.
        for rid in set(entities) & set(activities): broken.append(f"{rid} is both an entity and an activity")
        people = [a.get("prov:label") for a in agents.values() if a.get("prov:type", {}).get("$") == "prov:Person"]
        named = sorted({text for text in re.findall(r'"human:[^"]*"', open(path).read())})
        print(json.dumps({
            "classes": classes, "broken": broken[:10], "broken_count": len(broken),
            "entities": len(entities), "erroneous": sum(1 for e in entities.values() if e.get("rrm:latest_verdict") == "erroneous"),
            "people": people, "human_strings": named, "extract": entities.get("rrm:extract"),
        }))
        """#

    static func check(_ cli: CLIProcess, _ file: String) throws -> JSONValue {
        let result = try Python.run(arguments: ["-c", checker, cli.path(file)])
        #expect(result.status == 0, "the prov package refused it, or is missing (tools/test installs it): \(result.stderr)")
        return try JSONParser.parse(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    func simulated() throws -> CLIProcess {
        let cli = try CLIProcess()
        let result = try cli.run(["simulate", "--ledger", "s.sqlite", "--outputs", "150", "--audit-rate", "0.3", "--levels", "3"])
        #expect(result.status == 0, "\(result.stderr)")
        return cli
    }

    /// Erroneous entries counted by the ledger's own view.
    func erroneousInLedger(_ cli: CLIProcess) throws -> Int {
        let queue = try DatabaseQueue(path: cli.path("s.sqlite"))
        return try queue.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM latest_finding WHERE verdict = 'erroneous'") ?? -1 }
    }

    @Test func theWholeLedgerExportsAsPROVThatKeepsItsConstraintsAndCarriesTheFacts() throws {
        let cli = try simulated()
        let result = try cli.run(["export", "--ledger", "s.sqlite", "--prov", "--out", "ledger.prov.json", "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let summary = try JSONParser.parse(result.stdout)
        let head = try #require(summary["head"]?["seq"]?.numberValue)
        #expect(summary["entries"]?.numberValue == head)
        let found = try Self.check(cli, "ledger.prov.json")
        #expect(found["broken_count"] == .number(0), "\(found["broken"] ?? .null)")
        for record in [
            "ProvEntity", "ProvActivity", "ProvAgent", "ProvGeneration", "ProvUsage", "ProvDerivation", "ProvAttribution",
            "ProvAssociation",
            "ProvCommunication", "ProvMembership",
        ] {
            #expect((found["classes"]?[record]?.numberValue ?? 0) > 0, "no \(record)")
        }
        #expect(found["entities"]?.numberValue == head + 1)  // every entry, and the extract
        #expect(found["erroneous"] == .number(Double(try erroneousInLedger(cli))))
        #expect(found["extract"]?["rrm:truncated"] == .bool(false))
        #expect(found["extract"]?["prov:label"] == .string("the whole ledger"))
        // People appear by name unless asked otherwise.
        #expect((found["people"]?.arrayValue ?? []).contains { $0.stringValue?.hasPrefix("human:p-") == false })

        let again = try cli.run(["export", "--ledger", "s.sqlite", "--prov", "--out", "ledger.prov.json"])
        #expect(again.status == 73)
        #expect(again.stderr == "rrm-ledger: error: ledger.prov.json already exists; refusing to overwrite it\n")
        let since = try cli.run(["export", "--ledger", "s.sqlite", "--prov", "--since", "5", "--out", "x.json"])
        #expect(since.status == 64)
        #expect(since.stderr.contains("--prov describes the whole ledger or a slice; it cannot be combined with --since"))
    }

    /// Pseudonymised as archives are: every person id in the document is a pseudonym, one per
    /// person, and nothing else names a person.
    @Test func pseudonymisedPROVNamesNoPerson() throws {
        let cli = try simulated()
        let result = try cli.run(["export", "--ledger", "s.sqlite", "--prov", "--pseudonymise", "--out", "p.json"])
        #expect(result.status == 0, "\(result.stderr)")
        let found = try Self.check(cli, "p.json")
        #expect(found["broken_count"] == .number(0))
        let strings = (found["human_strings"]?.arrayValue ?? []).compactMap(\.stringValue)
        #expect(!strings.isEmpty)
        #expect(strings.allSatisfy { $0.wholeMatch(of: /"human:p-[0-9a-f]{16}"/) != nil }, "\(strings.prefix(5))")
        let people = (found["people"]?.arrayValue ?? []).compactMap(\.stringValue)
        #expect(people.count == Set(people).count)
        #expect(found["extract"]?["rrm:pseudonymised"] == .bool(true))
    }

    /// A lineage cut at --limit says so, with how many entries it reached; a level slice holds
    /// that level's entries only.
    @Test func slicesSayWhatTheyHoldAndWhetherTheyWereCut() throws {
        let cli = try simulated()
        let result = try cli.run(["lineage", "--ledger", "s.sqlite", "L2-label-3", "--limit", "80", "--format", "prov-json"])
        #expect(result.status == 0, "\(result.stderr)")
        try cli.write(result.stdout, to: "lineage.json")
        let found = try Self.check(cli, "lineage.json")
        #expect(found["broken_count"] == .number(0), "\(found["broken"] ?? .null)")
        #expect(found["extract"]?["rrm:truncated"] == .bool(true))
        #expect(found["extract"]?["rrm:entries"] == .number(81))  // the 80 listed and the start
        #expect((found["extract"]?["rrm:reached"]?.numberValue ?? 0) > 80)

        let level = try cli.run(["export", "--ledger", "s.sqlite", "--prov", "--level", "1", "--out", "level.json"])
        #expect(level.status == 0, "\(level.stderr)")
        let slice = try JSONParser.parse(try String(contentsOfFile: cli.path("level.json"), encoding: .utf8))
        guard case .object(let entities)? = slice["entity"] else {
            Issue.record("no entities")
            return
        }
        let levels = Set(entities.members.filter { $0.key != "rrm:extract" }.compactMap { $0.value["rrm:level"]?.numberValue })
        #expect(levels == [1])
        #expect((try Self.check(cli, "level.json"))["broken_count"] == .number(0))

        let misplaced = try cli.run(["lineage", "--ledger", "s.sqlite", "L2-label-3", "--pseudonymise"])
        #expect(misplaced.status == 64)
        #expect(misplaced.stderr.contains("--pseudonymise applies to --format prov-json only"))
    }
}
