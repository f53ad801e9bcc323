/// Everything that can stop a ledger operation, each case with the facts its message needs.
/// The command line maps every case to a documented exit code (docs/CLI.md).
public enum LedgerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No ledger file at the path.
    case notFound(path: String)
    /// `init` on a path that already holds a file.
    case alreadyExists(path: String)
    /// The file is not an rrm-ledger ledger (not SQLite, or another application's database).
    case notALedger(path: String, detail: String)
    /// The ledger was written by a newer rrm-ledger.
    case newerSchema(path: String, found: Int, supported: Int)
    /// An input line was refused; nothing of its batch was written.
    case badEvent(line: Int, id: String?, problem: String)
    /// The input held no events at all.
    case emptyInput(source: String)
    /// An input file could not be read.
    case unreadableInput(source: String, detail: String)
    /// Another process held the write lock for longer than the wait allowed.
    case busy(path: String, waitedSeconds: Double)
    /// No entry has this id.
    case unknownEntry(id: String)
    /// The disk or file system refused a write (full disk, read-only media, permissions).
    case storage(path: String, detail: String)
    /// The re-verification before commit found the written entries differ from what was meant
    /// to be written; the transaction was rolled back.
    case writeVerificationFailed(seq: Int64, detail: String)
    /// SQLite reported something unexpected.
    case database(detail: String)

    public var description: String {
        switch self {
        case .notFound(let path):
            return "no ledger at \(path) (create one with `rrm-ledger init --ledger \(path)`)"
        case .alreadyExists(let path):
            return "\(path) already exists; refusing to overwrite it"
        case .notALedger(let path, let detail):
            return "\(path) is not an rrm-ledger ledger (\(detail))"
        case .newerSchema(let path, let found, let supported):
            return "\(path) has schema version \(found), newer than the \(supported) this rrm-ledger understands; upgrade rrm-ledger"
        case .badEvent(let line, let id, let problem):
            let entry = id.map { " (id \"\($0)\")" } ?? ""
            return "line \(line)\(entry): \(problem); nothing was appended"
        case .emptyInput(let source):
            return "\(source) holds no events; nothing was appended"
        case .unreadableInput(let source, let detail):
            return "cannot read \(source): \(detail)"
        case .busy(let path, let waited):
            return "\(path) is locked by another writer; gave up after waiting \(waited) s (raise --wait to wait longer)"
        case .unknownEntry(let id):
            return "no entry has the id \"\(id)\""
        case .storage(let path, let detail):
            return "cannot write to \(path): \(detail); the ledger is unchanged"
        case .writeVerificationFailed(let seq, let detail):
            return "re-reading the batch before commit found entry \(seq) wrong (\(detail)); the batch was rolled back"
        case .database(let detail):
            return "database error: \(detail)"
        }
    }
}
