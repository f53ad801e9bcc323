import Foundation
import GRDB
import Testing

@testable import RRMAnalysis
@testable import RRMArchive
@testable import RRMFormat
@testable import RRMSimulation
@testable import RRMStore

/// Seeded tampering (Support/TamperingGenerator.swift): every case of every kind must be detected
/// by the evidence it names and reported at the right sequence number. The counts are printed.
/// `RRM_TAMPER_CASES` sets the cases per kind (tools/reliability runs more than CI).
@Suite struct TamperingTests {
    static let casesPerKind = ProcessInfo.processInfo.environment["RRM_TAMPER_CASES"].flatMap(Int.init) ?? 12
    static let seed = ProcessInfo.processInfo.environment["RRM_TAMPER_SEED"].flatMap(UInt64.init) ?? 20_261_126

    @Test func everyTamperedLedgerIsCaughtAtTheRightEntry() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rrm-tampering-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let template = try Self.template(in: folder)
        var random = SimulationRandom(seed: Self.seed)
        var table: [(kind: Tampering.Kind, tried: Int, detected: Int, rightSeq: Int)] = []
        for kind in Tampering.Kind.allCases {
            var (detected, rightSeq) = (0, 0)
            for number in 0..<Self.casesPerKind {
                let path = folder.appendingPathComponent("\(kind)-\(number).sqlite").path
                let tampering = try Tampering.make(kind, from: template, at: path, random: &random)
                let (caught, firstSeq, detail) = try Self.check(tampering, at: path, template: template)
                if caught { detected += 1 }
                if caught && firstSeq == tampering.firstDamagedSeq { rightSeq += 1 }
                #expect(caught, "\(kind.rawValue), \(tampering.description): not detected")
                #expect(
                    firstSeq == tampering.firstDamagedSeq,
                    "\(kind.rawValue), \(tampering.description): reported at \(firstSeq.map(String.init) ?? "no entry"), expected \(tampering.firstDamagedSeq): \(detail)"
                )
                for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
            }
            table.append((kind, Self.casesPerKind, detected, rightSeq))
        }
        var report = "tampering (seed \(Self.seed), ledger of \(template.head.seq) entries):\n"
        report += "  kind                                                  cases  detected  right seq\n"
        for row in table {
            report +=
                "  " + row.kind.rawValue.padding(toLength: 52, withPad: " ", startingAt: 0)
                + String(format: " %6d  %8d  %9d\n", row.tried, row.detected, row.rightSeq)
        }
        let total = table.reduce(0) { $0 + $1.tried }
        let (detected, right) = (table.reduce(0) { $0 + $1.detected }, table.reduce(0) { $0 + $1.rightSeq })
        report += "  all \(table.count) kinds: \(total) cases, \(detected) detected, \(right) at the right sequence number\n"
        print(report)
        // One line of figures for tools/reliability, in the form the reliability tests share.
        print(
            "reliability: tampering seed=\(Self.seed) kinds=\(table.count) cases=\(total) injected=\(total) detected=\(detected) right-seq=\(right)"
        )
    }

    /// Whether the case's evidence catches it, the sequence number reported first, and the report.
    static func check(_ tampering: Tampering, at path: String, template: Tampering.Template) throws -> (Bool, Int64?, String) {
        let ledger = try Ledger.open(at: path, readOnly: true)
        switch tampering.evidence {
        case .verify(let deep, let expectedHead):
            let report = try ledger.verify(VerificationOptions(expectedHead: expectedHead, deep: deep))
            let caught = !report.isIntact && report.faults.contains { $0.kind == tampering.faultKind }
            return (caught, report.firstDamagedSeq, report.faults.prefix(4).map(\.description).joined(separator: "; "))
        case .audit(let finding):
            let result = Result { () throws(LedgerError) in
                try ledger.audit(verifier: template.signer.verifier, origin: template.origin, trusted: template.checkpoint)
            }
            guard case .failure(let error) = result else { return (false, nil, "audit passed") }
            guard case .inconsistentLedger(let inconsistency) = error, inconsistency.kind == finding else {
                return (false, nil, "expected \(finding.rawValue), got: \(error)")
            }
            // An audit speaks of tree sizes: the size it can no longer vouch for is the
            // trusted one, named in the finding.
            let size = template.head.seq
            let named = inconsistency.detail.contains("size \(size)")
            return (true, named ? size : nil, error.description)
        }
    }

    /// A simulated two-level pipeline with a checkpoint signed over all of it.
    static func template(in folder: URL) throws -> Tampering.Template {
        let path = folder.appendingPathComponent("template.sqlite").path
        let ledger = try Ledger.create(at: path)
        var parameters = SimulationParameters()
        parameters.outputsPerLevel = 30
        parameters.levels = 2
        _ = try SimulationRun.intoLedger(ledger, parameters: parameters)
        let origin = try #require(try ledger.origin())
        let signer = try NoteSigner.generate(name: LedgerOrigin.keyName(for: origin)).signer
        let recording = try ledger.recordCheckpoint(signer: signer)
        let checkpoint = try VerifiedCheckpoint.open(recording.checkpoint.note, verifier: signer.verifier, origin: origin)
        let bodies = try ledger.read { db in try String.fetchAll(db, sql: "SELECT body FROM entry ORDER BY seq") }
        let head = try ledger.head()
        _ = try ledger.read { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        return Tampering.Template(path: path, head: head, signer: signer, checkpoint: checkpoint, bodies: bodies, origin: origin)
    }
}
