import Foundation
import Testing

@testable import RRMAnalysis
@testable import RRMArchive
@testable import RRMFormat
@testable import RRMStore

/// `export --pseudonymise`: person ids replaced consistently within one archive and differently
/// in the next, the archive still verifying, and a forged pseudonymised entry caught
/// (docs/ARCHIVES.md, "Pseudonymised archives"). These read version-1 archives, whose lines carry
/// every field; `ArchiveVersion2Tests` has the same for version 2.
@Suite struct PseudonymisedArchiveTests {
    func path(_ temp: TemporaryLedger, _ name: String) -> String { temp.folder.appendingPathComponent(name).path }

    /// The entry lines of an archive, by sequence number.
    func lines(of archive: String) throws -> [Int64: JSONObject] {
        var lines: [Int64: JSONObject] = [:]
        for member in try Crafted.members(of: archive) where member.name.hasSuffix(".jsonl") {
            for line in member.bytes.split(separator: 0x0A) {
                guard case .object(let object) = try JSONParser.parse(Array(line)), let seq = object["seq"]?.numberValue else {
                    Issue.record("an entry line is not an object with a seq")
                    continue
                }
                lines[Int64(seq)] = object
            }
        }
        return lines
    }

    func body(_ line: JSONObject) throws -> JSONObject {
        guard case .object(let body) = try JSONParser.parse(Array(try #require(line["body"]?.stringValue).utf8)) else {
            throw ArchiveProblem(reason: "a body is not an object")
        }
        return body
    }

    @Test func personIdsAreReplacedConsistentlyAndTheArchiveStillVerifies() throws {
        let (temp, signer) = try ArchiveTests.signedLedger(outputs: 30)
        let plain = path(temp, "plain.tar.gz")
        let masked = path(temp, "masked.tar.gz")
        _ = try temp.ledger.exportArchive(to: plain, ExportOptions(version: .v1))
        let summary = try temp.ledger.exportArchive(to: masked, ExportOptions(pseudonymise: true, version: .v1))

        let report = try ArchiveVerifier.verify(path: masked, verifier: signer.verifier)
        #expect(report.isIntact, "\(report.faults)")
        #expect(report.verifiedCheckpoint != nil)
        #expect(report.head == (try temp.ledger.head()))

        let original = try lines(of: plain)
        let shown = try lines(of: masked)
        #expect(original.count == shown.count)
        var pseudonymOf: [String: String] = [:]
        var personOf: [String: String] = [:]
        var replaced = 0
        for (seq, before) in original {
            let after = try #require(shown[seq])
            #expect(after["hash"] == before["hash"] && after["prev_hash"] == before["prev_hash"] && after["level"] == before["level"])
            let beforeBody = try body(before)
            var afterBody = try body(after)
            let field =
                beforeBody["kind"]?.stringValue == "label" ? "rater" : beforeBody["kind"]?.stringValue == "finding" ? "auditor" : nil
            guard let field, let person = beforeBody[field]?.stringValue, person.hasPrefix("human:") else {
                #expect(after == before, "entry \(seq) names no person and must be shown unchanged")
                continue
            }
            replaced += 1
            let pseudonym = try #require(afterBody[field]?.stringValue)
            #expect(pseudonym.hasPrefix("human:p-") && pseudonym.count == "human:p-".count + 16)
            #expect(pseudonymOf[person, default: pseudonym] == pseudonym, "\(person) got two pseudonyms")
            #expect(personOf[pseudonym, default: person] == person, "two persons share \(pseudonym)")
            pseudonymOf[person] = pseudonym
            personOf[pseudonym] = person
            // Apart from the person, the body is the original; its digest is the original's.
            afterBody[field] = .string(person)
            #expect(afterBody == beforeBody)
            let digest = Array(before["body"]!.stringValue!.utf8).withUnsafeBytes { ChainHash.bodyDigest($0) }.hex
            #expect(after["body_sha256"]?.stringValue == digest)
        }
        #expect(replaced > 0 && pseudonymOf.count > 1)
        #expect(summary.manifest.pseudonymised == ArchiveManifest.Pseudonymisation(fields: ["rater", "auditor"], entries: replaced))
        #expect(report.manifest.pseudonymised?.entries == replaced)

        // Nothing in the archive names a person, compressed or not.
        let text = try Crafted.members(of: masked).map { String(decoding: $0.bytes, as: UTF8.self) }.joined()
        for person in pseudonymOf.keys { #expect(!text.contains("\"\(person)\\\""), "\(person) is still in the archive") }

        // Another export: other pseudonyms, so two archives cannot be joined on them.
        let again = path(temp, "again.tar.gz")
        _ = try temp.ledger.exportArchive(to: again, ExportOptions(pseudonymise: true, version: .v1))
        let againLines = try lines(of: again)
        let label = try #require(original.keys.sorted().first { (try? body(original[$0]!))?["kind"]?.stringValue == "label" })
        #expect(try body(againLines[label]!)["rater"] != (try body(shown[label]!))["rater"])
    }

    @Test func aPseudonymisedSliceVerifiesWithItsProofs() throws {
        let (temp, signer) = try ArchiveTests.signedLedger(outputs: 10)
        let archive = path(temp, "slice.tar.gz")
        let summary = try temp.ledger.exportArchive(
            to: archive,
            ExportOptions(selection: .slice(lineageOf: nil, query: LineageQuery(direction: .both), level: 1), pseudonymise: true))
        #expect((summary.manifest.pseudonymised?.entries ?? 0) > 0)
        let report = try ArchiveVerifier.verify(path: archive, verifier: signer.verifier)
        #expect(report.isIntact, "\(report.faults)")
    }

    @Test func aPseudonymisedArchiveIsNotImported() throws {
        let (temp, signer) = try ArchiveTests.signedLedger(outputs: 5)
        let archive = path(temp, "masked.tar.gz")
        _ = try temp.ledger.exportArchive(to: archive, ExportOptions(pseudonymise: true))
        let target = path(temp, "copy.sqlite")
        #expect {
            try Ledger.importArchive(from: archive, into: target, verifier: signer.verifier)
        } throws: { error in
            guard case ArchiveError.notImportable(_, let detail) = error else { return false }
            return detail.contains("pseudonymised")
        }
        #expect(!FileManager.default.fileExists(atPath: target))
    }

    @Test func forgedPseudonymisedEntriesAreCaught() throws {
        let (temp, _) = try ArchiveTests.signedLedger(outputs: 3)
        let good = path(temp, "masked.tar.gz")
        _ = try temp.ledger.exportArchive(to: good, ExportOptions(pseudonymise: true, version: .v1))
        let members = try Crafted.members(of: good)
        let entries = String(decoding: members[1].bytes, as: UTF8.self)
        let lines = entries.split(separator: "\n").map(String.init)
        let index = try #require(lines.firstIndex { $0.contains("body_sha256") })
        let seq = index + 1
        let pseudonym = try #require(lines[index].firstRange(of: #/human:p-[0-9a-f]{16}/#)).lowerBound

        func crafted(_ name: String, manifest: [UInt8]? = nil, line: String) throws -> String {
            var edited = lines
            edited[index] = line
            let file = path(temp, name)
            try Crafted.archive(
                at: file,
                members: [
                    .init(name: members[0].name, bytes: manifest ?? members[0].bytes),
                    .init(name: members[1].name, bytes: Array((edited.joined(separator: "\n") + "\n").utf8)), members[2],
                ])
            return file
        }
        // A body that is not a pseudonymised one, passed off with the original's digest.
        var forged = lines[index]
        forged.replaceSubrange(pseudonym..<forged.index(pseudonym, offsetBy: "human:p-".count + 16), with: "human:mallory")
        let named = try crafted("named.tar.gz", line: forged)
        ArchiveTests().expectRefused(named, in: temp, mentioning: "entry \(seq): carries the digest of an original body")
        // A pseudonym of the wrong form: upper-case digits, or too few.
        for (name, fake) in [("upper.tar.gz", "human:p-" + String(repeating: "A", count: 16)), ("short.tar.gz", "human:p-0123abcd")] {
            forged = lines[index]
            forged.replaceSubrange(pseudonym..<forged.index(pseudonym, offsetBy: "human:p-".count + 16), with: fake)
            ArchiveTests().expectRefused(
                try crafted(name, line: forged), in: temp, mentioning: "entry \(seq): carries the digest of an original body")
        }
        // Another digest: the chain breaks.
        let digest = try #require(lines[index].firstRange(of: #/"body_sha256":"[0-9a-f]/#)).upperBound
        forged = lines[index]
        let oldDigit = forged[forged.index(before: digest)]
        forged.replaceSubrange(forged.index(before: digest)..<digest, with: oldDigit == "0" ? "1" : "0")
        let redigested = try crafted("digest.tar.gz", line: forged)
        ArchiveTests().expectRefused(redigested, in: temp, mentioning: "entry \(seq): its hash does not match its fields")
        // A manifest that hides the pseudonymisation.
        let manifest = String(decoding: members[0].bytes, as: UTF8.self)
        let hidden = try #require(manifest.firstRange(of: #/,\s*"pseudonymised": \{[^}]*\}/#))
        var plainManifest = manifest
        plainManifest.removeSubrange(hidden)
        let unsaid = try crafted("unsaid.tar.gz", manifest: Array(plainManifest.utf8), line: lines[index])
        ArchiveTests().expectRefused(unsaid, in: temp, mentioning: "entry \(seq): pseudonymised, but the manifest does not say")
    }
}
