import Crypto
import Foundation
import Testing

@testable import RRMArchive
@testable import RRMFormat
@testable import RRMSimulation
@testable import RRMStore

/// The error a private key text is refused with, or `nil` if it is accepted.
private func refusal(_ text: String) -> NoteKeyError? {
    do {
        _ = try NoteSigner(parsing: text)
        return nil
    } catch {
        return error
    }
}

@Suite struct NoteSignerTests {
    @Test func parsesTheGoPrivateKeyAndDerivesItsVerifierKey() throws {
        let signer = try NoteSigner(parsing: GoNoteVectors.peterPrivateKey)
        #expect(signer.name == "PeterNeumann")
        #expect(signer.keyHash == 0xc74f_20a3)
        #expect(signer.verifier.keyText == GoNoteVectors.peterVerifierKey)
        #expect(signer.privateKeyText == GoNoteVectors.peterPrivateKey)
    }

    @Test func signsSoThatTheGoVerifierKeyAccepts() throws {
        let signer = try NoteSigner(parsing: GoNoteVectors.peterPrivateKey)
        let verifier = try NoteVerifier(parsing: GoNoteVectors.peterVerifierKey)
        let signature = try signer.sign(GoNoteVectors.text)
        #expect(signature.keyName == "PeterNeumann")
        #expect(signature.keyHash == 0xc74f_20a3)
        #expect(signature.signature.count == 64)
        #expect(signature.line.hasPrefix("— PeterNeumann x08go/"))  // the key hash, not the signature
        #expect(verifier.verify(text: GoNoteVectors.text, signature: signature))

        var flipped = signature.signature
        flipped[0] ^= 0x01
        let corrupt = NoteSignature(keyName: signature.keyName, keyHash: signature.keyHash, signature: flipped)
        #expect(!verifier.verify(text: GoNoteVectors.text, signature: corrupt))
        #expect(!verifier.verify(text: "hi\n", signature: signature))
    }

    @Test func generatesSelfConsistentKeys() throws {
        let (signer, privateKeyText, verifierKeyText) = try NoteSigner.generate(name: "example.com/ledger")
        #expect(privateKeyText.hasPrefix("PRIVATE+KEY+example.com/ledger+\(NoteKey.hashText(signer.keyHash))+"))
        let reread = try NoteSigner(parsing: privateKeyText)
        #expect(reread.keyHash == signer.keyHash)
        let verifier = try NoteVerifier(parsing: verifierKeyText)
        #expect(verifier == signer.verifier)
        #expect(verifier.name == "example.com/ledger")
        #expect(verifier.verify(text: "hi\n", signature: try reread.sign("hi\n")))

        let other = try NoteSigner.generate(name: "example.com/ledger").signer
        #expect(other.keyHash != signer.keyHash)
        #expect(!verifier.verify(text: "hi\n", signature: try other.sign("hi\n")))
    }

    @Test func refusesInvalidNames() {
        for name in ["", "a+b", "a b", "a\tb", "a\u{2003}b", "a\nb", "a\u{1}b"] {
            #expect(throws: NoteKeyError.invalidName) { try NoteSigner.generate(name: name) }
        }
    }

    /// As note_test.go's TestNewSigner: every proper substring and every one-byte change fails.
    @Test func refusesEveryManglingOfTheGoKey() {
        let bytes = Array(GoNoteVectors.peterPrivateKey.utf8)
        for start in 0...bytes.count {
            for end in (start + 1)..<(bytes.count + 1) where start != 0 || end != bytes.count {
                let text = String(decoding: bytes[start..<end], as: UTF8.self)
                #expect(refusal(text) != nil, "accepted a substring")
            }
        }
        for index in bytes.indices {
            var changed = bytes
            changed[index] &+= 1
            #expect(refusal(String(decoding: changed, as: UTF8.self)) != nil, "accepted a change at \(index)")
        }
    }

    @Test func namesWhatIsWrong() {
        #expect(refusal(GoNoteVectors.peterVerifierKey) == .missingPrivateKeyPrefix)
        #expect(
            refusal("PRIVATE+KEY+PeterNeumann+c74f20a4+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz")
                == .keyHashMismatch(stated: 0xc74f_20a4, computed: 0xc74f_20a3))
        #expect(refusal("PRIVATE+KEY+Peter Neumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz") == .invalidName)
        #expect(refusal("PRIVATE+KEY+PeterNeumann+c74f20a3+AoEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz") == .unknownAlgorithm(2))
        #expect(refusal("PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKA==") == .wrongKeyLength(30))
        #expect(refusal("PRIVATE+KEY+PeterNeumann+c74f20a3+garbage!") == .invalidKeyData)
        #expect(refusal("PRIVATE+KEY+PeterNeumann") == .malformed)
    }

    @Test func neverShowsTheSecret() throws {
        let signer = try NoteSigner(parsing: GoNoteVectors.peterPrivateKey)
        var dumped = ""
        dump(signer, to: &dumped)
        for text in [signer.description, signer.debugDescription, String(describing: signer), String(reflecting: signer), dumped] {
            #expect(text.contains("PeterNeumann"))
            #expect(!text.contains("AYEKFALV"))
            #expect(!text.contains("129"))  // the seed's first byte after 0x01, as a decimal array element
        }
        for error: NoteKeyError in [.malformed, .invalidKeyData, .keyHashMismatch(stated: 1, computed: 2)] {
            #expect(!error.description.contains("AYEK"))
        }
    }
}
