/// Why an archive could not be written, read or trusted. The command line maps each to a
/// documented exit code: a malformed or hostile archive is bad data (65), an archive that reads
/// well but does not verify is a verification failure (1).
public enum ArchiveError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file is not a well-formed archive: gzip, tar or manifest problems, hostile members.
    case malformed(path: String, detail: String)
    /// The archive is well formed but its contents do not verify; one line per fault.
    case verificationFailed(path: String, faults: [String])
    /// The archive cannot be made or imported here: a slice without a checkpoint, a slice to
    /// import, an increment that does not extend this ledger.
    case notImportable(path: String, detail: String)
    /// The archive file could not be read or written.
    case io(path: String, detail: String)

    public var description: String {
        switch self {
        case .malformed(let path, let detail): return "\(path) is not a valid rrm-ledger archive: \(detail)"
        case .verificationFailed(let path, let faults):
            return "\(path) FAILED verification (\(faults.count) fault\(faults.count == 1 ? "" : "s")): " + (faults.first ?? "")
        case .notImportable(let path, let detail): return "\(path): \(detail)"
        case .io(let path, let detail): return "\(path): \(detail)"
        }
    }
}
