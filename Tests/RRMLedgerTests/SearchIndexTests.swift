import Foundation
import GRDB
import Testing

@testable import RRMFormat
@testable import RRMSimulation
@testable import RRMStore

/// The full-text index `entry_search` (Schema/ledger.sql): an external-content index whose text
/// lives in the view `search_content`, from which each batch is indexed in bulk, so that the
/// view is the one definition of what is searchable and snippets are cut from what was indexed.
@Suite struct SearchIndexTests {
    /// For random events of every kind in random spellings, appended in batches of random sizes
    /// (each indexed in bulk at its end, from the view), every critique, output and finding has
    /// its row in the index and no other entry does, and a rebuild of the index alone makes the
    /// same rows. (That a word finds its entry, with a snippet: the next test.)
    @Test(arguments: [11, 12] as [UInt64])
    func everyCritiqueOutputAndFindingIsIndexedAsTheViewGivesIt(seed: UInt64) throws {
        var rng = PropertyRandom(seed: seed)
        let pipeline = RandomPipeline(count: 300, &rng)
        let temp = try TemporaryLedger()
        var index = 0
        while index < pipeline.events.count {
            let batch = pipeline.events[index..<min(pipeline.events.count, index + rng.int(1...60))]
            try temp.append(batch.map { JSONSpelling.text($0.value, &rng) }.joined(separator: "\n") + "\n")
            index += batch.count
        }
        // The index's own record of the rows it holds (one per document, by rowid).
        func indexed() throws -> [Int64] {
            try temp.ledger.read { db in try Int64.fetchAll(db, sql: "SELECT id FROM entry_search_docsize ORDER BY id") }
        }
        let searchable = try temp.ledger.read { db in
            try Int64.fetchAll(db, sql: "SELECT seq FROM entry WHERE kind IN ('critique', 'output', 'finding') ORDER BY seq")
        }
        #expect(searchable.count > 50)
        #expect(try indexed() == searchable)
        // rebuild runs FTS5's own integrity check before it commits.
        _ = try temp.ledger.rebuild([.search])
        #expect(try indexed() == searchable)
    }

    /// Search returns rows of every searchable kind with snippets cut from their text.
    @Test func searchFindsCritiquesOutputsAndFindingsWithSnippets() throws {
        let temp = try TemporaryLedger()
        var parameters = SimulationParameters()
        parameters.outputsPerLevel = 60
        parameters.levels = 2
        parameters.auditRate = 0.5
        _ = try SimulationRun.intoLedger(temp.ledger, parameters: parameters)
        let found = try temp.ledger.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT c.kind, snippet(entry_search, 0, '[', ']', '…', 8), snippet(entry_search, 1, '[', ']', '…', 8)
                    FROM entry_search JOIN search_content c ON c.seq = entry_search.rowid WHERE entry_search MATCH ?
                    """, arguments: ["leaks OR range OR audit"]
            ).map { ($0[0] as String, $0[1] as String, $0[2] as String) }
        }
        #expect(Set(found.map(\.0)) == ["critique", "output", "finding"])
        #expect(found.allSatisfy { $0.1.contains("[") || $0.2.contains("[") })
        #expect(found.contains { $0.0 == "critique" && $0.2.contains("[leaks]") })
        // Stemming: "leak" finds "leaks"; a term with punctuation, quoted, is a phrase.
        let stems = try temp.ledger.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM entry_search WHERE entry_search MATCH 'leak'")
        }
        #expect((stems ?? 0) > 0)
        let quoted = try temp.ledger.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM entry_search WHERE entry_search MATCH '\"range(len\"'")
        }
        #expect((quoted ?? 0) > 0)
        let unquoted = #expect(throws: LedgerError.self) {
            try temp.ledger.read { db in
                try Int.fetchOne(db, sql: "SELECT count(*) FROM entry_search WHERE entry_search MATCH 'L1-critique'")
            }
        }
        #expect("\(String(describing: unquoted))".contains("no such column: critique"))
    }
}
