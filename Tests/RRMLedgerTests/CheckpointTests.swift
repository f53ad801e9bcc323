import Crypto
import Foundation
import Testing

@testable import RRMAnalysis
@testable import RRMArchive
@testable import RRMFormat
@testable import RRMStore

/// The error a checkpoint text is refused with, or `nil` if it parses.
private func refusal(_ text: String) -> CheckpointError? {
    do {
        _ = try Checkpoint(parsing: text)
        return nil
    } catch {
        return error
    }
}

/// A valid 32-byte root hash in base64, for building bad checkpoints around.
private let rootHash = "TszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0="

@Suite struct CheckpointTests {
    /// golang.org/x/mod/sumdb/tlog note_test.go (TestFormatTree, TestParseTree): the root hash is
    /// RecordHash("hello world") = SHA-256(0x00 ‖ "hello world").
    @Test func parsesAndFormatsTheGoTreeVector() throws {
        let golden = "go.sum database tree\n123456789012\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n"
        let leafHash = SHA256Hash.of([0x00] + Array("hello world".utf8))
        let checkpoint = try Checkpoint(parsing: golden)
        #expect(checkpoint.origin == "go.sum database tree")
        #expect(checkpoint.size == 123_456_789_012)
        #expect(checkpoint.rootHash == leafHash)
        #expect(checkpoint.extensions.isEmpty)
        #expect(try Checkpoint(origin: "go.sum database tree", size: 123_456_789_012, rootHash: leafHash).text == golden)

        #expect(refusal("go.sum database tree\n0xabcdef\n\(rootHash)\n") == .sizeNotDecimal("0xabcdef"))
        #expect(refusal("go.sum database tree\n123456789012\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBTOOBIG=\n") == .rootHashNotBase64)
        // Go ignores what follows the root hash; C2SP makes it extension lines, each ending in a newline.
        #expect(refusal(golden + "JOE") == .missingFinalNewline)
        #expect(try Checkpoint(parsing: golden + "JOE\n").extensions == ["JOE"])
    }

