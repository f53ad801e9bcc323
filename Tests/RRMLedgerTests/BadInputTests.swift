import Foundation
import Testing

@testable import RRMAnalysis
@testable import RRMArchive
@testable import RRMFormat
@testable import RRMSimulation
@testable import RRMStore

/// Every kind of bad batch is refused with the line and field at fault, and leaves the ledger
/// exactly as it was.
@Suite struct BadInputTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let line: String
        /// Words the error must contain (the field at fault and the reason).
        let expected: [String]
        var testDescription: String { name }
    }

    /// A valid ledger to append to: a model, an output, a critique, a label and a dataset.
    static let base = """
        {"kind":"model","id":"m","level":0,"role":"policy"}
        {"kind":"model","id":"rm","level":0,"role":"reward_model"}
        {"kind":"output","id":"o","model":"m","task":"t"}
        {"kind":"critique","id":"c","critic":"m","targets":["o"]}
        {"kind":"label","id":"l","rater":"human:a","targets":["o"],"value":1}
        {"kind":"dataset","id":"d","members":["l"]}
        """

    static let cases: [Case] = [
        Case(name: "malformed JSON", line: #"{"kind":"model","id":"x","#, expected: ["invalid JSON", "column"]),
        Case(name: "not an object", line: #"["kind","model"]"#, expected: ["must be a JSON object"]),
        Case(name: "missing kind", line: #"{"id":"x"}"#, expected: ["\"kind\"", "missing"]),
        Case(name: "unknown kind", line: #"{"kind":"opinion","id":"x"}"#, expected: ["unknown kind \"opinion\""]),
        Case(name: "missing id", line: #"{"kind":"model","level":0,"role":"policy"}"#, expected: ["\"id\"", "missing"]),
        Case(
            name: "id not a string", line: #"{"kind":"model","id":7,"level":0,"role":"policy"}"#, expected: ["\"id\"", "must be a string"]),
        Case(name: "empty id", line: #"{"kind":"model","id":"","level":0,"role":"policy"}"#, expected: ["\"id\"", "empty"]),
        Case(
            name: "over-long id", line: #"{"kind":"model","id":"\#(String(repeating: "x", count: 201))","level":0,"role":"policy"}"#,
            expected: ["\"id\"", "longer than 200"]),
        Case(
            name: "control character in id", line: #"{"kind":"model","id":"a\u0007","level":0,"role":"policy"}"#,
            expected: ["\"id\"", "control character"]),
        Case(
            name: "unknown field", line: #"{"kind":"model","id":"x","level":0,"role":"policy","colour":"red"}"#,
            expected: ["\"colour\"", "not a field"]),
        Case(
            name: "mistyped level", line: #"{"kind":"model","id":"x","level":"one","role":"policy"}"#, expected: ["\"level\"", "integer"]),
        Case(name: "negative level", line: #"{"kind":"model","id":"x","level":-1,"role":"policy"}"#, expected: ["\"level\"", "integer"]),
        Case(
            name: "fractional level", line: #"{"kind":"model","id":"x","level":1.5,"role":"policy"}"#, expected: ["\"level\"", "integer"]),
        Case(name: "bad time", line: #"{"kind":"model","id":"x","level":0,"role":"policy","time":"yesterday"}"#, expected: ["\"time\""]),
        Case(
            name: "attributes not an object", line: #"{"kind":"model","id":"x","level":0,"role":"policy","attributes":[1]}"#,
            expected: ["\"attributes\"", "object"]),
        Case(
            name: "reference to a missing entry", line: #"{"kind":"output","id":"x","model":"ghost","task":"t"}"#,
            expected: ["\"model\"", "no entry has the id \"ghost\""]),
        Case(
            name: "reference to the wrong kind", line: #"{"kind":"critique","id":"x","critic":"m","targets":["l"]}"#,
            expected: ["\"targets[0]\"", "is a label", "output"]),
        Case(
            name: "trained_on a policy", line: #"{"kind":"model","id":"x","level":1,"role":"policy","trained_on":["m"]}"#,
            expected: ["\"trained_on[0]\"", "role \"policy\""]),
        Case(
            name: "assisted_by an output",
            line: #"{"kind":"label","id":"x","rater":"human:a","targets":["o"],"value":1,"assisted_by":["o"]}"#,
            expected: ["\"assisted_by[0]\"", "critique"]),
        Case(
            name: "three label targets", line: #"{"kind":"label","id":"x","rater":"human:a","targets":["o","o2","o3"],"value":1}"#,
            expected: ["\"targets\"", "1 to 2"]),
        Case(
            name: "no critique targets", line: #"{"kind":"critique","id":"x","critic":"m","targets":[]}"#,
            expected: ["\"targets\"", "at least 1"]),
        Case(
            name: "target listed twice", line: #"{"kind":"label","id":"x","rater":"human:a","targets":["o","o"],"value":1}"#,
            expected: ["\"targets[1]\"", "listed twice"]),
        Case(
            name: "label without value", line: #"{"kind":"label","id":"x","rater":"human:a","targets":["o"]}"#,
            expected: ["\"value\"", "missing"]),
        Case(
            name: "rater neither person nor model", line: #"{"kind":"label","id":"x","rater":"alice","targets":["o"],"value":1}"#,
            expected: ["\"rater\"", "\"alice\""]),
        Case(
            name: "bad verdict", line: #"{"kind":"finding","id":"x","about":"l","verdict":"wrong","auditor":"human:a"}"#,
            expected: ["\"verdict\"", "erroneous"]),
        Case(
            name: "bad severity",
            line: #"{"kind":"critique","id":"x","critic":"m","targets":["o"],"findings":[{"claim":"c","severity":"dire"}]}"#,
            expected: ["\"findings[0].severity\""]),
        Case(
            name: "content digest mismatch",
            line:
                #"{"kind":"output","id":"x","model":"m","task":"t","content":"a","content_sha256":"\#(String(repeating: "0", count: 64))"}"#,
            expected: ["\"content_sha256\"", "does not match"]),
        Case(
            name: "integer beyond 2^53", line: #"{"kind":"label","id":"x","rater":"human:a","targets":["o"],"value":9007199254740993}"#,
            expected: ["invalid JSON", "2^53"]),
        Case(
            name: "duplicate key", line: #"{"kind":"model","id":"x","id":"y","level":0,"role":"policy"}"#,
            expected: ["invalid JSON", "duplicate key \"id\""]),
    ]

    @Test(arguments: cases)
    func refusesWithLineAndFieldAndChangesNothing(_ bad: Case) throws {
        let temp = try TemporaryLedger()
        try temp.append(Self.base)
        let before = try temp.contentDigest()
        let good = #"{"kind":"output","id":"fine","model":"m","task":"t"}"#
        // The bad line comes third, after two good ones that must not land either.
        let batch = good + "\n" + #"{"kind":"output","id":"fine2","model":"m","task":"t"}"# + "\n" + bad.line + "\n"
        let error = #expect(throws: LedgerError.self) { try temp.append(batch) }
        guard case .badEvent(let line, _, _, _)? = error, let problem = error?.description else {
            Issue.record("expected a bad-event error, got \(String(describing: error))")
            return
        }
        #expect(line == 3)
        for words in bad.expected {
            #expect(problem.contains(words), "\(problem) should mention \(words)")
        }
        #expect(try temp.contentDigest() == before)
    }

    @Test func refusesInvalidUTF8NamingTheByte() throws {
        let temp = try TemporaryLedger()
        let before = try temp.contentDigest()
        var bytes = Array(#"{"kind":"model","id":"#.utf8)
        bytes += [0x22, 0xC3, 0x28, 0x22]  // an invalid two-byte sequence inside the id string
        bytes += Array(#","level":0,"role":"policy"}"#.utf8) + [0x0A]
        let error = #expect(throws: LedgerError.self) { try temp.ledger.append(from: MemoryByteSource(bytes: bytes)) }
        guard case .badEvent(1, _, _, _)? = error, let problem = error?.description else {
            Issue.record("expected a bad-event error on line 1, got \(String(describing: error))")
            return
        }
        #expect(problem.contains("invalid UTF-8"))
        #expect(problem.contains("column 23"))
        #expect(try temp.contentDigest() == before)
    }

    @Test func refusesAnEmptyBatch() throws {
        let temp = try TemporaryLedger()
        for empty in ["", "\n\n", "   \n\t\n"] {
            #expect(throws: LedgerError.emptyInput(source: "input")) { try temp.append(empty) }
        }
        #expect(try temp.ledger.head() == .empty)
    }

    @Test func refusesAForwardReferenceWithinTheBatch() throws {
        let temp = try TemporaryLedger()
        let batch = """
            {"kind":"output","id":"o","model":"m","task":"t"}
            {"kind":"model","id":"m","level":0,"role":"policy"}
            """
        let error = #expect(throws: LedgerError.self) { try temp.append(batch) }
        guard case .badEvent(1, "o", _, _)? = error, let problem = error?.description else {
            Issue.record("expected line 1 to be refused, got \(String(describing: error))")
            return
        }
        #expect(problem.contains("no entry has the id \"m\""))
    }

    @Test func refusesAnIdTakenWithinTheBatchByAnotherEventAndNamesTheDifference() throws {
        let temp = try TemporaryLedger()
        let batch = """
            {"kind":"model","id":"m","level":0,"role":"policy"}
            {"kind":"model","id":"m","level":1,"role":"policy"}
            """
        let error = #expect(throws: LedgerError.self) { try temp.append(batch) }
        guard case .idConflict(2, "m", 1, .model, let differences)? = error else {
            Issue.record("expected line 2 to be refused as a conflict, got \(String(describing: error))")
            return
        }
        #expect(differences == [#""level" is 0 in the entry and 1 in this event"#])
        #expect(try temp.ledger.head() == .empty)
    }

    @Test(arguments: [-1, 86_400.5, 2_147_484, 1e10, .infinity, .nan])
    func aWaitOutsideItsRangeIsRefusedNotTrapped(wait: Double) throws {
        let temp = try TemporaryLedger()
        #expect(throws: LedgerError.self) { try Ledger.open(at: temp.path, wait: wait) }
        #expect(throws: Never.self) { try Ledger.open(at: temp.path, wait: Ledger.maximumWaitSeconds) }
    }

    @Test func anEventSentTwiceWithinTheBatchIsRecordedOnce() throws {
        let temp = try TemporaryLedger()
        let line = #"{"kind":"model","id":"m","level":0,"role":"policy","time":"2026-01-01T00:00:00Z"}"#
        let summary = try temp.append(line + "\n" + line + "\n")
        #expect(summary.total == 1)
        #expect(summary.alreadyRecorded.ranges == [1...1])
    }

    @Test func refusesAnOverlongLine() throws {
        let temp = try TemporaryLedger()
        let long =
            #"{"kind":"model","id":"m","level":0,"role":"policy","attributes":{"x":""#
            + String(repeating: "a", count: JSONLReader.maximumLineBytes) + "\"}}\n"
        let error = #expect(throws: LedgerError.self) { try temp.append(long) }
        guard case .badEvent(1, _, _, _)? = error, let problem = error?.description else {
            Issue.record("expected line 1 to be refused, got \(String(describing: error))")
            return
        }
        #expect(problem.contains("longer than"))
    }

    /// A line within the limit whose canonical form is not: `1e20` (4 bytes) is 21 digits in
    /// canonical form, so 850,000 of them in a 4.3 MB line make an 18.7 MB body.
    @Test func refusesALineWhoseCanonicalBodyIsOverTheLimit() throws {
        let temp = try TemporaryLedger()
        let numbers = Array(repeating: "1e20", count: 850_000).joined(separator: ",")
        let line = #"{"kind":"model","id":"m","level":0,"role":"policy","attributes":{"x":["# + numbers + "]}}\n"
        #expect(line.utf8.count < JSONLReader.maximumLineBytes)
        let error = #expect(throws: LedgerError.self) { try temp.append(line) }
        guard case .badEvent(1, _, _, _)? = error, let problem = error?.description else {
            Issue.record("expected line 1 to be refused, got \(String(describing: error))")
            return
        }
        #expect(problem.contains("canonical form is 18700"), "\(problem)")
        #expect(problem.contains("over the limit of 16777216"))
        #expect(try temp.ledger.head().seq == 0)
    }

    @Test func refusesFilesThatAreNotLedgers() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rrm-ledger-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }

        let missing = folder.appendingPathComponent("missing.sqlite").path
        #expect(throws: LedgerError.notFound(path: missing)) { try Ledger.open(at: missing) }
        #expect(!FileManager.default.fileExists(atPath: missing))

        let text = folder.appendingPathComponent("notes.txt").path
        try Data("not a database at all, just some text that is long enough".utf8).write(to: URL(fileURLWithPath: text))
        let textError = #expect(throws: LedgerError.self) { try Ledger.open(at: text) }
        guard case .notALedger? = textError else {
            Issue.record("expected notALedger, got \(String(describing: textError))")
            return
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: text)) == Data("not a database at all, just some text that is long enough".utf8))

        #expect(throws: LedgerError.alreadyExists(path: text)) { try Ledger.create(at: text) }
    }

    @Test func refusesALedgerFromANewerSchema() throws {
        let temp = try TemporaryLedger()
        try temp.tamper("PRAGMA user_version = \(LedgerSchema.version + 1)")
        #expect(throws: LedgerError.newerSchema(path: temp.path, found: LedgerSchema.version + 1, supported: LedgerSchema.version)) {
            try Ledger.open(at: temp.path)
        }
    }
}
