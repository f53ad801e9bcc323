import Foundation
import RRMTestSupport
import Testing

@testable import RRMAnalysis
@testable import RRMSimulation
@testable import RRMStore

/// docs/FORMAT.md is precise enough to verify a ledger: the Python verifier it prints, written
/// from the page alone, agrees with rrm-ledger on an intact ledger and on a tampered one.
@Suite struct FormatDocumentTests {
    func verifierScript(in temp: TemporaryLedger) throws -> URL {
        let code = try #require(try Python.codeBlock("python", inDocument: "docs/FORMAT.md"), "docs/FORMAT.md lost its Python verifier")
        let script = temp.folder.appendingPathComponent("verify.py")
        try Data(code.utf8).write(to: script)
        return script
    }

    @Test func theDocumentedVerifierAcceptsAnIntactLedgerAndPrintsItsHead() throws {
        let temp = try TemporaryLedger()
        try temp.append(Fixture.pipeline)
        let result = try Python.run(script: try verifierScript(in: temp), arguments: [temp.path])
        #expect(result.status == 0, "python3 failed: \(result.stderr)")
        #expect(result.stdout == "\(try temp.ledger.head())\n")
    }

    @Test func theDocumentedVerifierRejectsAnEditedBody() throws {
        let temp = try TemporaryLedger()
        try temp.append(Fixture.pipeline)
        try temp.tamper("UPDATE entry SET body = replace(body, 'human:carol', 'human:mallory') WHERE seq = 11")
        let result = try Python.run(script: try verifierScript(in: temp), arguments: [temp.path])
        #expect(result.status != 0)
        #expect(result.stderr.contains("entry 11: hash mismatch"))
    }
}
