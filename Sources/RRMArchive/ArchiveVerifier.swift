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
