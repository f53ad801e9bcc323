import Foundation
import RRMFormat
import RRMStore

/// The outcome of reading a whole archive offline.
public struct ArchiveReport: Sendable {
    public let manifest: ArchiveManifest
    /// Entries read.
    public let entries: Int
    /// The last entry's sequence number and hash: the head the archive leads to.
    public let head: ChainHead
    /// Faults found, one line each (at most `ArchiveStream.faultLimit` in detail).
    public let faults: [String]
    public let faultCount: Int
    /// The checkpoint, when its signature was verified with the key given.
    public let verifiedCheckpoint: VerifiedCheckpoint?

    public var isIntact: Bool { faultCount == 0 }
}

/// Verifies an archive with nothing but the file (`rrm-ledger verify-archive`).
public enum ArchiveVerifier {
    /// Reads the archive at `path` from end to end; with `verifier`, its checkpoint must be signed
    /// by that key (and name the archive's origin).
    /// - Throws: `ArchiveError.malformed` for a corrupt or hostile archive, `.io` if it cannot be read.
    public static func verify(path: String, verifier: NoteVerifier? = nil) throws -> ArchiveReport {
        let stream = try ArchiveStream(path: path, verifier: verifier)
        while try stream.next() != nil {}
        return ArchiveReport(
            manifest: stream.manifest, entries: stream.entries, head: ChainHead(seq: stream.lastSeq, hash: stream.lastHash),
            faults: stream.faults, faultCount: stream.faultCount, verifiedCheckpoint: stream.verifiedCheckpoint)
    }
}

/// What an import did.
public struct ImportSummary: Sendable {
    public let manifest: ArchiveManifest
    public let head: ChainHead
}

extension Ledger {
    /// Imports an archive through the ordinary append path, in one batch, verifying it as it goes:
    /// anything that fails to verify stops the batch, which then rolls back, so nothing is
    /// written. A full archive makes a new ledger at `ledgerPath` (which must not exist) with the
    /// archive's head hash; an incremental archive extends the existing ledger at `ledgerPath`,
    /// whose head and tree must be the archive's base.
    /// - Parameter verifier: when given, the archive's checkpoint must be signed with this key.
    public static func importArchive(from archivePath: String, into ledgerPath: String, verifier: NoteVerifier? = nil) throws
        -> ImportSummary
    {
        let stream = try ArchiveStream(path: archivePath, verifier: verifier, stopAtFirstFault: true)
        let manifest = stream.manifest!
        if let pseudonymised = manifest.pseudonymised {
            throw ArchiveError.notImportable(
                path: archivePath,
                detail:
                    "its \(pseudonymised.fields.joined(separator: ", ")) ids are pseudonymised, so its bodies are not the ones the chain hashes"
            )
        }
        switch manifest.selection {
        case .slice:
            throw ArchiveError.notImportable(
                path: archivePath, detail: "it is a slice (\(manifest.sliceDescription ?? "chosen entries")), not a chain a ledger can hold"
            )
        case .full:
            let ledger = try Ledger.create(at: ledgerPath)
            do {
                return try ledger.importEntries(stream, archivePath: archivePath)
            } catch {
                for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: ledgerPath + suffix) }
                throw error
            }
        case .incremental:
            let ledger = try Ledger.open(at: ledgerPath)
            let base = manifest.base!
            let head = try ledger.head()
            guard head.seq == Int64(base.size), head.hash == base.entryHash else {
                throw ArchiveError.notImportable(
                    path: archivePath,
                    detail:
                        "it continues a ledger of \(base.size) entries ending in \(Hex.encode(base.entryHash).prefix(16))…, and \(ledgerPath) ends at \(head.seq):\(Hex.encode(head.hash).prefix(16))…"
                )
            }
            guard try ledger.rootHash(size: base.size).bytes == base.rootHash else {
                throw ArchiveError.notImportable(
                    path: archivePath, detail: "its base tree root is not \(ledgerPath)'s: the ledgers have forked")
            }
            return try ledger.importEntries(stream, archivePath: archivePath)
        }
    }

    private func importEntries(_ stream: ArchiveStream, archivePath: String) throws -> ImportSummary {
        let bodies = ArchiveBodySource(stream)
        let summary: AppendSummary
        do {
            summary = try append(from: bodies)
        } catch {
            throw bodies.failure ?? error
        }
        guard summary.head.seq == stream.lastSeq, summary.head.hash == stream.lastHash else {
            throw ArchiveError.verificationFailed(path: archivePath, faults: ["the imported ledger's head differs from the archive's"])
        }
        return ImportSummary(manifest: stream.manifest, head: summary.head)
    }
}

/// The bodies of a verified archive's entries as JSONL, for the append path.
private final class ArchiveBodySource: ByteSource {
    let name: String
    private let stream: ArchiveStream
    private var pending: [UInt8] = []
    private var offset = 0
    /// What stopped the archive's stream, if anything did.
    private(set) var failure: (any Error)?

    init(_ stream: ArchiveStream) {
        self.stream = stream
        self.name = stream.path
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(InputError) -> Int {
        while offset == pending.count {
            pending.removeAll(keepingCapacity: true)
            offset = 0
            do {
                while pending.count < buffer.count, let entry = try stream.next() {
                    pending.append(contentsOf: entry.body)
                    pending.append(0x0A)
                }
            } catch {
                // The appender sees only that its input ended badly; `importEntries` throws
                // this, the archive's own error, in place of what the appender made of it.
                failure = error
                throw .unreadable(source: name, detail: "\(error)")
            }
            if pending.isEmpty { return 0 }
        }
        let count = min(buffer.count, pending.count - offset)
        pending.withUnsafeBytes { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[offset..<(offset + count)])) }
        offset += count
        return count
    }
}
