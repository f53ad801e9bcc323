import Foundation
import Testing

/// Secrets and privacy as real processes: a private key never leaves its file, whatever a
/// command is given, and `export --pseudonymise` keeps persons' ids out of the archive while it
/// still verifies (docs/AUDITING.md, "Secrets and privacy").
@Suite struct SecretsCommandTests {
    @Test func thePrivateKeyIsNeverPrintedWrittenOrExported() throws {
        let cli = try CLIProcess()
        #expect(try cli.run(["simulate", "--ledger", "s.sqlite", "--outputs", "20", "--levels", "2"]).status == 0)
        let keygen = try cli.run(["keygen", "--ledger", "s.sqlite", "--out", "k"])
        #expect(keygen.status == 0)
        let key = try PrivateKeyText(cli, "k.key")
        let keyText = key.text
        let attributes = try FileManager.default.attributesOfItem(atPath: cli.path("k.key"))
        #expect((attributes[.posixPermissions] as? Int) == 0o600)

        let checkpoint = try cli.run(["checkpoint", "--ledger", "s.sqlite", "--key", "k.key"])
        #expect(checkpoint.status == 0)
        let proof = try cli.run(["prove", "inclusion", "--ledger", "s.sqlite", "L1-label-1"])
        #expect(proof.status == 0)
        try cli.write(proof.stdout, to: "proof.txt")
        var printed = keygen.stdout + keygen.stderr + checkpoint.stdout + checkpoint.stderr + proof.stdout + proof.stderr

        // Every command that touches keys, used rightly and wrongly.
        let runs: [([String], Int32)] = [
            (["checkpoint", "--ledger", "s.sqlite", "--key", keyText], 64),
            (["checkpoint", "--ledger", "s.sqlite", "--key", "k.pub"], 65),
            (["export", "--ledger", "s.sqlite", "--out", "a.tar.gz"], 0),
            (["export", "--ledger", "s.sqlite", "--out", "p.tar.gz", "--pseudonymise"], 0),
            (["verify-archive", "a.tar.gz", "--key", "k.pub"], 0),
            (["verify-archive", "a.tar.gz", "--key", "k.key"], 65),
            (["verify-archive", "a.tar.gz", "--key", keyText], 65),
            (["verify-archive", "a.tar.gz", "--key", keyText, "--format", "json"], 65),
            (["import", "--ledger", "copy.sqlite", "a.tar.gz", "--key", "k.key"], 65),
            (["verify-proof", "proof.txt", "--key", "k.pub"], 0),
            (["verify-proof", "proof.txt", "--key", "k.key"], 65),
            (["audit", "--ledger", "s.sqlite", "--key", keyText, "--state", "auditor"], 65),
            (["audit", "--ledger", "s.sqlite", "--key", "k.pub", "--state", "auditor"], 0),
            (["keygen", "--ledger", "s.sqlite", "--out", "k"], 73),
            (["keygen", "--ledger", "s.sqlite", "--out", "k2", "--format", "json"], 0),
            (["head", "--ledger", "s.sqlite", "--format", "json"], 0),
            (["verify", "--ledger", "s.sqlite", "--deep"], 0),
        ]
        for (arguments, status) in runs {
            let result = try cli.run(arguments)
            #expect(result.status == status, "\(arguments.joined(separator: " ")): \(result.stderr)")
            printed += result.stdout + result.stderr
            if status != 0 { #expect(!result.stderr.isEmpty, "\(arguments) failed without saying why") }
        }
        // keygen --format json made a second key: it must not have printed it either.
        let keys = [key, try PrivateKeyText(cli, "k2.key")]
        for key in keys { #expect(!printed.contains(key.data), "the private key \(key.file) was printed") }

        // No file but k.key holds the key, as text or as raw bytes, the archives decompressed.
        let files = try FileManager.default.subpathsOfDirectory(atPath: cli.folder.path).filter {
            !$0.hasPrefix("k.key") && !$0.hasPrefix("k2.key")
        }
        #expect(files.contains("s.sqlite") && files.contains("a.tar.gz") && files.contains("proof.txt"))
        for file in files {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: cli.path(file), isDirectory: &isDirectory), !isDirectory.boolValue else {
                continue
            }
            var contents = try #require(cli.bytes(file))
            if file.hasSuffix(".gz") { contents = try unzipped(cli.path(file)) }
            for key in keys {
                #expect(contents.range(of: Data(key.data.utf8)) == nil, "\(file) holds the text of \(key.file)")
                #expect(contents.range(of: key.seed) == nil, "\(file) holds the bytes of \(key.file)")
            }
        }
    }

    @Test func aPseudonymisedExportVerifiesNamesNoOneAndIsNotImported() throws {
        let cli = try CLIProcess()
        #expect(try cli.run(["simulate", "--ledger", "s.sqlite", "--outputs", "20", "--levels", "2"]).status == 0)
        let export = try cli.run(["export", "--ledger", "s.sqlite", "--out", "p.tar.gz", "--pseudonymise"])
        #expect(export.status == 0, "\(export.stderr)")
        #expect(export.stdout.contains("person ids pseudonymised in "))
        let verify = try cli.run(["verify-archive", "p.tar.gz"])
        #expect(verify.status == 0, "\(verify.stderr)")
        #expect(verify.stdout.hasPrefix("ok: "))
        #expect(verify.stdout.contains("entries name persons by pseudonym"))
        let json = try cli.run(["verify-archive", "p.tar.gz", "--format", "json"])
        let report = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect((report?["pseudonymised"] as? Int ?? 0) > 0)
        let contents = String(decoding: try unzipped(cli.path("p.tar.gz")), as: UTF8.self)
        #expect(contents.contains("human:p-"))
        #expect(!contents.contains("human:rater-") && !contents.contains("human:auditor-"))
        let refused = try cli.run(["import", "--ledger", "copy.sqlite", "p.tar.gz"])
        #expect(refused.status == 65)
        #expect(refused.stderr.contains("pseudonymised"))
        #expect(!FileManager.default.fileExists(atPath: cli.path("copy.sqlite")))
    }

    /// The bytes of a gzip file, decompressed by the system's gzip.
    func unzipped(_ path: String) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "gzip -dc \"$0\"", path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return data
    }
}

/// A private key file's text (`PRIVATE+KEY+name+hash+data`), its base64 key data, and the
/// 32-byte Ed25519 seed inside it: the three forms in which it must never be found elsewhere.
private struct PrivateKeyText {
    let file: String
    let text: String
    let data: String
    let seed: Data

    init(_ cli: CLIProcess, _ file: String) throws {
        self.file = file
        text = String(decoding: try #require(cli.bytes(file)), as: UTF8.self).trimmingCharacters(in: .newlines)
        data = try #require(text.split(separator: "+", maxSplits: 4).last.map(String.init))
        seed = try #require(Data(base64Encoded: data)).dropFirst()
        #expect(text.hasPrefix("PRIVATE+KEY+") && seed.count == 32, "\(file) is not a private key file")
    }
}
