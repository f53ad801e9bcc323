import RRMFormat

/// Everything that can stop a ledger operation, each case with the facts its message needs.
/// The command line maps every case to a documented exit code (docs/CLI.md).
public enum LedgerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No ledger file at the path.
    case notFound(path: String)
    /// `init` on a path that already holds a file.
    case alreadyExists(path: String)
    /// `init` on a symbolic link to a file that does not exist: refused rather than followed.
    case danglingLink(path: String, target: String)
    /// The file is not an rrm-ledger ledger (not SQLite, or another application's database).
    case notALedger(path: String, detail: String)
    /// The ledger was written by a newer rrm-ledger.
    case newerSchema(path: String, found: Int, supported: Int)
    /// The ledger's derived tables have another layout (`ledger_info.derived_schema`, nil when it
    /// records none) than the one this rrm-ledger reads: `rebuild` makes them anew from the entries.
    case derivedSchemaMismatch(path: String, found: Int?, supported: Int)
    /// An input line was refused; nothing of its batch was written. `field` is the event's field
    /// at fault (a path such as `targets[1]`), when one is.
    case badEvent(line: Int, id: String?, field: String?, problem: String)
    /// An event sent under an id that an entry already holds with another body: not a retry of
    /// that entry but another event. `differences` names each differing field.
    case idConflict(line: Int, id: String, seq: Int64, kind: EventKind, differences: [String])
    /// The input did not hold the number of events it was said to (`append --expect`).
    case unexpectedEventCount(source: String, expected: Int64, received: Int64)
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
    /// A ledger on read-only storage (or a full disk) whose -wal file holds committed entries
    /// that SQLite can read only with a -shm file beside it, which cannot be made (`Ledger.open`).
    case unreadableWAL(path: String)
    /// The re-verification before commit found the written entries differ from what was meant
    /// to be written; the transaction was rolled back.
    case writeVerificationFailed(seq: Int64, detail: String)
    /// SQLite reported an error that none of the cases above describes: its result code and
    /// message, as GRDB's `DatabaseError` gives them.
    case database(code: Int32, message: String)
    /// A row of the ledger file holds a value its schema forbids or this rrm-ledger does not
    /// know (the file was edited outside rrm-ledger, or is damaged): read back, it is refused,
    /// never replaced by a plausible default. `row` is the entry's sequence number; for an `edge`
    /// row, its child's.
    case malformedRow(table: String, row: Int64, column: String, problem: String)
    /// The lineage graph indexes entries with 32-bit integers.
    case tooManyEntriesForLineage(entries: Int64, limit: Int64)
    /// A request outside what the ledger can answer: an entry outside a tree, an old tree size
    /// above the new one.
    case outOfRange(String)
    /// An error no layer describes: a defect in rrm-ledger, not in its input.
    case internalFailure(detail: String)
    /// The Merkle tree's stored nodes are missing or damaged; `verify --deep` says where.
    case damagedTree(path: String, detail: String)
    /// An entry has no row in the derived table `entry_level`; `verify --deep` says where.
    case missingLevel(seq: Int64)
    /// `rebuild` found the ledger does not verify (its entries, or the data derived from them,
    /// checked before committing): it rolled back and changed nothing.
    case rebuildRefused(path: String, faultCount: Int, first: ChainFault)
    /// Opening a ledger of an older schema for writing would upgrade it, and the upgrade (which
    /// rebuilds the derived data) found the ledger does not verify: nothing was changed.
    case upgradeRefused(path: String, from: Int, to: Int, faultCount: Int, first: ChainFault)
    /// A tree size beyond the entries the ledger holds.
    case treeSizeBeyondLedger(size: Int64, entries: Int64)
    /// An older tree size beyond the checkpoint a consistency proof was asked against (or 0).
    case treeSizeBeyondCheckpoint(size: Int64, checkpointSize: Int64)
    /// No checkpoint was recorded (`size` nil), or none of this size.
    case noCheckpoint(size: Int64?, entries: Int64)
    /// A proof was asked for an entry against a checkpoint signed before it was appended.
    case entryAfterCheckpoint(id: String, seq: Int64, size: Int64)
    /// `checkpoint` on a ledger without entries: there is no tree to sign.
    case emptyLedger(path: String)
    /// A checkpoint of this size is already recorded, signed by another key.
    case checkpointExists(size: Int64, signedBy: String)
    /// A ledger without an origin (made from the schema by hand) asked for one.
    case noOrigin(path: String)
    /// The ledger contradicts a signed checkpoint: it shrank, forked or rewrote its past.
    case inconsistentLedger(LedgerInconsistency)
    /// The auditor trusted a checkpoint of one log and was pointed at another (`audit` of a
    /// ledger with no checkpoint of its own; with one, its checkpoint's origin is refused).
    case otherLog(path: String, origin: String, trustedOrigin: String)
    /// A key file could not be written or read.
    case keyFile(KeyFileError)
    /// A proof, signed checkpoint or trusted state was refused: malformed, or it does not verify.
    case proofRefused(source: String, ProofError)

    public var description: String {
        switch self {
        case .notFound(let path):
            return "no ledger at \(path) (create one with `rrm-ledger init --ledger \(path)`)"
        case .alreadyExists(let path):
            return "\(path) already exists; refusing to overwrite it"
        case .danglingLink(let path, let target):
            return "\(path) is a symbolic link to \(target), which does not exist; refusing to create a ledger through it "
                + "(remove the link, or give the path it points to)"
        case .notALedger(let path, let detail):
            return "\(path) is not an rrm-ledger ledger (\(detail))"
        case .newerSchema(let path, let found, let supported):
            return "\(path) has schema version \(found), newer than the \(supported) this rrm-ledger understands; upgrade rrm-ledger"
        case .derivedSchemaMismatch(let path, let found, let supported):
            let layout = found.map { "layout \($0)" } ?? "no recorded layout"
            let newer = (found ?? 0) > supported ? " (written by a newer rrm-ledger)" : ""
            return "\(path) has derived tables of \(layout)\(newer), not the layout \(supported) this rrm-ledger reads; "
                + "run `rrm-ledger rebuild --ledger \(path)` to derive them anew from the entries, which it does not change"
        case .badEvent(let line, let id, let field, let problem):
            let entry = id.map { " (id \"\($0)\")" } ?? ""
            let fieldName = field.map { "field \"\($0)\": " } ?? ""
            return "line \(line)\(entry): \(fieldName)\(problem); nothing was appended"
        case .idConflict(let line, let id, let seq, let kind, let differences):
            return "line \(line): the id \"\(id)\" is taken by entry \(seq), \(kind.withArticle), recorded with another body "
                + "(\(differences.joined(separator: "; "))): a resent event must be identical to be recognised as "
                + "already recorded, and a new event needs a new id; nothing was appended"
        case .unexpectedEventCount(let source, let expected, let received):
            if received < expected {
                return "\(source) ended after \(received) events where --expect said \(expected) (a producer that stopped early, "
                    + "or a stream cut short); nothing was appended"
            }
            return "\(source) holds more than the \(expected) events --expect said; nothing was appended"
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
        case .unreadableWAL(let path):
            return
                "cannot read \(path): its -wal file holds entries that can be read only with its -shm file, which cannot be created here (read-only storage, or a full disk); copy the ledger with its -wal and -shm files, or into a folder you can write"
        case .writeVerificationFailed(let seq, let detail):
            return "re-reading the batch before commit found entry \(seq) wrong (\(detail)); the batch was rolled back"
        case .database(let code, let message):
            return "database error (SQLite result code \(code)): \(message)"
        case .malformedRow(let table, let row, let column, let problem):
            let where_ = table == "edge" ? "edge row from entry \(row)" : "\(table) row \(row)"
            return
                "the ledger's \(where_), column \(column): \(problem); the file was changed outside rrm-ledger or is damaged (`rrm-ledger verify` says more)"
        case .tooManyEntriesForLineage(let entries, let limit):
            return "the ledger holds \(entries) entries, more than the \(limit) the lineage graph can index"
        case .outOfRange(let detail):
            return detail
        case .internalFailure(let detail):
            return "internal error: \(detail)"
        case .damagedTree(let path, let detail):
            return "\(path): \(detail); the derived Merkle tree is damaged "
                + "(`rrm-ledger verify --deep` lists every fault, `rrm-ledger rebuild` repairs it)"
        case .missingLevel(let seq):
            return "entry \(seq) has no level (its entry_level row is missing): the derived data is damaged "
                + "(`rrm-ledger verify --deep` lists every fault, `rrm-ledger rebuild` repairs it)"
        case .rebuildRefused(let path, let count, let first):
            return "\(path) does not verify, so its derived data was not rebuilt: \(Self.faults(count, first)); "
                + "the ledger is unchanged (`rrm-ledger verify --deep` lists every fault)"
        case .upgradeRefused(let path, let from, let to, let count, let first):
            return "cannot upgrade \(path) from schema version \(from) to \(to), because it does not verify: \(Self.faults(count, first)); "
                + "the ledger is unchanged, and the commands that only read still work on it (`rrm-ledger verify --deep` lists every fault)"
        case .treeSizeBeyondLedger(let size, let entries):
            return "tree size \(size) is larger than the ledger, which holds \(entries) entries"
        case .treeSizeBeyondCheckpoint(let size, let checkpointSize):
            return "the old tree size must be from 1 to the checkpoint's size \(checkpointSize), not \(size)"
        case .noCheckpoint(let size, let entries):
            guard let size else { return "no checkpoint has been recorded yet (sign one with `rrm-ledger checkpoint --key KEY`)" }
            let beyond = size > max(0, entries) ? ", and the ledger holds only \(entries) entries" : ""
            return "no checkpoint of size \(size) has been recorded\(beyond)"
        case .entryAfterCheckpoint(let id, let seq, let size):
            return "entry \(seq) (\"\(id)\") was appended after the checkpoint of size \(size); sign a newer checkpoint to prove it"
        case .emptyLedger(let path):
            return "\(path) holds no entries: there is no tree to sign"
        case .checkpointExists(let size, let signer):
            return "a checkpoint of size \(size) is already recorded, signed by \(signer); append entries before signing another"
        case .noOrigin(let path):
            return "\(path) has no origin (it was not made by `rrm-ledger init`); give --name"
        case .otherLog(let path, let origin, let trustedOrigin):
            return "\(path) is the log \"\(origin)\", not \"\(trustedOrigin)\" whose checkpoint was trusted; "
                + "keep one --state folder per ledger"
        case .inconsistentLedger(let inconsistency):
            return inconsistency.description
        case .keyFile(let error):
            return error.description
        case .proofRefused(let source, let error):
            return "\(source): \(error)"
        }
    }
}

