import Foundation
import Testing

@testable import RRMFormat

/// The producer thread behind append's decoding, the archive's reader and exporter and the
/// simulator: order, the channel's bound, cancellation, and the producer's error, once.
@Suite struct ProducerThreadTests {
    struct Stop: Error, Equatable {
        let after: Int
    }

    /// A counter two threads share.
    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var count = 0

        func increment() { lock.withLock { count += 1 } }
        var value: Int { lock.withLock { count } }

        /// Waits up to `seconds` for the count to reach `target`; returns the count then.
        func wait(for target: Int, seconds: Double = 10) -> Int {
            let deadline = Date().addingTimeInterval(seconds)
            while value < target && Date() < deadline { usleep(1000) }
            return value
        }
    }

    @Test func theConsumerReceivesEverythingInTheOrderSent() throws {
        let producer = ProducerThread<Int>(capacity: 3) { sink in
            for number in 0..<20_000 { sink.send(number) }
        }
        var received: [Int] = []
        while let number = producer.next() { received.append(number) }
        try producer.join()
        #expect(received == Array(0..<20_000))
        #expect(producer.next() == nil)
    }

    @Test func noMoreThanTheCapacityWaitsInTheChannel() throws {
        let sent = Counter()
        let producer = ProducerThread<Int>(capacity: 4) { sink in
            for number in 0..<100 {
                guard sink.send(number) else { return }
                sent.increment()
            }
        }
        // Nothing is received: the producer fills the channel, then waits for room.
        #expect(sent.wait(for: 4) == 4)
        usleep(200_000)
        #expect(sent.value == 4, "the producer ran past the channel's capacity")
        #expect(producer.next() == 0)
        #expect(sent.wait(for: 5) == 5)
        usleep(200_000)
        #expect(sent.value == 5, "one element received makes room for one more")
        producer.cancel()
    }

    @Test func cancellingStopsTheProducerWaitsForItAndDropsItsError() throws {
        let refused = Counter()
        let ended = Counter()
        let producer = ProducerThread<Int>(capacity: 2) { sink in
            defer { ended.increment() }
            var number = 0
            while sink.send(number) { number += 1 }
            refused.increment()
            usleep(100_000)  // cancel() must wait for the producer's end, not only close the channel
            throw Stop(after: number)
        }
        #expect(producer.next() == 0)
        #expect(producer.next() == 1)
        producer.cancel()
        #expect(refused.value == 1, "the producer's send did not return false after cancel()")
        #expect(ended.value == 1, "cancel() returned before the producer ended")
        #expect(throws: Never.self) { try producer.join() }
        while producer.next() != nil {}  // at most what was already in the channel
        #expect(producer.next() == nil)
    }

    @Test func theProducersErrorComesOnceAfterEverythingItSent() throws {
        let producer = ProducerThread<Int>(capacity: 8) { sink in
            for number in 1...3 { sink.send(number) }
            throw Stop(after: 3)
        }
        var received: [Int] = []
        while let number = producer.next() { received.append(number) }
        #expect(received == [1, 2, 3])
        #expect(throws: Stop(after: 3)) { try producer.join() }
        #expect(throws: Never.self) { try producer.join() }
    }

    @Test func anErrorBeforeAnySendIsStillSurfaced() throws {
        let producer = ProducerThread<Int>(capacity: 1) { _ in throw Stop(after: 0) }
        #expect(producer.next() == nil)
        #expect(throws: Stop(after: 0)) { try producer.join() }
    }

    @Test func theProducerRunsWithTheStackItAskedFor() throws {
        let stack = 3 << 20  // not the platform's default (8 MiB on Linux), so that a stack left unset is seen
        let producer = ProducerThread<Int>(capacity: 1, stackSize: stack) { sink in
            sink.send(Thread.current.stackSize)
        }
        let seen = producer.next()
        try producer.join()
        #expect(seen == stack)
    }
}
