import CShims
import Foundation
import GRDB
import RRMFormat

/// A ledger file: the hash-chained entries of one RRM pipeline and the lineage derived from them.
///
/// A `Ledger` owns one SQLite connection, reached only through GRDB's serialized queue. Writers
/// take SQLite's write lock (`BEGIN IMMEDIATE`) before they read the head, so several processes
/// can append to one file and the chain stays one line.
public final class Ledger: Sendable {
    /// Where the ledger lives.
    public let path: String
    /// Whether the connection was opened read-only.
    public let isReadOnly: Bool
    /// The authoritative schema version the ledger had when this open upgraded it in place
    /// (`LedgerMigration`), or `nil` when it was already current or was opened read-only.
    public let upgradedFromVersion: Int?
    let queue: DatabaseQueue

    /// Default seconds a writer waits for another process's write lock before giving up.
    public static let defaultWaitSeconds: Double = 30
    /// The longest wait `open` accepts: a day. SQLite's busy timeout counts milliseconds in 32
    /// bits (about 24.8 days), and GRDB traps converting a longer one.
    public static let maximumWaitSeconds: Double = 86_400

    private init(path: String, queue: DatabaseQueue, readOnly: Bool, upgradedFromVersion: Int?) {
        self.path = path
        self.queue = queue
        self.isReadOnly = readOnly
        self.upgradedFromVersion = upgradedFromVersion
    }

    /// Creates a new, empty ledger file at `path`, with a new random origin (`LedgerOrigin`).
    ///
    /// The ledger is built in a temporary file beside `path` and linked into place complete
    /// (link(2), which never replaces a name): of several processes creating the same ledger at
    /// once exactly one succeeds, the others get `.alreadyExists`, and no process ever opens a
    /// half-made ledger. Anything at `path` is refused, a symbolic link included, even one to a
    /// file that does not exist.
    /// - Throws: `LedgerError.alreadyExists` if anything is at `path` (`.danglingLink` for a
    ///   symbolic link to nothing); `.storage` if it cannot be written.
    public static func create(at path: String) throws(LedgerError) -> Ledger {
        try refuseAnything(at: path)
        let temporary = FilePublishing.temporaryPath(beside: path)
        // Leave nothing half-made behind.
        defer { removeTemporary(temporary) }
        try makeEmptyFile(at: temporary, for: path)
        try publish(temporary, as: path)
        return try open(at: path)
    }

    /// Creates a new ledger at `path` that `fill` has filled (the archive's import): the ledger is
    /// built and filled under a temporary name beside `path`, closed (which moves every committed
    /// page from the -wal file into the one file), and only then linked into place as
    /// `create(at:)` does. A process killed meanwhile leaves no ledger at `path`, only the hidden
    /// temporary file; a `fill` that throws leaves nothing.
    /// - Throws: what `fill` threw; `LedgerError.alreadyExists` (or `.danglingLink`) when
    ///   anything is at `path`, before or once filled; `.storage` when it cannot be written.
    package static func create<T>(at path: String, filledBy fill: (Ledger) throws -> T) throws -> T {
        try refuseAnything(at: path)
        let temporary = FilePublishing.temporaryPath(beside: path)
        defer { removeTemporary(temporary) }
        try makeEmptyFile(at: temporary, for: path)
        let result: T
        do {
            let ledger = try open(at: temporary)
            result = try fill(ledger)
            try ledger.queue.close()
        } catch let error as LedgerError {
            throw error
        } catch let error as DatabaseError {
            throw LedgerError(error, path: path)
        }
        // Closed cleanly, SQLite removed the -wal file; one left behind would hold pages the
        // linked file lacks.
        var status = stat()
        guard lstat(temporary + "-wal", &status) != 0 || status.st_size == 0 else {
            throw LedgerError.storage(path: path, detail: "the new ledger's write-ahead log was not folded into it on close")
        }
        try publish(temporary, as: path)
        return result
    }

    /// Removes a temporary ledger and its SQLite side files.
    private static func removeTemporary(_ temporary: String) {
        for suffix in ["", "-wal", "-shm", "-journal"] { unlink(temporary + suffix) }
    }

