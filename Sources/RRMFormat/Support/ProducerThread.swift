import Foundation

/// A thread that produces elements into a `BoundedChannel` while the caller consumes them.
///
/// Why one type: append's decoding, the archive's member reader and exporter, and the simulator
/// each need the same thread, channel, close and join, and each wrote them by hand, with the
/// producer's error passed in the channel in three ways. Here the rules are kept once:
///
/// - the consumer receives, in order, everything the producer sent, then `nil` once it ended;
/// - the producer's error reaches the consumer once, from `join()`, after everything sent before
///   it (the consumer handles those first, so the first fault in input order wins);
/// - `cancel()` is the consumer giving up: the producer's next `send` returns `false`, so it
///   stops, and whatever it then throws is dropped, since the consumer has its own reason;
/// - at most `capacity` elements wait, so memory stays flat however far the producer could run.
///
/// The consumer must drain to `nil`, or cancel: a producer whose channel is full waits.
/// What `produce` captures belongs to the producer thread until `join()` or `cancel()` returns.
package final class ProducerThread<Element: Sendable>: @unchecked Sendable {
    /// The producer's end of the channel.
    package struct Sink: Sendable {
        fileprivate let channel: BoundedChannel<Element>

        /// Waits for room and hands `element` to the consumer; `false` once the consumer has
        /// cancelled, when the producer should stop.
        @discardableResult
        package func send(_ element: Element) -> Bool { channel.send(element) }
    }

    private let channel: BoundedChannel<Element>
    private let running = DispatchGroup()
    private let lock = NSLock()
    /// Set by the producer thread before it closes the channel; taken by `join()`.
    private var failure: (any Error)?
    /// Released once the producer ends, with everything it captured.
    private var produce: ((Sink) throws -> Void)?

    /// Starts the producer thread.
    /// - Parameters:
    ///   - capacity: elements that may wait in the channel.
    ///   - stackSize: the thread's stack in bytes; `nil` for the platform's default.
    ///   - produce: sends elements through the sink; returns at the end, or once a send returned
    ///     `false`; throws to stop with an error for the consumer.
    package init(capacity: Int, stackSize: Int? = nil, produce: @escaping (_ sink: Sink) throws -> Void) {
        channel = BoundedChannel(capacity: capacity)
        self.produce = produce
        running.enter()
        let thread = Thread { [self] in run() }
        if let stackSize { thread.stackSize = stackSize }
        thread.start()
    }

    private func run() {
        do {
            try produce?(Sink(channel: channel))
        } catch {
            lock.withLock { failure = error }
        }
        produce = nil
        channel.close()
        running.leave()
    }

    /// The next element, in the order sent; `nil` once the producer has ended and everything it
    /// sent was received (or the consumer cancelled).
    package func next() -> Element? {
        channel.receive()
    }

    /// The next element if one comes before `deadline`; `.closed` as `next()`'s `nil`.
    package func next(before deadline: Date) -> BoundedChannel<Element>.Received {
        channel.receive(before: deadline)
    }

    /// Waits for the producer to end, then throws what it threw, if it threw and no earlier
    /// `join()` threw it already.
    package func join() throws {
        running.wait()
        if let error = lock.withLock({ () -> (any Error)? in
            defer { failure = nil }
            return failure
        }) {
            throw error
        }
    }

    /// Stops the producer (its next send returns `false`) and waits for it to end; what it
    /// throws is dropped. Harmless after the producer ended.
    package func cancel() {
        channel.close()
        running.wait()
        lock.withLock { failure = nil }
    }

    /// Stops the producer without waiting for it: for one that may be blocked reading input that
    /// does not come (a pipe whose writer waits for an answer, as a streaming client does). It
    /// stops at its next send; what it captured stays alive until then.
    package func abandon() {
        channel.close()
    }
}
