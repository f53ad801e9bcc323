import Crypto
import Foundation
import GRDB
import RRMFormat

extension Ledger {
    /// Appends a JSONL batch atomically: every event lands, chained after the current head, or
    /// none does. The input is streamed; memory does not grow with its size.
    ///
    /// Before committing, the written range is re-read and re-verified (Fossil's habit), so a
    /// fault between what this code meant to write and what SQLite holds cannot commit silently.
    /// (The re-read goes through SQLite's page cache: a disk that loses writes is `verify`'s to find.)
    ///
    /// An event whose id an entry holds already, with the same canonical body (or the same but
    /// for a `time` the event left to the ledger), is a retry: it is reported in
    /// `AppendSummary.alreadyRecorded` and not appended again.
    /// - Parameters:
    ///   - source: the JSONL bytes.
    ///   - dryRun: check everything, then roll back instead of committing.
    /// - Throws: `LedgerError.badEvent` for the first line at fault, `.idConflict` for an id taken
    ///   by another event; `.emptyInput`, `.busy`, `.storage` and others as their names say. On any
    ///   error the ledger is unchanged.
    public func append(from source: ByteSource, dryRun: Bool = false) throws(LedgerError) -> AppendSummary {
        try append(from: source, options: AppendOptions(outcome: dryRun ? .dryRun : .commit))
    }

    /// Appends a JSONL stream as `options` say: as one atomic batch, or committed in batches as
    /// the events arrive (`commitEvery`, `commitInterval`), each batch atomic and re-verified,
    /// the write lock released between them so that other writers take their turn.
    /// - Parameters:
    ///   - onCommit: called after each commit of a streaming append with what it committed: what
    ///     a client may count as durable.
    ///   - onProblem: for `.checkEveryLine`, called with each bad line's error, in input order.
    /// - Returns: every commit's figures together.
    /// - Throws: as `append(from:dryRun:)`. On an error, the batch being written is rolled back;
    ///   the commits reported before it stay.
    public func append(
        from source: ByteSource, options: AppendOptions,
        onCommit: (AppendSummary) -> Void = { _ in }, onProblem: (LedgerError) -> Void = { _ in }
    ) throws(LedgerError) -> AppendSummary {
        try append(from: source, options: options, maintainingTree: true, onCommit: onCommit, onProblem: onProblem)
    }

    /// `append(from:options:)`, optionally without maintaining the Merkle tree: for the benchmark
    /// that measures what the tree costs (tools/bench/tree), never for a ledger anyone keeps:
    /// without its nodes, the ledger can be neither checkpointed nor appended to again.
    @_spi(Benchmark)
    public func append(
        from source: ByteSource, options: AppendOptions = AppendOptions(), maintainingTree: Bool,
        onCommit: (AppendSummary) -> Void = { _ in }, onProblem: (LedgerError) -> Void = { _ in }
    ) throws(LedgerError) -> AppendSummary {
        let feed = EventFeed(EventDecodingThread.start(source: source, goingPastFaults: options.outcome == .checkEveryLine))
        do {
            return try append(
                from: feed, sourceName: source.name, options: options, recognisingRetries: true,
                maintainingTree: maintainingTree, checks: .none, onCommit: onCommit, onProblem: onProblem)
        } catch {
            // The decoding thread throws only `LedgerError`s.
            throw LedgerError(error, path: path)
        }
    }