    /// Writes an empty ledger (schema, `ledger_info`, WAL mode) at `temporary`; errors name `path`.
    private static func makeEmptyFile(at temporary: String, for path: String) throws(LedgerError) {
        do {
            // The creating connection is closed afterwards: it sized its page cache before the
            // schema set the page size, so a fresh connection serves the new ledger. Closing the
            // last connection checkpoints and removes the -wal file: the one file is the ledger.
            let queue = try DatabaseQueue(path: temporary, configuration: configuration(readOnly: false, wait: defaultWaitSeconds))
            try queue.writeWithoutTransaction { db in
                // The script sets the page size first (it applies only to an empty file), then
                // creates the tables in a transaction of its own.
                try db.execute(sql: LedgerSchema.sql)
                try db.execute(
                    sql: "INSERT INTO ledger_info (key, value) VALUES ('format', ?), ('created', ?), ('created_by', ?), ('origin', ?)",
                    arguments: [
                        LedgerSchema.formatName, Timestamp.now(), "rrm-ledger \(RRMLedgerVersion.current)", LedgerOrigin.generate(),
                    ])
                try db.execute(sql: "PRAGMA journal_mode = WAL")
            }
            try queue.close()
        } catch {
            throw LedgerError(error, path: path)
        }
    }

    /// Links the finished `temporary` to `path` (link(2): never over anything already there).
    private static func publish(_ temporary: String, as path: String) throws(LedgerError) {
        if let code = FilePublishing.publish(temporary, as: path, replacing: false) {
            if code == EEXIST {
                try refuseAnything(at: path)
                throw .alreadyExists(path: path)
            }
            throw .storage(path: path, detail: String(cString: strerror(code)))
        }
    }

