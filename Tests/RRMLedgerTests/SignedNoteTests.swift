import Foundation
import Testing

@testable import RRMAnalysis
@testable import RRMArchive
@testable import RRMFormat
@testable import RRMStore

/// The error a note is refused with when opened with `verifiers`, or `nil` if it opens.
private func refusal(_ note: [UInt8], _ verifiers: [NoteVerifier], limits: NoteLimits = .standard) -> SignedNoteError? {
    do {
        _ = try SignedNote.open(note, verifiers: verifiers, limits: limits)
        return nil
    } catch {
        return error
    }
}

private func refusal(_ note: String, _ verifiers: [NoteVerifier], limits: NoteLimits = .standard) -> SignedNoteError? {
    refusal(Array(note.utf8), verifiers, limits: limits)
}

/// A signature line with its key hash replaced, re-encoded as valid base64.
private func withKeyHash(_ hash: UInt32, _ line: String) throws -> String {
    let signature = try SignedNote(parsing: "x\n\n" + line).signatures[0]
    return NoteSignature(keyName: signature.keyName, keyHash: hash, signature: signature.signature).line + "\n"
}

@Suite struct SignedNoteTests {
    let peter = try! NoteVerifier(parsing: GoNoteVectors.peterVerifierKey)
    let enoch = try! NoteVerifier(parsing: GoNoteVectors.enochVerifierKey)
    let text = GoNoteVectors.text
    let peterSig = GoNoteVectors.peterSignature
    let enochSig = GoNoteVectors.enochSignature

    @Test func opensTheGoNote() throws {
        let opened = try SignedNote.open(text + "\n" + peterSig, verifiers: [peter])
        #expect(opened.text == text)
        #expect(opened.signers == [peter])
        #expect(opened.unverifiedSignatures.isEmpty)
    }

    @Test func opensTheGoDoublySignedNote() throws {
        let note = text + "\n" + peterSig + enochSig
        let one = try SignedNote.open(note, verifiers: [peter])
        #expect(one.signers == [peter])
        #expect(one.unverifiedSignatures.map(\.description) == ["EnochRoot+af0cfe78"])

        let both = try SignedNote.open(note, verifiers: [enoch, peter])
        #expect(both.signers == [peter, enoch])
        #expect(both.unverifiedSignatures.isEmpty)

        #expect(refusal(note, []) == .unknownKeysOnly(keys: ["PeterNeumann+c74f20a3", "EnochRoot+af0cfe78"]))
    }

    @Test func parsesAndSerializesExactly() throws {
        let note = text + "\n" + peterSig + enochSig
        let parsed = try SignedNote(parsing: note)
        #expect(parsed.text == text)
        #expect(parsed.signatures.map(\.description) == ["PeterNeumann+c74f20a3", "EnochRoot+af0cfe78"])
        #expect(parsed.signatures.map { $0.line + "\n" } == [peterSig, enochSig])
        #expect(parsed.serialized == note)
    }

    /// The example of c2sp.org/signed-note: the text has a blank line of its own, and the text
    /// ends at the last blank line. Its key is not published, so it opens with no known key.
    @Test func parsesTheSpecificationExample() throws {
        let note = """
            Ognuno sta solo sul cuor della terra
            trafitto da un raggio di sole:

            ed è subito sera.

            — quasimodo.example/salvatore NnugSzTjtVAewIS+Z/iJhUPeFDkO/5QQ2i5ddnGITLlC+EhfLW9oJKONrMouFSQU0xMcXxj99ihAQwaqP3ZekRwNtIc=

            """
        let parsed = try SignedNote(parsing: note)
        #expect(parsed.text == "Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n")
        #expect(parsed.signatures.count == 1)
        #expect(parsed.signatures[0].keyName == "quasimodo.example/salvatore")
        #expect(parsed.signatures[0].signature.count == 64)
        #expect(parsed.serialized == note)
        #expect(refusal(note, [peter]) == .unknownKeysOnly(keys: [parsed.signatures[0].description]))
    }

    @Test func signsAndOpensARoundTrip() throws {
        let (signer, _, verifierKey) = try NoteSigner.generate(name: "example.com/ledger")
        let verifier = try NoteVerifier(parsing: verifierKey)
        for body in ["\n", "one line\n", "a\n\nb\n", "a\n\n", "— looks like a signature\n", "ünïcödé ✓\n"] {
            let note = try SignedNote.sign(body, with: [signer])
            let opened = try SignedNote.open(note.serialized, verifiers: [verifier])
            #expect(opened.text == body)
            #expect(opened.signers == [verifier])
            #expect(try SignedNote(parsing: note.serialized) == note)
        }
    }

