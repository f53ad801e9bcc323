import Foundation
import Testing

@testable import RRMAnalysis
@testable import RRMFormat
@testable import RRMStore

/// A fresh temporary folder, removed when the value goes away.
private final class TemporaryFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("rrm-ledger-keyfile-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }
}

/// The permission bits of a file.
private func mode(of path: String) throws -> Int {
    try (FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as! NSNumber).intValue
}

private func setMode(_ mode: Int, of path: String) throws {
    try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
}

@Suite struct KeyFileTests {
    @Test func writesAPrivateKeyReadableOnlyByItsOwner() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("ledger.key")
        let (signer, privateKeyText, _) = try NoteSigner.generate(name: "example.com/ledger")
        try KeyFile.writePrivateKey(privateKeyText, to: path)
        #expect(try mode(of: path) == 0o600)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == privateKeyText + "\n")
        #expect(try KeyFile.readPrivateKey(at: path) == privateKeyText)
        let reread = try KeyFile.readSigner(at: path)
        #expect(reread.keyHash == signer.keyHash)
        #expect(reread.verifier == signer.verifier)
    }

    @Test func acceptsOwnerOnlyModes() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("ledger.key")
        try KeyFile.writePrivateKey(GoNoteVectors.peterPrivateKey, to: path)
        for allowed in [0o600, 0o400, 0o700] {
            try setMode(allowed, of: path)
            #expect(try KeyFile.readPrivateKey(at: path) == GoNoteVectors.peterPrivateKey)
        }
    }

    @Test func refusesAPrivateKeyOthersCanAccess() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("ledger.key")
        try KeyFile.writePrivateKey(GoNoteVectors.peterPrivateKey, to: path)
        for loose in [0o644, 0o640, 0o604, 0o620, 0o602, 0o601, 0o666] {
            try setMode(loose, of: path)
            #expect(throws: KeyFileError.unprotected(path: path, mode: UInt32(loose))) { try KeyFile.readPrivateKey(at: path) }
            #expect(throws: KeyFileError.unprotected(path: path, mode: UInt32(loose))) { try KeyFile.readSigner(at: path) }
        }
        let message = KeyFileError.unprotected(path: path, mode: 0o644).description
        #expect(message.hasPrefix("UNPROTECTED PRIVATE KEY FILE: permissions 0644 for '\(path)' are too open"))
    }

    @Test func neverOverwrites() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("ledger.key")
        try KeyFile.writePrivateKey(GoNoteVectors.peterPrivateKey, to: path)
        let (_, other, _) = try NoteSigner.generate(name: "other")
        #expect(throws: KeyFileError.alreadyExists(path: path)) { try KeyFile.writePrivateKey(other, to: path) }
        #expect(try KeyFile.readPrivateKey(at: path) == GoNoteVectors.peterPrivateKey)

        // Nor through a symbolic link, even a dangling one.
        let link = folder.path("link.key")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: folder.path("target.key"))
        #expect(throws: KeyFileError.alreadyExists(path: link)) { try KeyFile.writePrivateKey(other, to: link) }
        #expect(!FileManager.default.fileExists(atPath: folder.path("target.key")))

        // Nor an existing verifier key file.
        let verifierPath = folder.path("ledger.pub")
        try KeyFile.writeVerifierKey(GoNoteVectors.peterVerifierKey, to: verifierPath)
        #expect(throws: KeyFileError.alreadyExists(path: verifierPath)) {
            try KeyFile.writeVerifierKey(GoNoteVectors.enochVerifierKey, to: verifierPath)
        }
    }

    @Test func writesAndReadsAVerifierKey() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("ledger.pub")
        try KeyFile.writeVerifierKey(GoNoteVectors.peterVerifierKey, to: path)
        try setMode(0o644, of: path)  // public: any mode is fine
        #expect(try KeyFile.readVerifier(at: path).keyText == GoNoteVectors.peterVerifierKey)
    }

    @Test func refusesToWriteSomethingThatIsNotAKeyOfThatKind() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("ledger.key")
        #expect(throws: KeyFileError.malformedKey(path: path, .missingPrivateKeyPrefix)) {
            try KeyFile.writePrivateKey(GoNoteVectors.peterVerifierKey, to: path)
        }
        #expect(throws: KeyFileError.malformedKey(path: path, .invalidKeyHash)) {
            try KeyFile.writeVerifierKey(GoNoteVectors.peterPrivateKey, to: path)
        }
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func refusesWhatIsNotAKeyFile() throws {
        let folder = try TemporaryFolder()
        let missing = folder.path("missing.key")
        #expect(throws: KeyFileError.notFound(path: missing)) { try KeyFile.readPrivateKey(at: missing) }
        #expect(throws: KeyFileError.notARegularFile(path: folder.url.path)) { try KeyFile.readVerifier(at: folder.url.path) }

        let garbage = folder.path("garbage.key")
        #expect(
            FileManager.default.createFile(
                atPath: garbage, contents: Data("PRIVATE+KEY+nonsense\n".utf8), attributes: [.posixPermissions: 0o600]))
        #expect(throws: KeyFileError.malformedKey(path: garbage, .malformed)) { try KeyFile.readSigner(at: garbage) }

        let crlf = folder.path("crlf.key")
        #expect(
            FileManager.default.createFile(
                atPath: crlf, contents: Data((GoNoteVectors.peterPrivateKey + "\r\n").utf8), attributes: [.posixPermissions: 0o600]))
        #expect(throws: KeyFileError.malformedKey(path: crlf, .invalidKeyData)) { try KeyFile.readSigner(at: crlf) }

        let big = folder.path("big.key")
        #expect(
            FileManager.default.createFile(
                atPath: big, contents: Data(count: KeyFile.maxFileBytes + 1), attributes: [.posixPermissions: 0o600]))
        #expect(throws: KeyFileError.tooLarge(path: big, limit: KeyFile.maxFileBytes)) { try KeyFile.readPrivateKey(at: big) }
    }
}