    /// Refuses a path that names anything, a symbolic link to nothing included.
    private static func refuseAnything(at path: String) throws(LedgerError) {
        var status = stat()
        guard lstat(path, &status) == 0 else { return }
        if status.st_mode & S_IFMT == S_IFLNK, stat(path, &status) != 0 {
            let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) ?? "?"
            throw .danglingLink(path: path, target: target)
        }
        throw .alreadyExists(path: path)
    }

    /// Opens an existing ledger, checking that it is one and that its schema is not newer.
    ///
    /// A ledger of an older authoritative schema (`LedgerSchema.oldestVersion` on) is upgraded in
    /// place, in one transaction, when opened for writing (`LedgerMigration`); opened read-only
    /// it is read as it is and left unchanged.
    /// - Parameters:
    ///   - readOnly: open without write access (verification, queries, read-only media).
    ///   - wait: seconds to wait for another writer's lock before failing with `.busy`, from 0 to
    ///     `maximumWaitSeconds` (else `.outOfRange`; NaN included).
    /// - Throws: `LedgerError.derivedSchemaMismatch` when the derived tables have another layout
    ///   than this build's (`rebuild` makes them anew); `.upgradeRefused` when the upgrade found
    ///   the ledger does not verify; `.notFound`, `.notALedger`, `.newerSchema` and others.
    public static func open(at path: String, readOnly: Bool = false, wait: Double = defaultWaitSeconds) throws(LedgerError) -> Ledger {
        try open(at: path, readOnly: readOnly, wait: wait, acceptingAnyDerivedSchema: false)
    }

    /// `open(at:readOnly:wait:)`, optionally accepting derived tables of any layout: for
    /// `rebuild`, which replaces them.
    package static func open(at path: String, readOnly: Bool, wait: Double, acceptingAnyDerivedSchema: Bool) throws(LedgerError)
        -> Ledger
    {
        guard wait >= 0 && wait <= maximumWaitSeconds else {
            throw .outOfRange("a wait of \(wait) seconds is outside 0 to \(Int(maximumWaitSeconds)) seconds")
        }
        // stat(2) follows a symbolic link: a link to a ledger is that ledger. Anything but a
        // regular file is refused before SQLite opens it (a FIFO would block the open forever).
        var status = stat()
        guard stat(path, &status) == 0 else {
            throw errno == ENOENT ? .notFound(path: path) : .notALedger(path: path, detail: String(cString: strerror(errno)))
        }
        if let kind = fileKind(status.st_mode) { throw .notALedger(path: path, detail: "it is \(kind), not a regular file") }
        let queue: DatabaseQueue
        do {
            queue = try DatabaseQueue(path: path, configuration: configuration(readOnly: readOnly, wait: wait))
        } catch let error as DatabaseError
            where readOnly
            && ([.SQLITE_CANTOPEN, .SQLITE_READONLY].contains(error.resultCode) || error.extendedResultCode == .SQLITE_IOERR_SHMSIZE)
        {
            queue = try openImmutable(at: path, wait: wait)
        } catch {
            throw LedgerError(error, path: path)
        }
        let upgradedFrom = try prepareSchema(queue, path: path, readOnly: readOnly, acceptingAnyDerivedSchema: acceptingAnyDerivedSchema)
        return Ledger(path: path, queue: queue, readOnly: readOnly, upgradedFromVersion: upgradedFrom)
    }

    /// Opens a ledger on read-only media (a read-only mount, a copied disk, a folder this user
    /// cannot write) or on a full disk, which the ordinary read-only open refused.
    ///
    /// A WAL-mode database needs its -shm file even to read: SQLite fails with SQLITE_CANTOPEN
    /// or SQLITE_READONLY(_DIRECTORY) when the -shm file is absent and cannot be created (an
    /// existing read-only -shm file is fine), and with SQLITE_IOERR_SHMSIZE when there is no
    /// room to grow it to its 32 KiB (a full disk, where an append just failed). SQLite's
    /// `immutable=1` URI parameter reads the main file alone, without locks or -shm: right for a
    /// medium nobody can write, so it is tried only after the ordinary open failed this way.
    /// (Should a user with more rights append meanwhile, a read may fail; every entry read is
    /// still checked.) It ignores the -wal file, so a -wal file holding frames (committed
    /// entries not yet copied into the main file) is refused rather than silently showing an
    /// older ledger.
    private static func openImmutable(at path: String, wait: Double) throws(LedgerError) -> DatabaseQueue {
        let walSize = (try? FileManager.default.attributesOfItem(atPath: path + "-wal"))?[.size] as? Int ?? 0
        guard walSize == 0 else { throw .unreadableWAL(path: path) }
        // A URI filename: the absolute path with "?", "#" and "%" (and all else not allowed in a
        // URI path) percent-encoded, then the parameters.
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        let encoded = absolute.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? absolute
        do {
            return try DatabaseQueue(path: "file:\(encoded)?mode=ro&immutable=1", configuration: configuration(readOnly: true, wait: wait))
        } catch {
            throw LedgerError(error, path: path)
        }
    }

    /// Process-wide SQLite settings, applied once before the first connection opens.
    private static let sqliteSetUp: Void = {
        // Memory statistics cost a global mutex per allocation: about 10% of append time.
        _ = rrm_sqlite3_disable_memory_statistics()
        // URI filenames, for `openImmutable` on SQLite builds without SQLITE_USE_URI (Debian's
        // has it). Plain paths are unaffected unless they start with "file:".
        _ = rrm_sqlite3_enable_uri_filenames()
    }()

    private static func configuration(readOnly: Bool, wait: Double) -> Configuration {
        _ = sqliteSetUp
        var configuration = Configuration()
        configuration.readonly = readOnly
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(wait)
        configuration.label = "rrm-ledger"
        configuration.prepareDatabase { db in
            if db.configuration.readonly {
                // Readers stream; several run side by side in verify, so each keeps a small cache.
                try db.execute(sql: "PRAGMA cache_size = -16384")
            } else {
                // A 64 MiB page cache keeps the id and edge indexes of a few million entries hot
                // while staying inside the tool's memory budget.
                try db.execute(sql: "PRAGMA cache_size = -65536")
                // FULL: a batch reported as committed survives power loss. It costs one fsync
                // per batch, not per entry.
                try db.execute(sql: "PRAGMA synchronous = FULL")
            }
        }
        return configuration
    }

    /// Refuses files that are not ledgers, ledgers of a newer schema and derived tables of another
    /// layout; upgrades a ledger of an older schema opened for writing, and lets one opened
    /// read-only be read as it is. Returns the version it upgraded from, if it did.
    private static func prepareSchema(_ queue: DatabaseQueue, path: String, readOnly: Bool, acceptingAnyDerivedSchema: Bool)
        throws(LedgerError) -> Int?
    {
        do {
            let (applicationID, version) = try queue.read { db in
                (try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0, try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0)
            }
            guard applicationID == LedgerSchema.applicationID else {
                throw LedgerError.notALedger(path: path, detail: "it is a SQLite database of another application")
            }
            guard version <= LedgerSchema.version else {
                throw LedgerError.newerSchema(path: path, found: version, supported: LedgerSchema.version)
            }
            guard version >= LedgerSchema.oldestVersion else {
                throw LedgerError.notALedger(path: path, detail: "schema version \(version) is not one this tool can read")
            }
            let tables: [String] = try queue.read { db in
                try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'")
            }
            let missing = LedgerSchema.authoritativeTables(ofVersion: version).filter { name in !tables.contains(name) }
            guard missing.isEmpty else {
                throw LedgerError.notALedger(
                    path: path,
                    detail:
                        "it has the ledger's application id but no \(missing.joined(separator: ", ")) table: a damaged or hand-made file")
            }
            var upgradedFrom: Int?
            if version < LedgerSchema.version {
                if readOnly {
                    try queue.inDatabase { db in try LedgerMigration.readAsItIs(db, version: version) }
                    return nil
                }
                upgradedFrom = try LedgerMigration.upgrade(queue, path: path)
            }
            if !acceptingAnyDerivedSchema {
                let derived = try queue.read { db in
                    try String.fetchOne(db, sql: "SELECT value FROM ledger_info WHERE key = 'derived_schema'").flatMap { Int($0) }
                }
                guard derived == LedgerSchema.derivedVersion else {
                    throw LedgerError.derivedSchemaMismatch(path: path, found: derived, supported: LedgerSchema.derivedVersion)
                }
            }
            return upgradedFrom
        } catch let error as LedgerError {
            throw error
        } catch {
            throw LedgerError(error, path: path)
        }
    }

    /// Runs `body` in a read transaction: one consistent snapshot of the ledger.
    package func read<T>(_ body: (Database) throws -> T) throws(LedgerError) -> T {
        do {
            return try queue.read(body)
        } catch let error as LedgerError {
            throw error
        } catch {
            throw malformedBody(error) ?? LedgerError(error, path: path)
        }
    }

    /// A query's json_extract failed on a body that is not JSON (the file was edited): the
    /// first such entry, named as a malformed row, rather than SQLite's "malformed JSON".
    private func malformedBody(_ error: any Error) -> LedgerError? {
        guard let error = error as? DatabaseError, error.resultCode == .SQLITE_ERROR, error.message == "malformed JSON" else { return nil }
        let seq = try? queue.read { db in
            try Int64.fetchOne(db, sql: "SELECT seq FROM entry WHERE body IS NOT NULL AND json_valid(body) = 0 ORDER BY seq LIMIT 1")
        }
        return seq.flatMap { $0 }.map { .malformedRow(table: "entry", row: $0, column: "body", problem: "not JSON") }
    }

    /// Runs `body` in a read transaction, for the modules above the store (archives): SQLite's
    /// failures become `LedgerError`s, the body's own errors pass through as they were thrown.
    package func readPassingThrough<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try queue.read(body)
        } catch let error as DatabaseError {
            throw malformedBody(error) ?? LedgerError(error, path: path)
        }
    }

    /// The newest entry's sequence number and hash.
    public func head() throws(LedgerError) -> ChainHead {
        try read { db in try Self.head(db) }
    }

    package static func head(_ db: Database) throws -> ChainHead {
        guard let row = try Row.fetchOne(db, sql: "SELECT seq, hash FROM entry ORDER BY seq DESC LIMIT 1") else {
            return .empty
        }
        let seq: Int64 = try row.stored(0, "seq", row: 0)
        return ChainHead(seq: seq, hash: try row.storedDigest(1, "hash", row: seq))
    }
}