extension LedgerError {
    /// "hash-mismatch: entry 4: …", or "3 faults, the first hash-mismatch: entry 4: …".
    private static func faults(_ count: Int, _ first: ChainFault) -> String {
        (count == 1 ? "" : "\(count) faults, the first ") + "\(first.kind.rawValue): \(first)"
    }
}

/// How a ledger contradicts a signed checkpoint: what an auditor refuses loudly.
public struct LedgerInconsistency: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// Fewer entries, or a smaller newest checkpoint, than a checkpoint already signed.
        case shrink = "SHRINK"
        /// Two signed roots that cannot both be true: one size with two roots, or a newer
        /// checkpoint that does not extend an older one. The key holder signed a rewritten past.
        case fork = "FORK"
        /// The entries no longer give the root a checkpoint signed: rewritten after signing.
        case rewrite = "REWRITE"
    }

    public let kind: Kind
    /// The sentence after the kind, with the sizes.
    public let detail: String

    init(_ kind: Kind, _ detail: String) {
        self.kind = kind
        self.detail = detail
    }

    public var description: String { "\(kind.rawValue): \(detail)" }
}

extension LedgerError {
    /// The store's words for input it could not read: the same message, the exit code of
    /// unreadable input (66) or of a bad line (65).
    public init(_ error: InputError) {
        switch error {
        case .unreadable(let source, let detail):
            self = .unreadableInput(source: source, detail: detail)
        case .lineTooLong(let line, let limit):
            self = .badEvent(line: line, id: nil, field: nil, problem: "line is longer than \(limit) bytes")
        }
    }
}
