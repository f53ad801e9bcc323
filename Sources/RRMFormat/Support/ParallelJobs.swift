import Foundation

/// Independent jobs run side by side, their values collected in job order.
///
/// Why one function: verify's ranges and the lineage graph's two scans each wrote the same
/// `concurrentPerform`, lock and array of optional results by hand, and each picked the error to
/// report its own way (one by job order, one by whichever job finished last). Here every job runs
/// to its end, whatever the others do, and the error reported is the first in job order, so the
/// outcome does not depend on timing.
package enum ParallelJobs {
    /// Runs `job(0)`, `job(1)`, … `job(count - 1)` side by side (Dispatch's `concurrentPerform`:
    /// one thread per core, more jobs than cores queue) and waits for all of them.
    /// - Returns: the jobs' values, in job order.
    /// - Throws: the error of the first job, in job order, that threw; only once every job has ended.
    package static func collect<Value: Sendable, Failure: Error>(
        _ count: Int, _ job: @Sendable (_ index: Int) throws(Failure) -> Value
    ) throws(Failure) -> [Value] {
        let lock = NSLock()
        nonisolated(unsafe) var results = [Result<Value, Failure>?](repeating: nil, count: count)
        DispatchQueue.concurrentPerform(iterations: count) { index in
            let result = Result { () throws(Failure) -> Value in try job(index) }
            lock.withLock { results[index] = result }
        }
        return try results.map { result throws(Failure) in try result!.get() }
    }
}