    /// A real checkpoint of the Go checksum database, fetched from sum.golang.org/latest on
    /// 2024-09-23 and published in sigsum-go's pkg/checkpoint/checkpoint_test.go; its key is the
    /// one built into the go command (golang/go, src/cmd/go/internal/modfetch/key.go).
    @Test func opensARealSumGolangOrgCheckpoint() throws {
        let note = """
            go.sum database tree
            30055305
            mXfgRcJ0bG0j3CPdKwgGWtUzBUbX67saZGRmFuJGGsM=

            — sum.golang.org Az3grpgEild5qw7+5dtV13Kf1C2Xurm8q4fhdxvcsDHnqNTaxL2AFjBY+2TyGKevucFcAAlWFJJYle3EJlDCrQ+y3A8=

            """
        let key = try NoteVerifier(parsing: "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8")
        let opened = try SignedNote.open(note, verifiers: [key])
        #expect(opened.signers == [key])
        let checkpoint = try Checkpoint(parsing: opened.text)
        #expect(checkpoint.origin == "go.sum database tree")
        #expect(checkpoint.size == 30_055_305)
        #expect(checkpoint.rootHash.base64 == "mXfgRcJ0bG0j3CPdKwgGWtUzBUbX67saZGRmFuJGGsM=")
        #expect(checkpoint.text == opened.text)

        // One more leaf, same signature: refused.
        let grown = note.replacingOccurrences(of: "30055305", with: "30055306")
        #expect(throws: SignedNoteError.badSignature(keyName: "sum.golang.org", keyHash: 0x033d_e0ae, line: 5)) {
            try SignedNote.open(grown, verifiers: [key])
        }
    }

    /// sigsum-go's pkg/checkpoint/checkpoint_test.go: a checkpoint signed with the Ed25519 key
    /// whose seed is 17 followed by 31 zero bytes; its origin and key name are
    /// "sigsum.org/v1/tree/" and the hex SHA-256 of the public key.
    @Test func opensASigsumCheckpointFromAKnownSeed() throws {
        let note = """
            sigsum.org/v1/tree/e796172b92befd62d9dc67e41c2f5bc9d3100a3023b20b1ca40288dd1c679e69
            10
            HA5HAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=

            — sigsum.org/v1/tree/e796172b92befd62d9dc67e41c2f5bc9d3100a3023b20b1ca40288dd1c679e69 gJ2ho0n8F8olcerUF1FFdv235A/5as/coWrpLrtE7ovMeP5whgwouYExowG/lTznxu6OUGjjt5yJQ6bXtTcf718MqAQ=

            """
        let privateKey = try Curve25519.Signing.PrivateKey(rawRepresentation: [17] + [UInt8](repeating: 0, count: 31))
        let publicKey = Array(privateKey.publicKey.rawRepresentation)
        let name = "sigsum.org/v1/tree/" + Hex.encode(SHA256.hash(data: publicKey))
        #expect(name == "sigsum.org/v1/tree/e796172b92befd62d9dc67e41c2f5bc9d3100a3023b20b1ca40288dd1c679e69")
        let verifier = try NoteVerifier(name: name, publicKey: publicKey)
        let opened = try SignedNote.open(note, verifiers: [verifier])
        #expect(opened.signers == [verifier])
        let checkpoint = try Checkpoint(parsing: opened.text)
        #expect(checkpoint.size == 10)
        #expect(checkpoint.rootHash.bytes == [28, 14, 71] + [UInt8](repeating: 0, count: 29))
    }

    /// The example of c2sp.org/tlog-checkpoint. Its key is not published; its key hash is
    /// sum.golang.org's, but with another name it is a different key and must be ignored.
    @Test func parsesTheSpecificationExample() throws {
        let note = """
            example.com/behind-the-sofa
            20852163
            CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=

            — example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=

            """
        let parsed = try SignedNote(parsing: note)
        let checkpoint = try Checkpoint(parsing: parsed.text)
        #expect(checkpoint.origin == "example.com/behind-the-sofa")
        #expect(checkpoint.size == 20_852_163)
        #expect(checkpoint.rootHash.base64 == "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=")
        #expect(parsed.signatures[0].keyHash == 0x033d_e0ae)
        let sumdb = try NoteVerifier(parsing: "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8")
        #expect(throws: SignedNoteError.unknownKeysOnly(keys: ["example.com/behind-the-sofa+033de0ae"])) {
            try SignedNote.open(note, verifiers: [sumdb])
        }
    }

    @Test func roundTripsThroughASignedNote() throws {
        let (signer, _, verifierKey) = try NoteSigner.generate(name: "example.com/ledger")
        let root = SHA256Hash.of(Array("root".utf8))
        for (size, extensions) in [(Int64(0), [String]()), (1, []), (Int64.max, ["ext one", "— two +"])] {
            let checkpoint = try Checkpoint(origin: "example.com/ledger", size: size, rootHash: root, extensions: extensions)
            let note = try SignedNote.sign(checkpoint.text, with: [signer])
            let opened = try SignedNote.open(note.serialized, verifiers: [try NoteVerifier(parsing: verifierKey)])
            #expect(try Checkpoint(parsing: opened.text) == checkpoint)
        }
    }

    @Test func parsesStrictly() {
        #expect(refusal("log\n0\n\(rootHash)\n") == nil)
        #expect(refusal("log\n9223372036854775807\n\(rootHash)\n") == nil)  // 2^63 − 1, the largest Int64
        #expect(refusal("log with spaces+plus\n1\n\(rootHash)\n") == nil)  // the origin's form is only advice

        #expect(refusal("log\n0123\n\(rootHash)\n") == .sizeWithLeadingZero("0123"))
        #expect(refusal("log\n00\n\(rootHash)\n") == .sizeWithLeadingZero("00"))
        #expect(refusal("log\n+5\n\(rootHash)\n") == .sizeNotDecimal("+5"))
        #expect(refusal("log\n-34\n\(rootHash)\n") == .sizeNotDecimal("-34"))
        #expect(refusal("log\n 5\n\(rootHash)\n") == .sizeNotDecimal(" 5"))
        #expect(refusal("log\n5 \n\(rootHash)\n") == .sizeNotDecimal("5 "))
        #expect(refusal("log\n1e3\n\(rootHash)\n") == .sizeNotDecimal("1e3"))
        #expect(refusal("log\n١٢\n\(rootHash)\n") == .sizeNotDecimal("١٢"))  // Arabic-Indic digits
        #expect(refusal("log\n9223372036854775808\n\(rootHash)\n") == .sizeOutOfRange("9223372036854775808"))
        #expect(refusal("log\n18446744073709551615\n\(rootHash)\n") == .sizeOutOfRange("18446744073709551615"))
        #expect(refusal("log\n18446744073709551616\n\(rootHash)\n") == .sizeOutOfRange("18446744073709551616"))
        #expect(refusal("log\n3438945738945739845734895735\n\(rootHash)\n") == .sizeOutOfRange("3438945738945739845734895735"))

        let short = NoteKey.base64([UInt8](repeating: 1, count: 31))
        let long = NoteKey.base64([UInt8](repeating: 1, count: 33))
        #expect(refusal("log\n1\n\(short)\n") == .rootHashWrongLength(31))
        #expect(refusal("log\n1\n\(long)\n") == .rootHashWrongLength(33))
        #expect(refusal("log\n1\nYmFuYW5hcw==\n") == .rootHashWrongLength(7))
        #expect(refusal("log\n1\nThisIsn'tBase64\n") == .rootHashNotBase64)
        #expect(refusal("log\n1\n\(rootHash.dropLast())\n") == .rootHashNotBase64)
        #expect(refusal("log\n1\n\(rootHash.replacingOccurrences(of: "+", with: "-"))\n") == .rootHashNotBase64)
        #expect(refusal("log\n1\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb1=\n") == .rootHashNotBase64)  // stray bits

        #expect(refusal("log\n1\n\(rootHash)\n\n") == .emptyLine(line: 4))
        #expect(refusal("log\n1\n\(rootHash)\next\n\nmore\n") == .emptyLine(line: 5))
        #expect(refusal("\n1\n\(rootHash)\n") == .emptyLine(line: 1))
        #expect(refusal("log\n\n\(rootHash)\n") == .emptyLine(line: 2))
        #expect(refusal("log\n1\n\n") == .emptyLine(line: 3))
        #expect(refusal("log\n1\n\(rootHash)") == .missingFinalNewline)
        #expect(refusal("") == .missingFinalNewline)
        #expect(refusal("log\n1\n") == .tooFewLines(2))
        #expect(refusal("log\r\n1\r\n\(rootHash)\r\n") == .carriageReturn(line: 1))
        #expect(refusal("log\n1\n\(rootHash)\r\n") == .carriageReturn(line: 3))
        #expect(refusal("log\n1\n\(rootHash)\nex\tt\n") == .controlCharacter(0x09, line: 4))
    }

    @Test func refusesPartsThatCannotBeLines() {
        // A root of another length than 32 bytes is not a SHA256Hash, so it cannot be a part.
        #expect(SHA256Hash(bytes: [UInt8](repeating: 0, count: 31)) == nil)
        let root = SHA256Hash.zero
        #expect(throws: CheckpointError.emptyLine(line: 1)) { try Checkpoint(origin: "", size: 1, rootHash: root) }
        #expect(throws: CheckpointError.controlCharacter(0x0A, line: 1)) { try Checkpoint(origin: "a\nb", size: 1, rootHash: root) }
        #expect(throws: CheckpointError.emptyLine(line: 5)) {
            try Checkpoint(origin: "log", size: 1, rootHash: root, extensions: ["x", ""])
        }
        #expect(throws: CheckpointError.carriageReturn(line: 4)) {
            try Checkpoint(origin: "log", size: 1, rootHash: root, extensions: ["x\r"])
        }
    }

    @Test func describesErrorsForTheCommandLine() {
        #expect(CheckpointError.emptyLine(line: 4).description == "malformed checkpoint: the extension line (line 4) is empty")
        #expect(CheckpointError.sizeWithLeadingZero("012").description == "malformed checkpoint: tree size \"012\" has a leading zero")
        #expect(CheckpointError.rootHashWrongLength(31).description == "malformed checkpoint: the root hash is 31 bytes, expected 32")
    }
}
