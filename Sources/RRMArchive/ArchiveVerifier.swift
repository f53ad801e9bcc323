import Foundation
import RRMFormat

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

    /// The entries of a full archive after its checkpoint (which the exporter writes when the
    /// ledger grew after its newest checkpoint): chained to the signed entries, so as sound as
    /// the chain, but covered by no signature. `nil` when there is no checkpoint or nothing after it.
    public var unsignedEntries: ClosedRange<Int64>? {
        guard manifest.selection == .full, let checkpoint = manifest.checkpoint, head.seq > checkpoint.size else { return nil }
        return (checkpoint.size + 1)...head.seq
    }

    /// What `unsignedEntries` means, in one sentence.
    public var unsignedEntriesNote: String? {
        unsignedEntries.map { range in
            "entries \(range.lowerBound)…\(range.upperBound) are not covered by the signed checkpoint (\(range.lowerBound - 1) entries): they are chained to the signed entries, but no signature covers them"
        }
    }
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
