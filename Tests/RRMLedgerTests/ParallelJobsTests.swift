import Foundation
import Testing

@testable import RRMFormat

/// The parallel collector behind verify's ranges and the lineage graph's scans: values in job
/// order, jobs side by side, and the first error in job order once every job has ended.
@Suite struct ParallelJobsTests {
    struct Failed: Error, Equatable {
        let job: Int
    }

    /// Jobs that finished, in the order they finished.
    final class Finished: @unchecked Sendable {
        private let lock = NSLock()
        private var jobs: [Int] = []

        func record(_ job: Int) { lock.withLock { jobs.append(job) } }
        var order: [Int] { lock.withLock { jobs } }
    }

    @Test func valuesComeInJobOrderWhateverOrderTheJobsEndIn() throws {
        let finished = Finished()
        let values = ParallelJobs.collect(12) { job in
            usleep(UInt32(12 - job) * 10_000)  // later jobs end first
            finished.record(job)
            return job * job
        }
        #expect(values == (0..<12).map { $0 * $0 })
        #expect(Set(finished.order) == Set(0..<12))
    }

    @Test(.enabled(if: ProcessInfo.processInfo.activeProcessorCount >= 2, "needs two cores"))
    func jobsRunSideBySide() throws {
        // Each job waits for the other: run one after the other, the first would time out.
        let arrived = [DispatchSemaphore(value: 0), DispatchSemaphore(value: 0)]
        let met = ParallelJobs.collect(2) { job in
            arrived[job].signal()
            return arrived[1 - job].wait(timeout: .now() + 10) == .success
        }
        #expect(met == [true, true])
    }

    @Test func theFirstFailureInJobOrderIsThrownOnceEveryJobHasEnded() throws {
        let finished = Finished()
        #expect(throws: Failed(job: 3)) {
            _ = try ParallelJobs.collect(8) { job throws(Failed) -> Int in
                defer { finished.record(job) }
                if job == 5 { throw Failed(job: 5) }  // fails first in time
                usleep(50_000)
                if job == 3 { throw Failed(job: 3) }  // but comes first in job order
                return job
            }
        }
        #expect(Set(finished.order) == Set(0..<8), "collect returned before every job ended")
    }

    @Test func noJobsGiveNoValues() throws {
        #expect(ParallelJobs.collect(0) { job in job }.isEmpty)
    }
}
