import RRMFormat

/// What the caller of an append of decoded events (the archive's import) checks inside the write
/// transaction: the ledger it found once the write lock was held, and the head the batch leaves
/// before it commits. Checked there, neither can be invalidated by another writer between the
/// check and the write, and a refusal rolls the whole batch back.
///
/// Whatever a check throws is thrown again unchanged by the append, after the rollback.
package struct BatchChecks {
    /// Called once the write lock is held (`BEGIN IMMEDIATE`), before anything is written, with
    /// the ledger's head and a way to compute its tree's root (O(log n) stored nodes).
    package var beforeWriting: (_ head: ChainHead, _ rootHash: () throws -> SHA256Hash) throws -> Void
    /// Called after the written range was re-read and re-verified, just before COMMIT, with the
    /// head the batch leaves.
    package var beforeCommit: (_ head: ChainHead) throws -> Void

    package init(
        beforeWriting: @escaping (ChainHead, () throws -> SHA256Hash) throws -> Void = { _, _ in },
        beforeCommit: @escaping (ChainHead) throws -> Void = { _ in }
    ) {
        self.beforeWriting = beforeWriting
        self.beforeCommit = beforeCommit
    }

    /// No checks: an ordinary append.
    package static var none: BatchChecks { BatchChecks() }
}
