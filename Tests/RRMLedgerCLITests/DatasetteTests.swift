import Foundation
import GRDB
import RRMLedger
import RRMTestSupport
import Testing

/// `datasette-metadata` with the real Datasette: served on loopback by the test, queried over
/// HTTP, stopped.
@Suite struct DatasetteTests {
    /// Starts Datasette on a free loopback port with the metadata, asks it each path, prints
    /// `{path: parsed JSON or {"status": code}}`, and stops it.
    static let driver = #"""
        import json, signal, socket, subprocess, sys, time, urllib.error, urllib.request
        database, metadata = sys.argv[1], sys.argv[2]
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        server = subprocess.Popen(
            [sys.executable, "-m", "datasette", "serve", "-i", database, "--metadata", metadata, "--host", "127.0.0.1", "--port", str(port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # read only if it stops early
        try:
            for _ in range(200):
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/-/versions.json", timeout=1)
                    break
                except Exception:
                    if server.poll() is not None:
                        sys.exit("datasette stopped: " + server.stderr.read().decode())
                    time.sleep(0.1)
            answers = {}
            for path in sys.argv[3:]:
                try:
                    answers[path] = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30))
                except urllib.error.HTTPError as error:
                    answers[path] = {"status": error.code}
            print(json.dumps(answers))
        finally:
            server.send_signal(signal.SIGINT)  # uvicorn stops at once on Ctrl-C
            try:
                server.wait(timeout=5)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        """#

    @Test func datasetteSearchesDescribesAndAnswersTheCannedQueries() throws {
        let cli = try CLIProcess()
        #expect(try cli.run(["simulate", "--ledger", "run.sqlite", "--outputs", "60", "--levels", "2", "--audit-rate", "0.5"]).status == 0)
        let metadata = try cli.run(["datasette-metadata", "--ledger", "run.sqlite"])
        #expect(metadata.status == 0, "\(metadata.stderr)")
        try cli.write(metadata.stdout, to: "metadata.json")

        let queue = try DatabaseQueue(path: cli.path("run.sqlite"))
        let (leaky, firstCritique, firstHash) = try queue.read { db in
            (
                try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM critiques WHERE seq IN (SELECT rowid FROM entry_search WHERE entry_search MATCH 'leaks')"
                )
                    ?? 0,
                try String.fetchOne(db, sql: "SELECT id FROM critiques ORDER BY seq LIMIT 1") ?? "",
                try String.fetchOne(db, sql: "SELECT lower(hex(hash)) FROM entry WHERE kind = 'critique' ORDER BY seq LIMIT 1") ?? ""
            )
        }
        #expect(leaky > 0)
        let paths = [
            "/run/critiques.json?_search=leaks&_shape=array&_size=max",
            "/run/search.json?q=leaks&_shape=array",
            "/run/outputs.json?_search=range&_shape=array&_size=1",
            "/run/findings.json?_search=audit&_shape=array&_size=1",
            "/run/critiques.json?_search=L1-critique&_shape=array",
            "/run/entry.json?id=\(firstCritique)&_shape=array",
            "/run/errors_by_level.json?_shape=array",
            "/run/links_of.json?id=\(firstCritique)&_shape=array",
            "/-/metadata.json",
        ]
        let result = try Python.run(arguments: ["-c", Self.driver, cli.path("run.sqlite"), cli.path("metadata.json")] + paths)
        #expect(result.status == 0, "datasette did not answer (tools/test installs it: pip install datasette): \(result.stderr)")
        let answers = try JSONParser.parse(result.stdout)

        // Search returns whole rows, as many as the index finds.
        let critiques = answers[paths[0]]?.arrayValue ?? []
        #expect(critiques.count == leaky)
        #expect(critiques.allSatisfy { $0["text"]?.stringValue?.contains("leak") == true })
        // The canned search returns snippets from the index's content.
        let snippets = answers[paths[1]]?.arrayValue ?? []
        #expect(!snippets.isEmpty)
        #expect(
            snippets.allSatisfy {
                ($0["text"]?.stringValue ?? "").contains("[leaks]") || ($0["claims"]?.stringValue ?? "").contains("[leaks]")
            })
        #expect(answers[paths[2]]?.arrayValue?.first?["content"]?.stringValue?.contains("range") == true)
        #expect(answers[paths[3]]?.arrayValue?.first?["evidence"]?.stringValue?.contains("audit") == true)
        // A term with punctuation is no error: Datasette quotes it.
        #expect(answers[paths[4]]?.arrayValue != nil, "\(answers[paths[4]] ?? .null)")
        // Hashes in hex, the same as the entry's.
        #expect(answers[paths[5]]?.arrayValue?.first?["hash"]?.stringValue == firstHash)
        #expect((answers[paths[6]]?.arrayValue ?? []).contains { $0["verdict"] == nil && ($0["entries"]?.numberValue ?? 0) > 0 })
        #expect((answers[paths[7]]?.arrayValue ?? []).contains { $0["role"]?.stringValue == "critique_target" })
        // The schema's comments describe tables and columns.
        let tables = answers[paths[8]]?["databases"]?["run"]?["tables"]
        #expect(tables?["entry"]?["columns"]?["prev_hash"]?.stringValue == "`hash` of entry seq-1; 32 zero bytes for seq 1")
        #expect(tables?["critiques"]?["fts_table"]?.stringValue == "entry_search")
        #expect(tables?["latest_finding"]?["description"]?.stringValue?.hasPrefix("The latest finding about each audited entry") == true)
    }

    @Test func metadataIsKeyedByTheNameDatasetteGivesTheFile() throws {
        #expect(DatasetteMetadata.databaseName("/data/pipeline.sqlite") == "pipeline")
        #expect(DatasetteMetadata.databaseName("run.2026.db") == "run.2026")
        #expect(DatasetteMetadata.databaseName("ledger") == "ledger")
        let cli = try CLIProcess()
        let missing = try cli.run(["datasette-metadata", "--ledger", "none.sqlite"])
        #expect(missing.status == 66)
    }
}