    /// Appends events that another thread decoded, through the writer of `append(from:)`: the
    /// same batch, references, levels, chain, tree and re-verification before commit. For a
    /// producer that has its input's own reasons to refuse it (the archive's import, which
    /// decodes each entry once instead of writing it out as JSONL for the decoding thread).
    /// A taken id is refused whatever the body: an import places each entry at its own seq.
    ///
    /// The producer must validate every event as `EventDecodingThread.decode` does (with
    /// `EventDecoder`) and give `SHA-256(event.body)` as its digest: the writer trusts both.
    /// - Parameters:
    ///   - events: chunks of events in input order; drained and joined, or cancelled when the
    ///     writer fails first.
    ///   - sourceName: the input's name, for `LedgerError.emptyInput`.
    ///   - checks: what the caller checks inside the transaction (`BatchChecks`): the ledger it
    ///     writes to, and the head it leaves, before COMMIT. The input is one batch, ended only
    ///     by the input's end, so each check runs once.
    /// - Throws: what the producer or `checks` threw, as they threw it; otherwise a
    ///   `LedgerError`, as `append(from:)` does. On any error the batch is rolled back.
    package func append(
        decodedBy events: ProducerThread<[DecodedEvent]>, sourceName: String, dryRun: Bool = false, maintainingTree: Bool = true,
        checks: BatchChecks = .none
    ) throws -> AppendSummary {
        try append(
            from: EventFeed(events: events), sourceName: sourceName, options: AppendOptions(outcome: dryRun ? .dryRun : .commit),
            recognisingRetries: false, maintainingTree: maintainingTree, checks: checks, onCommit: { _ in }, onProblem: { _ in })
    }

