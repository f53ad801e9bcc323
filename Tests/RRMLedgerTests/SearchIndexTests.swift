import Foundation
import GRDB
import Testing

@testable import RRMFormat
@testable import RRMSimulation
@testable import RRMStore

/// The full-text index `entry_search` (Schema/ledger.sql): an external-content index whose text
/// lives in the view `search_content`, so the view must give exactly what the derivation
/// indexed, or snippets are cut from the wrong text.
@Suite struct SearchIndexTests {
    /// For random events of every kind, in random spellings (strings with escapes, non-ASCII,
    /// findings with and without claims' neighbours), the view's row of each critique, output
    /// and finding is the decoder's `SearchText`, and no other entry has a row.
    @Test(arguments: [11, 12] as [UInt64])
    func theContentViewGivesWhatTheDerivationIndexed(seed: UInt64) throws {
        var rng = PropertyRandom(seed: seed)
        let pipeline = RandomPipeline(count: 300, &rng)
        let temp = try TemporaryLedger()
        try temp.append(pipeline.events.map { JSONSpelling.text($0.value, &rng) }.joined(separator: "\n") + "\n")
        let rows = try temp.ledger.read { db in
            // As bytes: a text may hold U+0000, which a C string would end at.
            try Row.fetchAll(db, sql: "SELECT seq, CAST(text AS BLOB), CAST(claims AS BLOB) FROM search_content ORDER BY seq").map {
                (
                    $0[0] as Int64, String(decoding: ($0[1] as Data?) ?? Data(), as: UTF8.self),
                    String(decoding: ($0[2] as Data?) ?? Data(), as: UTF8.self)
                )
            }
        }
        var expected: [(Int64, String, String)] = []
        var searchable = 0
        let entries = try temp.ledger.entries(seqs: 1...Int64(pipeline.events.count))
        for seq in 1...Int64(pipeline.events.count) {
            let entry = try #require(entries[seq])
            let event = try EventDecoder.decode(try JSONParser.parse(entry.body), appendTime: "")
            if let text = event.searchText {
                expected.append((seq, text.text, text.claims))
                searchable += 1
            }
        }
        #expect(searchable > 50)
        #expect(rows.map(\.0) == expected.map(\.0))
        for (row, want) in zip(rows, expected) where row.1 != want.1 || row.2 != want.2 {
            Issue.record(
                "entry \(row.0): the view gives \(row.1.debugDescription) / \(row.2.debugDescription), the index holds \(want.1.debugDescription) / \(want.2.debugDescription)"
            )
        }
        // The index holds one row per searchable entry.
        let indexed = try temp.ledger.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM entry_search_docsize") }
        #expect(indexed == searchable)
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
