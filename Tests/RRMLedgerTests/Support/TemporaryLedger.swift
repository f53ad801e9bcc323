import Foundation
import GRDB

@testable import RRMAnalysis
@testable import RRMArchive
@testable import RRMFormat
@testable import RRMSimulation
@testable import RRMStore

/// A ledger in a fresh temporary folder, removed when the value goes away.
final class TemporaryLedger {
    let folder: URL
    let path: String
    let ledger: Ledger

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("rrm-ledger-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        path = folder.appendingPathComponent("ledger.sqlite").path
        ledger = try Ledger.create(at: path)
    }

    deinit {
        try? FileManager.default.removeItem(at: folder)
    }

    /// Appends JSONL text.
    @discardableResult
    func append(_ jsonl: String, dryRun: Bool = false) throws(LedgerError) -> AppendSummary {
        try ledger.append(from: MemoryByteSource(jsonl), dryRun: dryRun)
    }

    /// Runs raw SQL as a forger would: with the append-only triggers dropped.
    func tamper(_ sql: String) throws {
        try Tampering.forge(path) { db in try db.execute(sql: sql) }
    }

    /// A digest of every row of every table: equal digests mean equal ledgers.
    func contentDigest() throws -> String {
        try Self.contentDigest(ofLedgerAt: path)
    }

    /// `contentDigest()` of the ledger at `path`.
    static func contentDigest(ofLedgerAt path: String) throws -> String {
        let queue = try DatabaseQueue(
            path: path,
            configuration: {
                var c = Configuration(); c.readonly = true; return c
            }())
        return try queue.read { db in
            var text = ""
            for table in ["ledger_info", "entry", "entry_level", "edge", "link_role", "merkle_node", "checkpoint"] {
                for row in try Row.fetchAll(db, sql: "SELECT * FROM \(table) ORDER BY 1, 2") { text += "\(table) \(row)\n" }
            }
            // The full-text index's own rows (its docsize table, one row per indexed entry).
            text += "fts \(try Int.fetchOne(db, sql: "SELECT count(*) FROM entry_search_docsize") ?? -1)\n"
            return SHA256Hash.of(Array(text.utf8)).hex
        }
    }
}

/// A small but complete two-level pipeline: models, outputs, a critique, labels with and
/// without assistance, a dataset, a reward model and findings. Times are fixed so hashes are.
enum Fixture {
    static let pipeline = """
        {"kind":"model","id":"policy-0","level":0,"role":"policy","time":"2026-01-01T00:00:00Z"}
        {"kind":"output","id":"out-0a","model":"policy-0","task":"sort","content":"sorted(x)","time":"2026-01-01T00:00:01Z"}
        {"kind":"output","id":"out-0b","model":"policy-0","task":"sort","time":"2026-01-01T00:00:02Z"}
        {"kind":"label","id":"label-0a","rater":"human:alice","targets":["out-0a"],"value":{"score":6},"time":"2026-01-01T00:00:03Z"}
        {"kind":"label","id":"label-0b","rater":"human:bob","targets":["out-0a","out-0b"],"value":"A","time":"2026-01-01T00:00:04Z"}
        {"kind":"dataset","id":"data-0","members":["label-0a","label-0b"],"time":"2026-01-01T00:00:05Z"}
        {"kind":"model","id":"rm-0","level":0,"role":"reward_model","trained_on":["data-0"],"time":"2026-01-01T00:00:06Z"}
        {"kind":"model","id":"policy-1","level":1,"role":"policy","base":"policy-0","trained_on":["rm-0"],"time":"2026-01-01T00:00:07Z"}
        {"kind":"output","id":"out-1a","model":"policy-1","task":"parse","time":"2026-01-01T00:00:08Z"}
        {"kind":"critique","id":"crit-1a","critic":"policy-0","targets":["out-1a"],"text":"Misses the empty input.","findings":[{"claim":"crashes on empty input","severity":"high"}],"time":"2026-01-01T00:00:09Z"}
        {"kind":"label","id":"label-1a","rater":"human:carol","targets":["out-1a"],"value":{"score":2},"assisted_by":["crit-1a"],"time":"2026-01-01T00:00:10Z"}
        {"kind":"finding","id":"finding-1","about":"crit-1a","verdict":"erroneous","auditor":"human:dana","error_type":"hallucinated_flaw","time":"2026-01-01T00:00:11Z"}
        {"kind":"finding","id":"finding-2","about":"crit-1a","verdict":"correct","auditor":"human:erin","time":"2026-01-01T00:00:12Z"}

        """

    static let entryCount = 13
}