    @Test func signsWithTheGoKeySoTheGoVerifierAccepts() throws {
        let signer = try NoteSigner(parsing: GoNoteVectors.peterPrivateKey)
        let note = try SignedNote.sign(text, with: [signer])
        #expect(note.serialized.hasPrefix(text + "\n— PeterNeumann x08go/"))
        #expect(try SignedNote.open(note.serialized, verifiers: [peter]).signers == [peter])
    }

    @Test func cosignsKeepingOtherSignaturesAndReplacingItsOwn() throws {
        let peterSigner = try NoteSigner(parsing: GoNoteVectors.peterPrivateKey)
        let (witness, _, _) = try NoteSigner.generate(name: "witness.example")
        let original = try SignedNote(parsing: text + "\n" + peterSig + enochSig)
        let cosigned = try original.cosigned(by: [witness, peterSigner])
        // Enoch's is kept, Peter's is replaced; new signatures follow in the signers' order.
        #expect(cosigned.signatures.map(\.description) == ["EnochRoot+af0cfe78", witness.description, "PeterNeumann+c74f20a3"])
        let opened = try SignedNote.open(cosigned.serialized, verifiers: [peter, enoch, witness.verifier])
        #expect(opened.signers == [enoch, witness.verifier, peter])
        // Signing twice with one key gives one signature.
        #expect(try SignedNote.sign(text, with: [witness, witness]).signatures.count == 1)
    }

