import Crypto
import Foundation
import GRDB
import RRMFormat

/// What an append did: entries per kind, where they start, and the new head.
public struct AppendSummary: Sendable, Equatable {
    /// Entries appended, per kind.
    public let countsByKind: [EventKind: Int]
    /// Sequence number of the first appended entry.
    public let firstSeq: Int64
    /// The head after the append. For a dry run, the head the batch produced before it was
    /// rolled back; a real append of the same batch differs if events without `time` get the
    /// time of that later append.
    public let head: ChainHead
    /// Whether the batch was checked and rolled back rather than committed.
    public let dryRun: Bool

    /// Entries appended in all.
    public var total: Int { countsByKind.values.reduce(0, +) }
}

extension Ledger {
    /// Appends a JSONL batch atomically: every event lands, chained after the current head, or
    /// none does. The input is streamed; memory does not grow with its size.
    ///
    /// Before committing, the written range is re-read and re-verified (Fossil's habit), so a
    /// fault between what this code meant to write and what SQLite holds cannot commit silently.
    /// (The re-read goes through SQLite's page cache: a disk that loses writes is `verify`'s to find.)
    /// - Parameters:
    ///   - source: the JSONL bytes.
    ///   - dryRun: check everything, then roll back instead of committing.
    /// - Throws: `LedgerError.badEvent` for the first line at fault; `.emptyInput`, `.busy`,
    ///   `.storage` and others as their names say. On any error the ledger is unchanged.
    public func append(from source: ByteSource, dryRun: Bool = false) throws(LedgerError) -> AppendSummary {
        try append(from: source, dryRun: dryRun, maintainingTree: true)
    }

    /// `append(from:dryRun:)`, optionally without maintaining the Merkle tree: for the benchmark
    /// that measures what the tree costs (tools/bench/tree), never for a ledger anyone keeps:
    /// without its nodes, the ledger can be neither checkpointed nor appended to again.
    @_spi(Benchmark)
    public func append(from source: ByteSource, dryRun: Bool = false, maintainingTree: Bool) throws(LedgerError) -> AppendSummary {
        do {
            return try append(
                decodedBy: EventDecodingThread.start(source: source), sourceName: source.name, dryRun: dryRun,
                maintainingTree: maintainingTree)
        } catch {
            // The decoding thread throws only `LedgerError`s.
            throw LedgerError(error, path: path)
        }
    }

    /// Appends events that another thread decoded, through the writer of `append(from:)`: the
    /// same batch, references, levels, chain, tree and re-verification before commit. For a
    /// producer that has its input's own reasons to refuse it (the archive's import, which
    /// decodes each entry once instead of writing it out as JSONL for the decoding thread).
    ///
    /// The producer must validate every event as `EventDecodingThread.decode` does (with
    /// `EventDecoder`) and give `SHA-256(event.body)` as its digest: the writer trusts both.
    /// - Parameters:
    ///   - events: chunks of events in input order; drained and joined, or cancelled when the
    ///     writer fails first.
    ///   - sourceName: the input's name, for `LedgerError.emptyInput`.
    /// - Throws: what the producer threw, as it threw it; otherwise a `LedgerError`, as
    ///   `append(from:)` does. On any error the batch is rolled back.
    package func append(
        decodedBy events: ProducerThread<[DecodedEvent]>, sourceName: String, dryRun: Bool = false, maintainingTree: Bool = true
    ) throws -> AppendSummary {
        let waitStart = Date()
        do {
            return try queue.writeWithoutTransaction { db -> AppendSummary in
                var summary: AppendSummary?
                try db.inTransaction(.immediate) {
                    summary = try BatchWriter(db: db, path: path, sourceName: sourceName, maintainsTree: maintainingTree)
                        .write(events, dryRun: dryRun)
                    return dryRun ? .rollback : .commit
                }
                return summary!
            }
        } catch let failure as ProducerFailure {
            throw failure.error
        } catch {
            events.cancel()
            var failure = LedgerError(error, path: path)
            if case .busy = failure {
                failure = .busy(path: path, waitedSeconds: (Date().timeIntervalSince(waitStart) * 10).rounded() / 10)
            }
            throw failure
        }
    }

    /// Appends events given as JSON values, through the same path as a JSONL batch.
    public func append(events: [JSONValue], dryRun: Bool = false) throws(LedgerError) -> AppendSummary {
        var text: [UInt8] = []
        for event in events {
            CanonicalJSON.encode(event, into: &text)
            text.append(0x0A)
        }
        return try append(from: MemoryByteSource(bytes: text, name: "events"), dryRun: dryRun)
    }
}

/// What the producer of an append's events threw, carried through the write transaction (which
/// it rolls back) to be thrown again unchanged.
private struct ProducerFailure: Error {
    let error: any Error
}

/// The writer's half of an append, inside the write transaction: resolve references, chain,
/// insert, write the derived rows (`DerivedDataWriter`: edges, level, search text, Merkle tree
/// nodes), then re-verify what was written.
private struct BatchWriter {
    let db: Database
    let path: String
    let sourceName: String
    let maintainsTree: Bool

