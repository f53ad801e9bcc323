import Foundation
import GRDB
import RRMFormat

/// What `verify` checks beyond the chain itself.
public struct VerificationOptions: Sendable {
    /// A head saved earlier: the ledger must still contain it, unchanged.
    public var expectedHead: ChainHead?
    /// Also re-derive and compare lineage edges and levels, check bodies are canonical events,
    /// recompute the Merkle tree from the entry hashes and compare every stored node and every
    /// recorded checkpoint's root.
    public var deep: Bool
    /// Run SQLite's own check too: `PRAGMA quick_check` (everything `integrity_check` does except
    /// comparing index contents with table contents), or when deep the full `integrity_check`
    /// and `foreign_key_check`.
    public var storageCheck: Bool
    /// Threads that scan ranges of the chain side by side.
    public var workers: Int
    /// Ledgers smaller than this many entries per worker are scanned by fewer workers: below it,
    /// opening connections costs more than it saves.
    public var minimumEntriesPerWorker: Int64

    public init(
        expectedHead: ChainHead? = nil, deep: Bool = false, storageCheck: Bool = true,
        workers: Int = ProcessInfo.processInfo.activeProcessorCount, minimumEntriesPerWorker: Int64 = 50_000
    ) {
        self.expectedHead = expectedHead
        self.deep = deep
        self.storageCheck = storageCheck
        self.workers = max(1, workers)
        self.minimumEntriesPerWorker = max(1, minimumEntriesPerWorker)
    }
}

/// The outcome of `verify`.
public struct VerificationReport: Sendable {
    /// Entries checked.
    public let entries: Int64
    /// The head found.
    public let head: ChainHead
    /// Faults in sequence order (those without a sequence number last), at most
    /// `ChainScan.faultLimit` per worker in detail.
    public let faults: [ChainFault]
    /// Faults found in all, including those not kept in detail.
    public let faultCount: Int
    /// Wall-clock seconds the verification took.
    public let seconds: Double

    /// Whether nothing was found wrong.
    public var isIntact: Bool { faultCount == 0 }

    /// The lowest sequence number of any fault: where the damage starts.
    public var firstDamagedSeq: Int64? { faults.compactMap(\.seq).min() }
}

extension Ledger {
    /// Recomputes the whole chain, in parallel ranges, and reports every fault.
    ///
    /// Detects an edited body or hash, a deleted, inserted or reordered entry, columns that
    /// disagree with the hashed bodies, and (given the head an auditor saved) a truncated or
    /// rewritten ledger; `deep` adds the derived lineage and levels. SQLite's own check of the
    /// file runs alongside the chain scan. Memory stays flat: each worker streams its range.
    /// - Parameter progress: called now and then with the number of entries checked so far.
    public func verify(_ options: VerificationOptions = VerificationOptions(), progress: (@Sendable (Int64) -> Void)? = nil)
        throws(LedgerError) -> VerificationReport
    {
        let start = Date()
        let (lastSeq, head, strayRows) = try read { db in
            let lastSeq = try Int64.fetchOne(db, sql: "SELECT max(seq) FROM entry") ?? 0
            // Rows the chain scan of 1…lastSeq does not reach; deep's tree check reports those beyond the tree.
            let strays = try StrayRowCheck(head: lastSeq, beyondTree: !options.deep).run(db)
            let receipts = try ReceiptCheck(head: lastSeq).run(db)
            return (lastSeq, try Self.head(db), (strays, receipts))
        }
        let (strays, receipts) = strayRows
        let workers = Int(min(Int64(options.workers), max(1, lastSeq / options.minimumEntriesPerWorker)))
        let ranges = lastSeq < 1 ? [] : Self.split(1...lastSeq, into: workers)
        let tasks: [VerificationTask] =
            (options.storageCheck ? [.storage(full: options.deep)] : []) + (options.deep ? [.tree, .schema] : [])
            + ranges.map { .chain($0) }
        let results = try runInParallel(tasks, deep: options.deep, progress: progress)
        var faults = results.flatMap(\.faults) + strays.map(\.fault) + receipts
        var faultCount = results.map(\.faultCount).reduce(0, +) + strays.count + receipts.count
        let entries = results.map(\.entriesChecked).reduce(0, +)
        if let expected = options.expectedHead {
            for fault in try check(expected: expected, lastSeq: lastSeq) {
                faults.append(fault)
                faultCount += 1
            }
        }
        let merged = ChainFault.merged(faults)
        faultCount -= faults.count - merged.count
        return VerificationReport(
            entries: entries, head: head, faults: merged, faultCount: faultCount, seconds: Date().timeIntervalSince(start))
    }