    @Test func refusesSigningWhatCannotBeANote() throws {
        let signer = try NoteSigner(parsing: GoNoteVectors.peterPrivateKey)
        #expect(throws: SignedNoteError.textWithoutFinalNewline) { try SignedNote.sign("abc", with: [signer]) }
        #expect(throws: SignedNoteError.textWithoutFinalNewline) { try SignedNote.sign("", with: [signer]) }
        #expect(throws: SignedNoteError.carriageReturn(line: 1)) { try SignedNote.sign("abc\r\n", with: [signer]) }
        #expect(throws: SignedNoteError.controlCharacter(0x09, line: 2)) { try SignedNote.sign("a\nb\tc\n", with: [signer]) }
        #expect(throws: SignedNoteError.noSignatures) { try SignedNote.sign("abc\n", with: []) }
        let small = NoteLimits(maxSignatures: 1)
        let two = [signer, try NoteSigner.generate(name: "b").signer]
        #expect(throws: SignedNoteError.tooManySignatures(count: 2, limit: 1)) { try SignedNote.sign("abc\n", with: two, limits: small) }
        #expect(throws: SignedNoteError.lineTooLong(line: 1, bytes: 11, limit: 10)) {
            try SignedNote.sign("0123456789x\n", with: [signer], limits: NoteLimits(maxLineBytes: 10))
        }
    }

    /// note_test.go's badMsgs, each with the precise reason.
    @Test func refusesTheGoMalformedNotes() {
        #expect(refusal(text, [peter]) == .missingBlankLine)
        #expect(refusal(text + "\n", [peter]) == .noSignatures)
        #expect(refusal(text + "\n" + peterSig.dropLast(), [peter]) == .missingFinalNewline)
        #expect(refusal("\u{1}" + text + "\n" + peterSig, [peter]) == .controlCharacter(0x01, line: 1))
        #expect(refusal([0xFF] + Array((text + "\n" + peterSig).utf8), [peter]) == .invalidUTF8)
        let badName = "— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM="
        #expect(refusal(text + "\n" + badName, [peter]) == .missingFinalNewline)
        #expect(refusal(text + "\n" + badName + "\n", [peter]) == .invalidSignatureBase64(line: 4))
        #expect(refusal(text + "\n" + peterSig + "Unexpected line.\n", [peter]) == .signatureLineWithoutEmDash(line: 5))
    }

    /// note_test.go: "ABCD" inserted into the signature keeps valid base64 but breaks it.
    @Test func refusesTheGoInvalidSignature() {
        let chars = Array(peterSig)
        let broken = String(chars[..<60]) + "ABCD" + String(chars[60...])
        #expect(refusal(text + "\n" + broken, [peter]) == .badSignature(keyName: "PeterNeumann", keyHash: 0xc74f_20a3, line: 4))
    }

    /// note_test.go: repeated and altered signatures by an unknown key are kept once each.
    @Test func ignoresRepeatedUnknownSignatures() throws {
        let chars = Array(enochSig)
        let enochABCD = String(chars[..<60]) + "ABCD" + String(chars[60...])
        let opened = try SignedNote.open(text + "\n" + peterSig + peterSig + enochSig + enochSig + enochABCD, verifiers: [peter])
        #expect(opened.signers == [peter])
        #expect(opened.unverifiedSignatures.count == 2)
        #expect(opened.unverifiedSignatures.map { $0.line + "\n" } == [enochSig, enochABCD])
    }

    @Test func refusesASignatureByTheWrongKey() throws {
        // Same name, another key: its key hash differs, so the signature is not the known key's.
        let impostor = try NoteSigner.generate(name: "PeterNeumann").signer
        let forged = try SignedNote.sign(text, with: [impostor]).serialized
        #expect(refusal(forged, [peter]) == .wrongKeyHash(keyName: "PeterNeumann", found: impostor.keyHash, expected: [0xc74f_20a3]))
        // Another name altogether.
        let stranger = try NoteSigner.generate(name: "Mallory").signer
        let other = try SignedNote.sign(text, with: [stranger]).serialized
        #expect(refusal(other, [peter]) == .unknownKeysOnly(keys: [stranger.description]))
    }

    @Test func refusesAWrongKeyHash() throws {
        // The genuine signature under an altered key hash: no longer the known key's signature.
        let note = text + "\n" + (try withKeyHash(0xc74f_20a4, peterSig))
        #expect(refusal(note, [peter]) == .wrongKeyHash(keyName: "PeterNeumann", found: 0xc74f_20a4, expected: [0xc74f_20a3]))
        // An impostor key that claims the known key's name and key hash.
        let impostor = try NoteSigner.generate(name: "PeterNeumann").signer
        let forged = try SignedNote.sign(text, with: [impostor]).signatures[0]
        let claimed = NoteSignature(keyName: "PeterNeumann", keyHash: 0xc74f_20a3, signature: forged.signature)
        #expect(
            refusal(text + "\n" + claimed.line + "\n", [peter]) == .badSignature(keyName: "PeterNeumann", keyHash: 0xc74f_20a3, line: 4))
    }

    @Test func refusesEveryFlippedBitInTheSignature() throws {
        let note = try SignedNote(parsing: text + "\n" + peterSig)
        let original = note.signatures[0]
        for index in original.signature.indices {
            for bit in 0..<8 {
                var bytes = original.signature
                bytes[index] ^= 1 << bit
                let flipped = NoteSignature(keyName: original.keyName, keyHash: original.keyHash, signature: bytes)
                #expect(
                    refusal(text + "\n" + flipped.line + "\n", [peter])
                        == .badSignature(keyName: "PeterNeumann", keyHash: 0xc74f_20a3, line: 4))
            }
        }
    }

    @Test func refusesEveryFlippedByteInTheText() {
        let bytes = Array(text.utf8)
        for index in bytes.indices where bytes[index] != 0x0A {
            var changed = bytes
            changed[index] = bytes[index] == 0x58 ? 0x59 : 0x58  // "X", or "Y" for an "X"
            let note = changed + Array(("\n" + peterSig).utf8)
            #expect(refusal(note, [peter]) == .badSignature(keyName: "PeterNeumann", keyHash: 0xc74f_20a3, line: 4))
        }
    }

    @Test func verifiesEverySignatureByAKnownKey() throws {
        // Go skips a repeated signature by the same key; the specification asks to verify it.
        let chars = Array(peterSig)
        let broken = String(chars[..<60]) + "ABCD" + String(chars[60...])
        #expect(refusal(text + "\n" + peterSig + broken, [peter]) == .badSignature(keyName: "PeterNeumann", keyHash: 0xc74f_20a3, line: 5))
        // A bad signature by a known key is refused even when another known key verifies.
        #expect(
            refusal(text + "\n" + enochSig + broken, [peter, enoch])
                == .badSignature(keyName: "PeterNeumann", keyHash: 0xc74f_20a3, line: 5))
    }

    @Test func refusesCRLFLineEndings() {
        let note = (text + "\n" + peterSig).replacingOccurrences(of: "\n", with: "\r\n")
        #expect(refusal(note, [peter]) == .carriageReturn(line: 1))
        #expect(refusal(text + "\n" + peterSig.dropLast() + "\r\n", [peter]) == .carriageReturn(line: 4))
    }

    @Test func refusesMalformedSignatureLines() throws {
        let base64 = String(peterSig.dropFirst(15).dropLast())  // after "— PeterNeumann "
        #expect(base64.hasPrefix("x08go"))
        func line(_ text: String) -> String { self.text + "\n" + text + "\n" }
        #expect(refusal(line("— Peter+Neumann " + base64), [peter]) == .invalidKeyName(line: 4))
        #expect(refusal(line("— Peter\u{00A0}Neumann " + base64), [peter]) == .invalidKeyName(line: 4))
        #expect(refusal(line("—  " + base64), [peter]) == .invalidKeyName(line: 4))
        #expect(refusal(line("— Peter Neumann " + base64), [peter]) == .invalidSignatureBase64(line: 4))
        #expect(refusal(line("— PeterNeumann"), [peter]) == .invalidSignatureBase64(line: 4))
        #expect(refusal(line("— PeterNeumann "), [peter]) == .invalidSignatureBase64(line: 4))
        #expect(refusal(line("— PeterNeumann !!!garbage!!!"), [peter]) == .invalidSignatureBase64(line: 4))
        #expect(refusal(line("— PeterNeumann " + base64.dropLast()), [peter]) == .invalidSignatureBase64(line: 4))
        #expect(refusal(line("— PeterNeumann " + base64 + " "), [peter]) == .invalidSignatureBase64(line: 4))
        #expect(refusal(line("— PeterNeumann x08gow=="), [peter]) == .signatureTooShort(line: 4, bytes: 4))
        #expect(refusal(line("- PeterNeumann " + base64), [peter]) == .signatureLineWithoutEmDash(line: 4))
        #expect(refusal(line("—PeterNeumann " + base64), [peter]) == .signatureLineWithoutEmDash(line: 4))
        #expect(refusal(line("– PeterNeumann " + base64), [peter]) == .signatureLineWithoutEmDash(line: 4))  // en dash
    }

    @Test func refusesANoteSignedOnlyByUnknownKeys() {
        #expect(refusal(text + "\n" + enochSig, [peter]) == .unknownKeysOnly(keys: ["EnochRoot+af0cfe78"]))
        #expect(refusal(text + "\n" + enochSig + enochSig, [peter]) == .unknownKeysOnly(keys: ["EnochRoot+af0cfe78"]))
    }

    @Test func refusesTooManySignatures() throws {
        // The specification requires accepting at least 16; Go refuses more than 100.
        let sixteen = text + "\n" + String(repeating: peterSig, count: 16)
        #expect(try SignedNote.open(sixteen, verifiers: [peter]).signers == [peter])
        let hundred = text + "\n" + String(repeating: enochSig, count: 99) + peterSig
        #expect(try SignedNote.open(hundred, verifiers: [peter]).signers == [peter])
        let tooMany = text + "\n" + String(repeating: peterSig, count: 101)
        #expect(refusal(tooMany, [peter]) == .tooManySignatures(count: 101, limit: 100))
        #expect(refusal(tooMany, []) == .tooManySignatures(count: 101, limit: 100))
    }

    @Test func refusesLongLinesAndLargeNotes() {
        let long = String(repeating: "a", count: 8193) + "\n"
        #expect(refusal(long + "\n" + peterSig, [peter]) == .lineTooLong(line: 1, bytes: 8193, limit: 8192))
        let limit = String(repeating: "a", count: 8192) + "\n"
        #expect(refusal(limit + "\n" + peterSig, [peter]) == .badSignature(keyName: "PeterNeumann", keyHash: 0xc74f_20a3, line: 3))
        let tight = NoteLimits(maxLineBytes: 100)
        let signatureLine = peterSig.utf8.count - 1
        #expect(signatureLine == 109)
        #expect(refusal(text + "\n" + peterSig, [peter], limits: tight) == .lineTooLong(line: 4, bytes: signatureLine, limit: 100))
        let big = String(repeating: "a\n", count: 600_000) + "\n" + peterSig
        #expect(refusal(big, [peter]) == .noteTooLarge(bytes: big.utf8.count, limit: 1 << 20))
    }

    @Test func refusesAmbiguousVerifiers() throws {
        // Two different keys that share a name and key hash; the key hash check in
        // `init(parsing:)` makes this arise only from verifiers built in code.
        let twin = try NoteVerifier(name: "PeterNeumann", publicKey: [UInt8](repeating: 9, count: 32))
        let forged = NoteVerifier(name: twin.name, keyHash: peter.keyHash, publicKey: twin.publicKey)
        #expect(refusal(text + "\n" + peterSig, [peter, forged]) == .ambiguousKey(keyName: "PeterNeumann", keyHash: 0xc74f_20a3))
        // The same verifier twice is not ambiguous.
        #expect(try SignedNote.open(text + "\n" + peterSig, verifiers: [peter, peter]).signers == [peter])
    }

    @Test func describesErrorsForTheCommandLine() {
        #expect(SignedNoteError.carriageReturn(line: 2).description.contains("CRLF"))
        #expect(
            SignedNoteError.badSignature(keyName: "a", keyHash: 0x0102_0304, line: 3).description
                == "bad signature by a+01020304 on line 3: the note was altered or not signed by this key")
        #expect(
            SignedNoteError.unknownKeysOnly(keys: ["a+01020304"]).description == "no signature by a known key; signed only by a+01020304")
        #expect(
            SignedNoteError.wrongKeyHash(keyName: "a", found: 1, expected: [2]).description
                == "wrong key hash: the note is signed by a+00000001, but the known key is a+00000002")
    }
}
