import Foundation
import GRDB
import RRMFormat

extension Ledger {
    /// Opens a ledger to rebuild its derived data: for writing, upgrading an older schema in
    /// place as `open` does, and accepting derived tables of any layout, which `rebuild()` replaces.
    public static func openForRebuild(at path: String, wait: Double = defaultWaitSeconds) throws(LedgerError) -> Ledger {
        try open(at: path, readOnly: false, wait: wait, acceptingAnyDerivedSchema: true)
    }

    /// Drops and re-derives derived tables from the entries, in one write transaction, and
    /// commits only if the result passes `verify --deep`'s checks (the chain and columns, every
    /// entry's edges and level, the Merkle tree and every recorded checkpoint's root); otherwise
    /// it rolls back and the ledger is as it was. The entries are streamed in sequence order, so
    /// memory does not grow with the ledger. The entries, checkpoints and head never change.
    ///
    /// - Parameter tables: the tables to rebuild; all of them (the default) also re-creates every
    ///   derived table, index and view from the schema, in this build's derived layout. A subset
    ///   needs the ledger's derived layout to be this build's already.
    /// - Throws: `LedgerError.rebuildRefused` naming the first fault found; `.derivedSchemaMismatch`
    ///   for a subset on another layout; `.busy`, `.storage` as for `append`.
    public func rebuild(_ tables: Set<DerivedTable> = Set(DerivedTable.allCases)) throws(LedgerError) -> RebuildSummary {
        precondition(!tables.isEmpty, "rebuild needs at least one table")
        let path = self.path
        let waitStart = Date()
        do {
            return try queue.writeWithoutTransaction { db -> RebuildSummary in
                var summary: RebuildSummary?
                try db.inTransaction(.immediate) {
                    summary = try DerivedDataRebuild(db: db, path: path).run(tables)
                    return .commit
                }
                return summary!
            }
        } catch {
            var failure = LedgerError(error, path: path)
            if case .busy = failure {
                failure = .busy(path: path, waitedSeconds: (Date().timeIntervalSince(waitStart) * 10).rounded() / 10)
            }
            throw failure
        }
    }
}
