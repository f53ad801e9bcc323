import Foundation
import RRMFormat

/// The writer's end of an append's input: the decoded lines one at a time, across the chunks
/// they come in and the commits of a streaming append (a chunk may span two commits).
final class EventFeed {
    /// What the next line is, or why there is none yet.
    enum Next {
        case line(DecodedLine)
        /// Nothing came before the deadline; the input is still open.
        case timedOut
        /// The input has ended and every line was taken.
        case ended
    }

    private let receive: (Date) -> BoundedChannel<[DecodedLine]>.Received
    private let joinProducer: () throws -> Void
    private let cancelProducer: () -> Void
    private var chunk: [DecodedLine] = []
    private var index = 0
    private(set) var hasEnded = false
    /// Lines taken so far.
    private(set) var linesTaken: Int64 = 0

    init(_ producer: ProducerThread<[DecodedLine]>) {
        receive = { producer.next(before: $0) }
        joinProducer = { try producer.join() }
        cancelProducer = { producer.abandon() }
    }

    /// A feed of events decoded elsewhere (the archive's import), none of them refused.
    init(events producer: ProducerThread<[DecodedEvent]>) {
        receive = { deadline in
            switch producer.next(before: deadline) {
            case .element(let events): return .element(events.map(DecodedLine.event))
            case .timedOut: return .timedOut
            case .closed: return .closed
            }
        }
        joinProducer = { try producer.join() }
        cancelProducer = { producer.abandon() }
    }

    /// The next line, waiting until `deadline` at most (`.distantFuture`: until one comes).
    func next(before deadline: Date = .distantFuture) -> Next {
        guard waitForLine(before: deadline) else { return hasEnded ? .ended : .timedOut }
        let line = chunk[index]
        index += 1
        linesTaken += 1
        return .line(line)
    }

    /// Waits until a line is ready to take or the input has ended; `true` when a line is ready.
    /// A streaming append calls it before it takes the write lock, so that it never holds the lock
    /// while its producer is idle.
    @discardableResult
    func waitForLine(before deadline: Date = .distantFuture) -> Bool {
        while index == chunk.count {
            if hasEnded { return false }
            switch receive(deadline) {
            case .element(let lines):
                chunk = lines
                index = 0
            case .timedOut:
                return false
            case .closed:
                hasEnded = true
                return false
            }
        }
        return true
    }

    /// Waits for the producer and throws what it threw (an unreadable input, an over-long line).
    func join() throws { try joinProducer() }

    /// Stops the producer without waiting for it: the writer gave up, and the producer may be
    /// blocked reading a pipe whose writer waits for the append's answer.
    func cancel() { cancelProducer() }
}
