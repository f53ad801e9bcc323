import Foundation
import GRDB

/// What `verify` checks beyond the chain itself.
public struct VerificationOptions: Sendable {
    /// A head saved earlier: the ledger must still contain it, unchanged.
    public var expectedHead: ChainHead?
    /// Also re-derive and compare lineage edges and levels, and check bodies are canonical events.
    public var deep: Bool
    /// Run SQLite's `PRAGMA integrity_check` (and, when deep, `foreign_key_check`) at the end.
    public var storageCheck: Bool
    /// Threads that scan ranges of the chain side by side.
    public var workers: Int

    public init(expectedHead: ChainHead? = nil, deep: Bool = false, storageCheck: Bool = true, workers: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.expectedHead = expectedHead
        self.deep = deep
        self.storageCheck = storageCheck
        self.workers = max(1, workers)
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
    /// Seconds spent on the chain scan, and on SQLite's own checks.
    public let chainSeconds: Double
    public let storageSeconds: Double

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
    /// rewritten ledger; `deep` adds the derived lineage and levels. Ends with SQLite's integrity
    /// check. Memory stays flat: each worker streams its range.
    /// - Parameter progress: called now and then with the number of entries checked so far.
    public func verify(_ options: VerificationOptions = VerificationOptions(), progress: (@Sendable (Int64) -> Void)? = nil) throws(LedgerError) -> VerificationReport {
        let chainStart = Date()
        let (lastSeq, head) = try read { db in
            (try Int64.fetchOne(db, sql: "SELECT max(seq) FROM entry") ?? 0, try Self.head(db))
        }
        let ranges = Self.split(1...max(lastSeq, 1), into: lastSeq < 100_000 ? 1 : options.workers)
        let results = try scanInParallel(ranges: lastSeq == 0 ? [] : ranges, deep: options.deep, progress: progress)
        var faults = results.flatMap(\.faults)
        var faultCount = results.map(\.faultCount).reduce(0, +)
        let entries = results.map(\.entriesChecked).reduce(0, +)

        if let expected = options.expectedHead {
            for fault in try check(expected: expected, lastSeq: lastSeq) {
                faults.append(fault)
                faultCount += 1
            }
        }
        let chainSeconds = Date().timeIntervalSince(chainStart)
        let storageStart = Date()
        if options.storageCheck {
            for fault in try storageFaults(foreignKeys: options.deep) {
                faults.append(fault)
                faultCount += 1
            }
        }
        faults.sort { ($0.seq ?? .max) < ($1.seq ?? .max) }
        return VerificationReport(
            entries: entries, head: head, faults: faults, faultCount: faultCount,
            chainSeconds: chainSeconds, storageSeconds: Date().timeIntervalSince(storageStart))
    }

    /// Splits `1...last` into `parts` contiguous ranges of near-equal size.
    static func split(_ all: ClosedRange<Int64>, into parts: Int) -> [ClosedRange<Int64>] {
        let count = Int64(all.count)
        let parts = Int64(max(1, min(parts, Int(count))))
        return (0..<parts).map { part in
            let lower = all.lowerBound + count * part / parts
            let upper = all.lowerBound + count * (part + 1) / parts - 1
            return lower...upper
        }
    }

    private struct RangeResult: Sendable {
        var faults: [ChainFault]
        var faultCount: Int
        var entriesChecked: Int64
    }

    /// Scans each range on its own thread and read-only connection.
    private func scanInParallel(ranges: [ClosedRange<Int64>], deep: Bool, progress: (@Sendable (Int64) -> Void)?) throws(LedgerError) -> [RangeResult] {
        let lock = NSLock()
        nonisolated(unsafe) var results = [Result<RangeResult, LedgerError>?](repeating: nil, count: ranges.count)
        nonisolated(unsafe) var checkedPerRange = [Int64](repeating: 0, count: ranges.count)
        let path = self.path
        DispatchQueue.concurrentPerform(iterations: ranges.count) { index in
            let range = ranges[index]
            let result: Result<RangeResult, LedgerError>
            do {
                let ledger = try Ledger.open(at: path, readOnly: true)
                result = .success(try ledger.read { db in
                    var scan = try ChainScan.starting(at: range.lowerBound, db, checkColumns: true)
                    if deep { scan.derivedCheck = try DerivedDataCheck(db) }
                    try scan.run(db, from: range.lowerBound, through: range.upperBound) { checked in
                        guard let progress else { return }
                        let total: Int64 = lock.withLock {
                            checkedPerRange[index] = checked
                            return checkedPerRange.reduce(0, +)
                        }
                        progress(total)
                    }
                    return RangeResult(faults: scan.faults, faultCount: scan.faultCount, entriesChecked: scan.entriesChecked)
                })
            } catch let error as LedgerError {
                result = .failure(error)
            } catch {
                result = .failure(LedgerError(error, path: path))
            }
            lock.withLock { results[index] = result }
        }
        return try results.map { result throws(LedgerError) in try result!.get() }
    }

    /// Compares a head an auditor saved with what the ledger holds now.
    private func check(expected: ChainHead, lastSeq: Int64) throws(LedgerError) -> [ChainFault] {
        if expected.seq == 0 { return [] }
        if lastSeq < expected.seq {
            return [ChainFault(seq: lastSeq + 1, kind: .truncated, message: "the ledger ends at entry \(lastSeq), but the saved head is entry \(expected.seq): entries were removed from its end")]
        }
        let stored = try read { db in try Data.fetchOne(db, sql: "SELECT hash FROM entry WHERE seq = ?", arguments: [expected.seq]) }
        guard let stored, Array(stored) == expected.hash else {
            return [ChainFault(seq: expected.seq, kind: .rewritten, message: "its hash is \(stored.map { Hex.encode($0) } ?? "missing"), not the saved head's \(Hex.encode(expected.hash)): the ledger's past was rewritten")]
        }
        return []
    }

    /// SQLite's own checks: page-level integrity, and (when deep) every foreign key.
    private func storageFaults(foreignKeys: Bool) throws(LedgerError) -> [ChainFault] {
        try read { db in
            var faults: [ChainFault] = []
            for line in try String.fetchAll(db, sql: "PRAGMA integrity_check") where line != "ok" {
                faults.append(ChainFault(seq: nil, kind: .storage, message: "SQLite integrity check: \(line)"))
            }
            if foreignKeys {
                for row in try Row.fetchAll(db, sql: "PRAGMA foreign_key_check") {
                    let table: String = row[0]
                    let rowid: Int64? = row[1]
                    let parent: String = row[2]
                    faults.append(ChainFault(seq: nil, kind: .storage, message: "a row of \(table) (rowid \(rowid.map(String.init) ?? "-")) references a missing \(parent) row"))
                }
            }
            return faults
        }
    }
}
