import Foundation
import RRMTestSupport
import Testing

@testable import RRMAnalysis
@testable import RRMStore

/// docs/FORMAT.md section 8 is precise enough to verify a proof: the Python verifier it prints,
/// written from the page alone, accepts the published inclusion proof and one the ledger makes,
/// and refuses an altered body and another key.
@Suite struct ProofDocumentTests {
    func verify(_ proof: String, key: String, in folder: URL) throws -> Python.Result {
        let code = try #require(
            try Python.codeBlock("python3", inDocument: "docs/FORMAT.md"), "docs/FORMAT.md lost its Python proof verifier")
        let script = folder.appendingPathComponent("verify_inclusion.py")
        try Data(code.utf8).write(to: script)
        try Data(proof.utf8).write(to: folder.appendingPathComponent("entry.proof"))
        try Data((key + "\n").utf8).write(to: folder.appendingPathComponent("log.pub"))
        return try Python.run(
            script: script, arguments: [folder.appendingPathComponent("entry.proof").path, folder.appendingPathComponent("log.pub").path])
    }

    @Test func theDocumentedVerifierAcceptsGenuineProofsAndRefusesAlteredOnes() throws {
        let temp = try TemporaryLedger()
        let vectors = try TreeVectorTests.vectors()
        let published = try verify(vectors.inclusion_proof_entry_5, key: vectors.verifier_key, in: temp.folder)
        #expect(published.status == 0, "python3 failed: \(published.stderr)")
        #expect(published.stdout == "ok: entry 5 is in \(vectors.origin) at size 7\n")

        try temp.append(Fixture.pipeline)
        let signer = TreeFixtures.signer()
        _ = try temp.ledger.recordCheckpoint(signer: signer)
        let proof = try temp.ledger.inclusionProofBundle(id: "label-1a").text
        let made = try verify(proof, key: signer.verifier.keyText, in: temp.folder)
        #expect(made.status == 0, "python3 failed: \(made.stderr)")
        #expect(made.stdout == "ok: entry 11 is in \(try temp.ledger.origin()!) at size 13\n")

        let altered = try verify(
            proof.replacingOccurrences(of: "human:carol", with: "human:mallory"), key: signer.verifier.keyText, in: temp.folder)
        #expect(altered.status != 0)
        #expect(altered.stderr.contains("the proof does not lead to the signed root"))
        let otherKey = try verify(proof, key: TreeFixtures.signer().verifier.keyText, in: temp.folder)
        #expect(otherKey.status != 0)
    }
}
