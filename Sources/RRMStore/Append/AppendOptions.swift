import RRMFormat

/// How an append commits: one atomic batch (the default), or a stream of batches committed as
/// events arrive, so that a long-running producer sees its events become durable as it goes.
public struct AppendOptions: Sendable, Equatable {
    /// What happens to the events once written and re-verified.
    public enum Outcome: Sendable, Equatable {
        /// Commit them.
        case commit
        /// Roll them back: the batch was only checked, stopping at its first fault.
        case dryRun
        /// Roll them back, and check every line rather than stopping at the first fault: each
        /// bad line is handed to the append's `onProblem` callback.
        case checkEveryLine
    }

    public var outcome: Outcome
    /// Commit once this many events of the batch are written (streaming).
    public var commitEvery: Int?
    /// Commit once this many seconds have passed since the batch's first event arrived, whether
    /// or not more come (streaming).
    public var commitInterval: Double?
    /// The number of events the input must hold (already recorded ones included): a stream that
    /// ends early, such as a producer that died between two lines, is refused whole.
    public var expectedEvents: Int64?
    /// Refuse an event whose `time` lies more than this many seconds from the ledger's clock
    /// when it is written: a guard against a pipeline's wrong clock or a forged date (an event
    /// without `time` gets the clock's, and always passes).
    public var maximumTimeSkew: Double?

    public init(
        outcome: Outcome = .commit, commitEvery: Int? = nil, commitInterval: Double? = nil, expectedEvents: Int64? = nil,
        maximumTimeSkew: Double? = nil
    ) {
        self.outcome = outcome
        self.commitEvery = commitEvery
        self.commitInterval = commitInterval
        self.expectedEvents = expectedEvents
        self.maximumTimeSkew = maximumTimeSkew
    }

    /// Whether the append commits more than once.
    public var isStreaming: Bool { commitEvery != nil || commitInterval != nil }
}

/// What an append did: entries per kind, where they start, the new head, and the events it found
/// already recorded. For a streaming append, what one commit did, or all of them together.
public struct AppendSummary: Sendable, Equatable {
    /// Entries appended, per kind.
    public internal(set) var countsByKind: [EventKind: Int]
    /// Sequence number of the first appended entry (the head's plus one when none was).
    public internal(set) var firstSeq: Int64
    /// The head after the append. For a dry run, the head the batch produced before it was
    /// rolled back; a real append of the same batch differs if events without `time` get the
    /// time of that later append.
    public internal(set) var head: ChainHead
    /// The entries whose events were sent again, identical (a retry), and so not appended.
    public internal(set) var alreadyRecorded: SeqRanges
    /// Whether the batch was checked and rolled back rather than committed.
    public let dryRun: Bool
    /// Commits made: 1 for a batch, one per batch of a streaming append, 0 for a dry run.
    public internal(set) var commits: Int
    /// Bad lines found by a check of every line (`AppendOptions.Outcome.checkEveryLine`).
    public internal(set) var problems: Int

    /// Entries appended in all.
    public var total: Int { countsByKind.values.reduce(0, +) }

    /// Adds a later commit's figures to these: the first entry stays, the head moves on.
    public mutating func add(_ later: AppendSummary) {
        for (kind, count) in later.countsByKind { countsByKind[kind, default: 0] += count }
        if total == later.total { firstSeq = later.firstSeq }
        head = later.head
        alreadyRecorded.append(contentsOf: later.alreadyRecorded)
        commits += later.commits
        problems += later.problems
    }
}
