import Crypto
import Foundation
import Testing

@testable import RRMArchive
@testable import RRMFormat
@testable import RRMSimulation
@testable import RRMStore

/// Published vectors of golang.org/x/mod/sumdb/note (note.go's package documentation and
/// note_test.go), reused verbatim.
enum GoNoteVectors {
    static let peterVerifierKey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
    static let peterPrivateKey = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
    static let enochVerifierKey = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
    static let text = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
    static let peterSignature =
        "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
    static let enochSignature =
        "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n"
}

/// The error a verifier key text is refused with, or `nil` if it is accepted.
private func refusal(_ text: String) -> NoteKeyError? {
    do {
        _ = try NoteVerifier(parsing: text)
        return nil
    } catch {
        return error
    }
}

@Suite struct NoteVerifierTests {
    @Test func parsesTheGoVerifierKeys() throws {
        let peter = try NoteVerifier(parsing: GoNoteVectors.peterVerifierKey)
        #expect(peter.name == "PeterNeumann")
        #expect(peter.keyHash == 0xc74f_20a3)
        #expect(peter.publicKey.count == 32)
        #expect(peter.keyText == GoNoteVectors.peterVerifierKey)
        #expect(peter.description == "PeterNeumann+c74f20a3")

        let enoch = try NoteVerifier(parsing: GoNoteVectors.enochVerifierKey)
        #expect(enoch.name == "EnochRoot")
        #expect(enoch.keyHash == 0xaf0c_fe78)
        #expect(enoch.keyText == GoNoteVectors.enochVerifierKey)
    }

    @Test func computesTheGoKeyHashFromNameAndPublicKey() throws {
        let keyData = Array(Data(base64Encoded: "ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")!)
        #expect(NoteKey.keyHash(name: "PeterNeumann", keyData: keyData) == 0xc74f_20a3)
        // Independently: the first four bytes of SHA-256("PeterNeumann\n" ‖ 0x01 ‖ key).
        let digest = Array(SHA256.hash(data: Array("PeterNeumann\n".utf8) + keyData))
        #expect(digest.prefix(4) == [0xc7, 0x4f, 0x20, 0xa3])
        let verifier = try NoteVerifier(name: "PeterNeumann", publicKey: Array(keyData.dropFirst()))
        #expect(verifier.keyText == GoNoteVectors.peterVerifierKey)
    }

    @Test func verifiesTheGoSignature() throws {
        let peter = try NoteVerifier(parsing: GoNoteVectors.peterVerifierKey)
        let note = try SignedNote(parsing: GoNoteVectors.text + "\n" + GoNoteVectors.peterSignature)
        #expect(peter.verify(text: GoNoteVectors.text, signature: note.signatures[0]))
        #expect(!peter.verify(text: GoNoteVectors.text + "x\n", signature: note.signatures[0]))
        let enoch = try NoteVerifier(parsing: GoNoteVectors.enochVerifierKey)
        #expect(!enoch.verify(text: GoNoteVectors.text, signature: note.signatures[0]))
    }

    /// As note_test.go's TestNewVerifier: every proper substring and every one-byte change fails.
    @Test func refusesEveryManglingOfTheGoKey() {
        let bytes = Array(GoNoteVectors.peterVerifierKey.utf8)
        for start in 0...bytes.count {
            for end in (start + 1)..<(bytes.count + 1) where start != 0 || end != bytes.count {
                let text = String(decoding: bytes[start..<end], as: UTF8.self)
                #expect(refusal(text) != nil, "accepted \(text)")
            }
        }
        for index in bytes.indices {
            var changed = bytes
            changed[index] &+= 1
            let text = String(decoding: changed, as: UTF8.self)
            #expect(refusal(text) != nil, "accepted \(text)")
        }
    }

    @Test func namesWhatIsWrong() {
        // note_test.go: a 38-byte key with its key hash adjusted (refused here already as
        // non-canonical base64: "EY==" leaves stray bits), and an unknown algorithm byte 0x65.
        #expect(refusal("PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==") == .invalidKeyData)
        #expect(refusal("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW") == .unknownAlgorithm(0x65))
        // A 33-byte key with a correct key hash.
        let long = [NoteKey.ed25519Algorithm] + [UInt8](repeating: 7, count: 33)
        let longHash = NoteKey.hashText(NoteKey.keyHash(name: "a", keyData: long))
        #expect(refusal("a+\(longHash)+\(NoteKey.base64(long))") == .wrongKeyLength(33))
        #expect(
            refusal("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")
                == .keyHashMismatch(stated: 0xc74f_20a4, computed: 0xc74f_20a3))
        #expect(refusal("Peter+Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW") == .invalidKeyHash)
        #expect(refusal("Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW") == .invalidName)
        #expect(refusal("Peter\u{00A0}Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW") == .invalidName)
        #expect(refusal("+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW") == .invalidName)
        #expect(refusal("PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW") == .invalidKeyHash)
        #expect(refusal("PeterNeumann+-74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW") == .invalidKeyHash)
        #expect(refusal("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T") == .invalidKeyData)
        #expect(refusal("PeterNeumann+c74f20a3+not base64!") == .invalidKeyData)
        #expect(refusal("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq_LDE4izWy10TW") == .invalidKeyData)
        #expect(refusal("PeterNeumann+c74f20a3+") == .invalidKeyData)
        #expect(refusal("PeterNeumann+c74f20a3") == .malformed)
        #expect(refusal("") == .malformed)
        #expect(refusal(GoNoteVectors.peterPrivateKey) == .invalidKeyHash)
    }

    @Test func acceptsAnUppercaseKeyHashAsGoDoes() throws {
        let verifier = try NoteVerifier(parsing: "PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")
        #expect(verifier.keyText == GoNoteVectors.peterVerifierKey)
    }

    @Test func refusesInvalidNamesAndLengthsFromParts() {
        #expect(throws: NoteKeyError.invalidName) { try NoteVerifier(name: "a+b", publicKey: [UInt8](repeating: 1, count: 32)) }
        #expect(throws: NoteKeyError.invalidName) { try NoteVerifier(name: "", publicKey: [UInt8](repeating: 1, count: 32)) }
        #expect(throws: NoteKeyError.wrongKeyLength(31)) { try NoteVerifier(name: "a", publicKey: [UInt8](repeating: 1, count: 31)) }
    }
}
