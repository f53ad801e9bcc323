import DequeModule
import Foundation

/// A blocking, bounded first-in-first-out hand-off between one producer thread and one consumer.
/// The bound keeps memory constant however far the producer could run ahead. Elements wait in a
/// `Deque`, so taking the first is O(1) (an Array's `removeFirst` moves every element behind it).
package final class BoundedChannel<Element: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: Deque<Element>
    private let capacity: Int
    private var closed = false

    package init(capacity: Int) {
        precondition(capacity >= 1, "a channel must hold at least one element")
        self.capacity = capacity
        self.items = Deque(minimumCapacity: capacity)
    }

    /// Waits for room and enqueues; returns `false` (dropping the element) once the channel is closed.
    @discardableResult
    package func send(_ element: Element) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while items.count >= capacity && !closed { condition.wait() }
        if closed { return false }
        items.append(element)
        condition.broadcast()
        return true
    }

    /// Waits for an element; `nil` once the channel is closed and drained.
    package func receive() -> Element? {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty && !closed { condition.wait() }
        guard let element = items.popFirst() else { return nil }
        condition.broadcast()
        return element
    }

    /// What a receive with a deadline found.
    package enum Received {
        case element(Element)
        /// The deadline passed with nothing to take; the channel is still open.
        case timedOut
        /// The channel is closed and drained.
        case closed
    }

    /// Waits for an element until `deadline`: for a consumer that must act on time whether or
    /// not input comes (a streaming append that commits every so many seconds).
    package func receive(before deadline: Date) -> Received {
        condition.lock()
        defer { condition.unlock() }
        // Foundation's `wait(until:)` traps converting a date as far off as `.distantFuture`.
        let waitsForever = deadline.timeIntervalSinceNow > 1e8
        while items.isEmpty && !closed {
            if waitsForever {
                condition.wait()
            } else if !condition.wait(until: deadline) && items.isEmpty && !closed {
                return .timedOut
            }
        }
        guard let element = items.popFirst() else { return .closed }
        condition.broadcast()
        return .element(element)
    }

    /// Ends the hand-off: pending sends return `false`, receives drain what is left then get `nil`.
    package func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }
}