    /// Splits `all` into `parts` contiguous ranges of near-equal size. The bounds come from the
    /// file (a row edited to seq 2^63 − 1 makes the range that wide), so nothing here may
    /// overflow: each range holds the quotient, the first `count % parts` one more.
    static func split(_ all: ClosedRange<Int64>, into parts: Int) -> [ClosedRange<Int64>] {
        // Counted as a UInt64: 1...Int64.max holds 2^63 − 1 numbers, a range from below 0 more.
        let count = UInt64(bitPattern: all.upperBound &- all.lowerBound) &+ 1
        guard count > 1, parts > 1 else { return [all] }  // count 0: all of Int64, which no caller asks
        let parts = min(UInt64(parts), count)
        var ranges: [ClosedRange<Int64>] = []
        var lower = all.lowerBound
        for part in 0..<parts {
            let size = count / parts + (part < count % parts ? 1 : 0)
            let upper = lower &+ Int64(bitPattern: size - 1)
            ranges.append(lower...upper)
            lower = upper &+ 1
        }
        return ranges
    }

    /// One unit of verification work, run on a thread and connection of its own.
    private enum VerificationTask: Sendable {
        /// SQLite's own checks: `quick_check`, or when full `integrity_check` and `foreign_key_check`.
        case storage(full: Bool)
        /// The chain over a range of sequence numbers.
        case chain(ClosedRange<Int64>)
        /// The Merkle tree and the recorded checkpoints, recomputed from every entry hash (deep only).
        case tree
        /// Every schema object and reference row, against the schema of the ledger's version (deep only).
        case schema
    }

    private struct TaskResult: Sendable {
        var faults: [ChainFault]
        var faultCount: Int
        var entriesChecked: Int64
    }

    /// Runs the tasks side by side (the storage check first: it is the longest single task).
    private func runInParallel(_ tasks: [VerificationTask], deep: Bool, progress: (@Sendable (Int64) -> Void)?) throws(LedgerError)
        -> [TaskResult]
    {
        let lock = NSLock()
        nonisolated(unsafe) var checkedPerTask = [Int64](repeating: 0, count: tasks.count)
        let path = self.path
        return try ParallelJobs.collect(tasks.count) { index throws(LedgerError) -> TaskResult in
            do {
                let ledger = try Ledger.open(at: path, readOnly: true)
                return try ledger.read { db in
                    switch tasks[index] {
                    case .storage(let full):
                        let faults = try Self.storageFaults(db, full: full)
                        return TaskResult(faults: faults, faultCount: faults.count, entriesChecked: 0)
                    case .chain(let range):
                        var scan = try ChainScan.starting(at: range.lowerBound, db, checkColumns: true)
                        if deep { scan.derivedCheck = try DerivedDataCheck(db) }
                        try scan.run(db, from: range.lowerBound, through: range.upperBound) { checked in
                            guard let progress else { return }
                            let total: Int64 = lock.withLock {
                                checkedPerTask[index] = checked
                                return checkedPerTask.reduce(0, +)
                            }
                            progress(total)
                        }
                        return TaskResult(faults: scan.faults, faultCount: scan.faultCount, entriesChecked: scan.entriesChecked)
                    case .tree:
                        var check = MerkleTreeCheck()
                        try check.run(db)
                        return TaskResult(faults: check.faults, faultCount: check.faultCount, entriesChecked: 0)
                    case .schema:
                        var check = SchemaObjectCheck()
                        try check.run(db)
                        return TaskResult(faults: check.faults, faultCount: check.faults.count, entriesChecked: 0)
                    }
                }
            } catch {
                throw LedgerError(error, path: path)
            }
        }
    }

    /// Compares a head an auditor saved with what the ledger holds now.
    private func check(expected: ChainHead, lastSeq: Int64) throws(LedgerError) -> [ChainFault] {
        if expected.seq == 0 { return [] }
        if lastSeq < expected.seq {
            return [
                ChainFault(
                    seq: lastSeq + 1, kind: .truncated,
                    message:
                        "the ledger ends at entry \(lastSeq), but the saved head is entry \(expected.seq): entries were removed from its end"
                )
            ]
        }
        let stored = try read { db in try Data.fetchOne(db, sql: "SELECT hash FROM entry WHERE seq = ?", arguments: [expected.seq]) }
        guard let stored, SHA256Hash(bytes: stored) == expected.hash else {
            return [
                ChainFault(
                    seq: expected.seq, kind: .rewritten,
                    message:
                        "its hash is \(stored.map { shownStoredDigest($0) } ?? "missing"), not the saved head's \(expected.hash.hex): the ledger's past was rewritten"
                )
            ]
        }
        return []
    }

    /// SQLite's own checks of the file: `quick_check`, or `integrity_check` and `foreign_key_check`.
    private static func storageFaults(_ db: Database, full: Bool) throws -> [ChainFault] {
        var faults: [ChainFault] = []
        let pragma = full ? "integrity_check" : "quick_check"
        for line in try String.fetchAll(db, sql: "PRAGMA \(pragma)") where line != "ok" {
            faults.append(ChainFault(seq: nil, kind: .storage, message: "SQLite \(pragma): \(line)"))
        }
        if full {
            for row in try Row.fetchAll(db, sql: "PRAGMA foreign_key_check") {
                let table: String = row[0]
                let rowid: Int64? = row[1]
                let parent: String = row[2]
                faults.append(
                    ChainFault(
                        seq: nil, kind: .storage,
                        message: "a row of \(table) (rowid \(rowid.map(String.init) ?? "-")) references a missing \(parent) row"))
            }
        }
        return faults
    }
}