    /// The one writer loop behind every append: a batch per transaction, each begun only once
    /// its first line has arrived (so the write lock is never held for an idle producer), until
    /// the input ends.
    private func append(
        from feed: EventFeed, sourceName: String, options: AppendOptions, recognisingRetries: Bool, maintainingTree: Bool,
        checks: BatchChecks, onCommit: (AppendSummary) -> Void, onProblem: (LedgerError) -> Void
    ) throws -> AppendSummary {
        var total: AppendSummary?
        while feed.waitForLine() {
            let waitStart = Date()
            let firstLineArrived = waitStart
            let batch: AppendSummary
            do {
                batch = try queue.writeWithoutTransaction { db -> AppendSummary in
                    var summary: AppendSummary?
                    // The writer resolves every reference itself (the entry exists, is earlier and
                    // of an accepted kind) before it derives an edge or a level from it; SQLite's
                    // enforcement of the derived tables' foreign keys would look each parent up
                    // again, a random read of the entry table per row (a fifth of append's time,
                    // docs/BENCHMARKS.md). `verify --deep` still runs foreign_key_check.
                    try db.execute(sql: "PRAGMA foreign_keys = OFF")
                    defer { try? db.execute(sql: "PRAGMA foreign_keys = ON") }
                    try db.inTransaction(.immediate) {
                        let writer = BatchWriter(
                            db: db, path: path, sourceName: sourceName, options: options, maintainsTree: maintainingTree,
                            recognisesRetries: recognisingRetries, checks: checks)
                        summary = try writer.write(feed, firstLineArrived: firstLineArrived, onProblem: onProblem)
                        return options.outcome == .commit ? .commit : .rollback
                    }
                    return summary!
                }
            } catch let failure as ProducerFailure {
                // Harmless after the producer ended; stops it when a check refused first.
                feed.cancel()
                throw failure.error
            } catch {
                feed.cancel()
                var failure = LedgerError(error, path: path)
                if case .busy = failure {
                    failure = .busy(path: path, waitedSeconds: (Date().timeIntervalSince(waitStart) * 10).rounded() / 10)
                }
                throw failure
            }
            if options.isStreaming { onCommit(batch) }
            if total == nil { total = batch } else { total!.add(batch) }
        }
        // The input ended before another batch began: what the producer threw, if anything.
        try feed.join()
        guard let total else { throw LedgerError.emptyInput(source: sourceName) }
        return total
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

/// What the producer of an append's events or the caller's `BatchChecks` threw, carried through
/// the write transaction (which it rolls back) to be thrown again unchanged.
private struct ProducerFailure: Error {
    let error: any Error
}

/// The writer's half of an append, inside one write transaction: take lines from the feed until
/// the batch is complete (the input ended, or a streaming append's `commitEvery` or
/// `commitInterval` came), resolve references, chain, insert, write the derived rows
/// (`DerivedDataWriter`: edges, level, search text, Merkle tree nodes), then re-verify what was
/// written.
private struct BatchWriter {
    let db: Database
    let path: String
    let sourceName: String
    let options: AppendOptions
    let maintainsTree: Bool
    /// Whether an event under a taken id, identical to its entry, is a retry (JSONL appends) or
    /// refused like any taken id (import, which places each entry at its own seq).
    let recognisesRetries: Bool
    let checks: BatchChecks

    /// Writes one batch from `feed`, whose first line has arrived at `firstLineArrived`.
    func write(_ feed: EventFeed, firstLineArrived: Date, onProblem: (LedgerError) -> Void) throws -> AppendSummary {
        let start = try Ledger.head(db)
        // A derived row beyond the head (the file was edited) would collide with the new entry's.
        if let stray = try StrayRowCheck(head: start.seq, authoritative: false, beyondTree: maintainsTree).run(db).first {
            throw LedgerError.malformedRow(table: stray.table, row: stray.row, column: stray.column, problem: stray.problem)
        }
        do {
            try checks.beforeWriting(start) {
                do {
                    return try MerkleTreeMath(nodes: LedgerMerkleNodes(db, path: path)).rootHash(size: start.seq)
                } catch {
                    throw LedgerError(error, path: path)
                }
            }
        } catch {
            throw ProducerFailure(error: error)
        }
        var previous = start.hash
        var seq = start.seq
        var counts = [Int](repeating: 0, count: EventKind.allCases.count)
        var alreadyRecorded = SeqRanges()
        var problems = 0
        let resolver = try ReferenceResolver(db)
        let insertEntry = try RawStatement(
            db, "INSERT INTO entry (seq, id, kind, time, body, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)")
        var recordedBodies: RecordedBodies?
        // The tree's right edge, read from O(log n) stored nodes: each entry then costs its leaf
        // hash and, on average, one node hash and one stored node (levels 1 and up).
        let tree = maintainsTree ? try MerkleFrontier(size: start.seq, nodes: LedgerMerkleNodes(db, path: path)) : MerkleFrontier()
        var derived = try DerivedDataWriter(
            db, tables: maintainsTree ? Set(DerivedTable.allCases) : Set(DerivedTable.allCases).subtracting([.merkle]), tree: tree)
        resolver.beforeLookup = derived.beforeReadingLevels
        let deadline = options.commitInterval.map { firstLineArrived.addingTimeInterval($0) } ?? .distantFuture
        var linesInBatch = 0

        /// A bad line: the batch's end, or in a check of every line one more problem to report.
        func refuse(_ error: LedgerError) throws {
            guard options.outcome == .checkEveryLine else { throw error }
            problems += 1
            onProblem(error)
        }

        lines: while options.commitEvery.map({ linesInBatch < $0 }) ?? true {
            // A producer that never pauses would otherwise never let the deadline pass.
            if options.commitInterval != nil && linesInBatch > 0 && Date() >= deadline { break }
            let decoded: DecodedEvent
            switch feed.next(before: deadline) {
            case .timedOut:
                break lines
            case .ended:
                // The producer's error, if any, comes after the lines decoded before it.
                do { try feed.join() } catch { throw ProducerFailure(error: error) }
                if let expected = options.expectedEvents, feed.linesTaken != expected {
                    throw LedgerError.unexpectedEventCount(source: sourceName, expected: expected, received: feed.linesTaken)
                }
                break lines
            case .line(.refused(let error)):
                linesInBatch += 1
                try refuse(error)
                continue
            case .line(.event(let event)):
                linesInBatch += 1
                decoded = event
            }
            if let expected = options.expectedEvents, feed.linesTaken > expected {
                throw LedgerError.unexpectedEventCount(source: sourceName, expected: expected, received: feed.linesTaken)
            }
            let event = decoded.event
            // An event whose id is taken goes on to be told a retry from a conflict: a retry must be
            // recognised however long after the clock has moved on.
            if let limit = options.maximumTimeSkew, let problem = TimeSkew.problem(event.time, limit: limit),
                try resolver.resolve(event.id) == nil
            {
                try refuse(.badEvent(line: decoded.line, id: event.id, field: "time", problem: problem))
                continue
            }
            let resolved: [ResolvedEntry]
            do {
                resolved = try resolver.resolveReferences(of: event)
            } catch let error as EventError {
                try refuse(
                    .badEvent(line: decoded.line, id: event.id, field: error.field.isEmpty ? nil : error.field, problem: error.reason))
                continue
            }
            guard seq < .max else {
                throw LedgerError.malformedRow(
                    table: "entry", row: seq, column: "seq", problem: "no sequence number follows 2^63 − 1 (the file was edited)")
            }
            let hash = ChainHash.entryHash(previous: previous, seq: seq + 1, bodyDigest: decoded.bodyDigest)

            insertEntry.bind(1, seq + 1)
            insertEntry.bind(2, event.id)
            insertEntry.bind(3, event.kind.rawValue)
            insertEntry.bind(4, event.time)
            event.body.withUnsafeBytes { insertEntry.bindText(5, $0) }
            previous.withUnsafeBytes { insertEntry.bindBlob(6, $0) }
            hash.withUnsafeBytes { insertEntry.bindBlob(7, $0) }
            do {
                try insertEntry.run()
            } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                guard let existing = try resolver.resolve(event.id) else { throw error }
                guard recognisesRetries else {
                    try refuse(
                        .badEvent(
                            line: decoded.line, id: event.id, field: "id",
                            problem: "\"\(event.id)\" is already taken by entry \(existing.seq), \(existing.kind.withArticle)"))
                    continue
                }
                if recordedBodies == nil { recordedBodies = try RecordedBodies(db) }
                let recorded = try recordedBodies?.body(seq: existing.seq) ?? []
                switch RetriedEvent.compare(sent: event, recordedBody: recorded) {
                case .alreadyRecorded:
                    alreadyRecorded.insert(existing.seq)
                case .conflict(let differences):
                    try refuse(
                        .idConflict(line: decoded.line, id: event.id, seq: existing.seq, kind: existing.kind, differences: differences))
                }
                continue
            }
            seq += 1
            let level = try derived.writeLineage(seq: seq, event: event, referenced: resolved)
            try hash.withUnsafeBytes { try derived.appendLeaf(entryHash: $0) }
            resolver.remember(event.id, ResolvedEntry(seq: seq, kind: event.kind, level: level, modelRole: event.modelRole))
            counts[event.kind.ordinal] += 1
            previous = hash
        }
        guard seq > start.seq || !alreadyRecorded.ranges.isEmpty || problems > 0 else {
            throw LedgerError.emptyInput(source: sourceName)
        }
        try derived.finish()
        if seq > start.seq {
            try reverify(from: start, through: ChainHead(seq: seq, hash: previous))
            if maintainsTree { try reverifyTree(derived.tree) }
            // The ledger's own word on when it received the batch (Schema/ledger.sql, receipt).
            try db.execute(
                sql: "INSERT INTO receipt (first_seq, last_seq, received_at) VALUES (?, ?, ?)",
                arguments: [start.seq + 1, seq, Timestamp.now()])
        }
        do { try checks.beforeCommit(ChainHead(seq: seq, hash: previous)) } catch { throw ProducerFailure(error: error) }
        var countsByKind: [EventKind: Int] = [:]
        for kind in EventKind.allCases where counts[kind.ordinal] > 0 { countsByKind[kind] = counts[kind.ordinal] }
        return AppendSummary(
            countsByKind: countsByKind, firstSeq: start.seq + 1, head: ChainHead(seq: seq, hash: previous),
            alreadyRecorded: alreadyRecorded, dryRun: options.outcome != .commit, commits: options.outcome == .commit ? 1 : 0,
            problems: problems)
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