/// What a file that is not a regular file is, in words; `nil` for a regular file.
private func fileKind(_ mode: mode_t) -> String? {
    switch mode & S_IFMT {
    case S_IFREG: return nil
    case S_IFDIR: return "a directory"
    case S_IFIFO: return "a FIFO (named pipe)"
    case S_IFSOCK: return "a socket"
    case S_IFCHR: return "a character device"
    case S_IFBLK: return "a block device"
    default: return "a special file"
    }
}

extension LedgerError {
    /// Classifies an error from GRDB or SQLite by what the user can do about it.
    init(_ error: any Error, path: String) {
        if let ledgerError = error as? LedgerError {
            self = ledgerError
            return
        }
        if let inputError = error as? InputError {
            self = LedgerError(inputError)
            return
        }
        guard let databaseError = error as? DatabaseError else {
            self = .internalFailure(detail: "\(error)")
            return
        }
        switch databaseError.resultCode {
        case .SQLITE_NOTADB:
            self = .notALedger(path: path, detail: "it is not a SQLite database")
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            self = .busy(path: path, waitedSeconds: 0)
        case .SQLITE_FULL:
            self = .storage(path: path, detail: "the disk is full")
        case .SQLITE_READONLY:
            self = .storage(path: path, detail: "the ledger or its folder is read-only")
        case .SQLITE_IOERR where databaseError.extendedResultCode == .SQLITE_IOERR_SHMSIZE:
            // SQLite could not grow the -shm file it needs beside the ledger, even to read; a
            // full disk is the usual cause (a write to the ledger or its -wal file on a full
            // disk is SQLITE_FULL instead). Seen on a full tmpfs: FullDiskTests.
            self = .storage(path: path, detail: "the disk is full (no room for the ledger's -shm file)")
        case .SQLITE_CANTOPEN, .SQLITE_PERM, .SQLITE_IOERR:
            self = .storage(path: path, detail: databaseError.message ?? "\(databaseError.resultCode)")
        case .SQLITE_CORRUPT:
            self = .notALedger(path: path, detail: "the SQLite file is corrupt: \(databaseError.message ?? "")")
        default:
            self = .database(code: databaseError.extendedResultCode.rawValue, message: databaseError.message ?? "\(databaseError)")
        }
    }
}
