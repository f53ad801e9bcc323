import Crypto
import Foundation
import RRMFormat
import RRMStore

/// What an import did.
public struct ImportSummary: Sendable {
    public let manifest: ArchiveManifest
    public let head: ChainHead
}

extension Ledger {
    /// Imports an archive through the appender's writer, in one batch, verifying it as it goes:
    /// anything that fails to verify stops the batch, which then rolls back, so nothing is
    /// written. A full archive makes a new ledger at `ledgerPath` (which must not exist) with the
    /// archive's head hash; an incremental archive extends the existing ledger at `ledgerPath`,
    /// whose head and tree must be the archive's base.
    ///
    /// Each entry is read and checked once (`ArchiveStream`) and its body decoded once into the
    /// event the writer stores (`ArchiveImport`), on a thread of its own beside the writer.
    /// - Parameter verifier: when given, the archive's checkpoint must be signed with this key.
    /// - Throws: `ArchiveError` for anything wrong with the archive, an entry's body included;
    ///   `LedgerError` for what the ledger refuses (an id it already holds, a reference it cannot
    ///   resolve) or cannot do (busy, storage).
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
            // Built beside the target and put in place only once committed: a killed import
            // leaves no ledger at `ledgerPath` (at most a hidden `.NAME.partial-…` file).
            return try Ledger.create(at: ledgerPath) { ledger in
                try ledger.importEntries(stream, archivePath: archivePath, base: nil, ledgerPath: ledgerPath)
            }
        case .incremental:
            let ledger = try Ledger.open(at: ledgerPath)
            let base = manifest.base!
            return try ledger.importEntries(stream, archivePath: archivePath, base: base, ledgerPath: ledgerPath)
        }
    }

    /// Appends the archive's entries in one transaction. Every check is made inside it, before
    /// COMMIT: the ledger's head (and tree root) must be the archive's base once the write lock
    /// is held, so that an append or another import racing this one cannot slip in between;
    /// every entry, the manifest and the checkpoint are checked by the stream as it is read; and
    /// the head the batch leaves must be the archive's last entry.
    /// - Parameter base: the incremental archive's base; `nil` for a full archive, which needs an
    ///   empty ledger.
    private func importEntries(_ stream: ArchiveStream, archivePath: String, base: ArchiveManifest.Base?, ledgerPath: String) throws
        -> ImportSummary
    {
        let events = ProducerThread<[DecodedEvent]>(
            capacity: DecodedEvent.chunksInFlight, stackSize: DecodedEvent.decodingStackSize
        ) { sink in
            try ArchiveImport.decodeEntries(of: stream, into: sink)
        }
        let checks = BatchChecks(
            beforeWriting: { head, rootHash in
                guard let base else {
                    guard head == .empty else {
                        throw ArchiveError.notImportable(path: archivePath, detail: "it is a full archive and \(ledgerPath) is not empty")
                    }
                    return
                }
                guard head.seq == base.size, head.hash == base.entryHash else {
                    throw ArchiveError.notImportable(
                        path: archivePath,
                        detail:
                            "it continues a ledger of \(base.size) entries ending in \(base.entryHash.hex.prefix(16))…, and \(ledgerPath) ends at \(head.seq):\(head.hash.hex.prefix(16))…"
                    )
                }
                guard try rootHash() == base.rootHash else {
                    throw ArchiveError.notImportable(
                        path: archivePath, detail: "its base tree root is not \(ledgerPath)'s: the ledgers have forked")
                }
            },
            beforeCommit: { head in
                // The producer has ended (the writer joined it): the stream's figures are final.
                guard head.seq == stream.lastSeq, head.hash == stream.lastHash else {
                    throw ArchiveError.verificationFailed(
                        path: archivePath, faults: ["the imported ledger's head differs from the archive's last entry"])
                }
                // An increment ends at its signed checkpoint (the stream refuses one that does
                // not); nothing past it is imported.
                if base != nil, let checkpoint = stream.manifest.checkpoint, head.seq != checkpoint.size {
                    throw ArchiveError.verificationFailed(
                        path: archivePath,
                        faults: [
                            "the imported ledger's head (entry \(head.seq)) is not the increment's signed checkpoint (\(checkpoint.size) entries)"
                        ])
                }
            })
        let summary = try append(decodedBy: events, sourceName: archivePath, checks: checks)
        return ImportSummary(manifest: stream.manifest, head: summary.head)
    }
}

/// An archive's entries as the events the appender's writer stores, for import.
///
/// The archive is hostile input: each body is validated exactly as an appended line is
/// (`EventDecoder`, the same rules), and must be the canonical body that validation gives, byte
/// for byte. That equality is what makes it sound to reuse the digest the stream's hash check
/// computed instead of hashing the body again, and it is what makes the imported entry's hash
/// the archive's: a body in another form would be stored as different bytes under another hash.
/// The writer then resolves references, chains and re-verifies before commit as for any append.
enum ArchiveImport {
    /// Reads every entry of `stream` (which checks each against the chain) and sends their events
    /// in chunks, in order; the first entry at fault stops it with its `ArchiveError`, after the
    /// chunk of the entries before it.
    static func decodeEntries(of stream: ArchiveStream, into sink: ProducerThread<[DecodedEvent]>.Sink) throws {
        var pending: [DecodedEvent] = []
        pending.reserveCapacity(DecodedEvent.chunkSize)
        do {
            while let checked = try stream.next() {
                pending.append(try event(of: checked, line: stream.entries, path: stream.path))
                if pending.count == DecodedEvent.chunkSize {
                    guard sink.send(pending) else { return }
                    pending.removeAll(keepingCapacity: true)
                }
            }
        } catch {
            if !pending.isEmpty { sink.send(pending) }
            throw error
        }
        if !pending.isEmpty { sink.send(pending) }
    }

    /// The event of one checked entry, or the archive's error for a body the ledger would refuse
    /// or store otherwise. `line` counts the entries read (the writer names it in its errors).
    static func event(of checked: ArchiveStream.CheckedEntry, line: Int, path: String) throws(ArchiveError) -> DecodedEvent {
        let entry = checked.entry
        guard let digest = checked.bodyDigest else {
            // Refused before any entry is read; kept so that no original body's digest is taken
            // for the shown body's.
            throw .notImportable(path: path, detail: "entry \(entry.seq) is pseudonymised, so its body is not the one the chain hashes")
        }
        let value: JSONValue
        do {
            value = try JSONParser.parse(entry.body)
        } catch {
            throw .malformed(path: path, .bodyNotJSON(seq: entry.seq, column: error.offset + 1, reason: error.reason))
        }
        let event: Event
        do {
            event = try EventDecoder.decode(value, appendTime: Timestamp.now())
        } catch {
            throw .malformed(path: path, .bodyNotAnEvent(seq: entry.seq, id: value["id"]?.stringValue, problem: error.description))
        }
        guard event.body == entry.body else {
            throw .verificationFailed(
                path: path,
                faults: [
                    "entry \(entry.seq): its body is not in canonical form, so a ledger would store other bytes under another hash"
                ])
        }
        return DecodedEvent(line: line, event: event, bodyDigest: digest)
    }
}