    func write(_ chunks: ProducerThread<[DecodedEvent]>, dryRun: Bool) throws -> AppendSummary {
        let start = try Ledger.head(db)
        // A derived row beyond the head (the file was edited) would collide with the new entry's.
        if let stray = try StrayRowCheck(head: start.seq, authoritative: false, beyondTree: maintainsTree).run(db).first {
            throw LedgerError.malformedRow(table: stray.table, row: stray.row, column: stray.column, problem: stray.problem)
        }
        var previous = start.hash
        var seq = start.seq
        var counts = [Int](repeating: 0, count: EventKind.allCases.count)
        let resolver = try ReferenceResolver(db)
        let insertEntry = try RawStatement(
            db, "INSERT INTO entry (seq, id, kind, time, body, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)")
        // The tree's right edge, read from O(log n) stored nodes: each entry then costs its leaf
        // hash and, on average, one node hash and one stored node (levels 1 and up).
        let tree = maintainsTree ? try MerkleFrontier(size: start.seq, nodes: LedgerMerkleNodes(db, path: path)) : MerkleFrontier()
        var derived = try DerivedDataWriter(
            db, tables: maintainsTree ? Set(DerivedTable.allCases) : Set(DerivedTable.allCases).subtracting([.merkle]), tree: tree)

        while let events = chunks.next() {
            for decoded in events {
                let event = decoded.event
                let resolved: [ResolvedEntry]
                do {
                    resolved = try resolver.resolveReferences(of: event)
                } catch let error as EventError {
                    throw LedgerError.badEvent(line: decoded.line, id: event.id, problem: error.description)
                }
                guard seq < .max else {
                    throw LedgerError.malformedRow(
                        table: "entry", row: seq, column: "seq", problem: "no sequence number follows 2^63 − 1 (the file was edited)")
                }
                seq += 1
                let hash = ChainHash.entryHash(previous: previous, seq: seq, bodyDigest: decoded.bodyDigest)

                insertEntry.bind(1, seq)
                insertEntry.bind(2, event.id)
                insertEntry.bind(3, event.kind.rawValue)
                insertEntry.bind(4, event.time)
                event.body.withUnsafeBytes { insertEntry.bindText(5, $0) }
                previous.withUnsafeBytes { insertEntry.bindBlob(6, $0) }
                hash.withUnsafeBytes { insertEntry.bindBlob(7, $0) }
                do {
                    try insertEntry.run()
                } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                    if let existing = try resolver.resolve(event.id) {
                        throw LedgerError.badEvent(
                            line: decoded.line, id: event.id,
                            problem: "field \"id\": \"\(event.id)\" is already taken by entry \(existing.seq), \(existing.kind.withArticle)"
                        )
                    }
                    throw error
                }
                let level = try derived.writeLineage(seq: seq, event: event, referenced: resolved)
                try hash.withUnsafeBytes { try derived.appendLeaf(entryHash: $0) }
                resolver.remember(event.id, ResolvedEntry(seq: seq, kind: event.kind, level: level, modelRole: event.modelRole))
                counts[event.kind.ordinal] += 1
                previous = hash
            }
        }
        // The producer's error, if any, comes after the events decoded before it.
        do { try chunks.join() } catch { throw ProducerFailure(error: error) }
        guard seq > start.seq else { throw LedgerError.emptyInput(source: sourceName) }
        try reverify(from: start, through: ChainHead(seq: seq, hash: previous))
        if maintainsTree { try reverifyTree(derived.tree) }
        var countsByKind: [EventKind: Int] = [:]
        for kind in EventKind.allCases where counts[kind.ordinal] > 0 { countsByKind[kind] = counts[kind.ordinal] }
        return AppendSummary(countsByKind: countsByKind, firstSeq: start.seq + 1, head: ChainHead(seq: seq, hash: previous), dryRun: dryRun)
    }

    /// Re-reads the entries just written and re-checks their chain against the head they must
    /// produce; any difference aborts the transaction.
    private func reverify(from start: ChainHead, through head: ChainHead) throws {
        var scan = ChainScan(previousHash: start.hash, nextSeq: start.seq + 1, checkColumns: false)
        try scan.run(db, from: start.seq + 1, through: head.seq)
        if let fault = scan.faults.first {
            throw LedgerError.writeVerificationFailed(seq: fault.seq ?? head.seq, detail: fault.message)
        }
        guard scan.nextSeq == head.seq + 1, scan.previousHash == head.hash else {
            throw LedgerError.writeVerificationFailed(seq: head.seq, detail: "the re-read chain ends at a different head")
        }
    }

    /// Re-reads the tree's root from the stored nodes and checks it is the root the appended
    /// entries gave.
    private func reverifyTree(_ tree: MerkleFrontier) throws {
        let stored = try MerkleTreeMath(nodes: LedgerMerkleNodes(db, path: path)).rootHash(size: tree.size)
        guard stored == tree.rootHash else {
            throw LedgerError.writeVerificationFailed(
                seq: tree.size, detail: "the Merkle tree's root from the stored nodes is not the root the entries give")
        }
    }
}
