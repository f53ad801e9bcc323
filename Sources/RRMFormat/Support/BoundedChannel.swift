import Foundation

/// A blocking, bounded first-in-first-out hand-off between one producer thread and one consumer.
/// The bound keeps memory constant however far the producer could run ahead.
package final class BoundedChannel<Element: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [Element] = []
    private let capacity: Int
    private var closed = false

    package init(capacity: Int) {
        self.capacity = capacity
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
        if items.isEmpty { return nil }
        let element = items.removeFirst()
        condition.broadcast()
        return element
    }

    /// Ends the hand-off: pending sends return `false`, receives drain what is left then get `nil`.
    package func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }
}
