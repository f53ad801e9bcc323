import Foundation
import RRMFormat
import RRMStore

/// Runs a simulation into a ledger through the public append path (JSONL batches, each one
/// atomic append), or into a JSONL file; and writes the hidden truth to a file on request.
public enum SimulationRun {
    /// What a run did.
    public struct Result: Sendable {
        public let summary: SimulationSummary
        /// Appends performed (one per batch); 0 when writing a file.
        public let batches: Int
        /// The ledger's head afterwards, when appending.
        public let head: ChainHead?
    }

    /// Simulates into `ledger`. The generator runs on a thread of its own and hands batches of
    /// JSONL bytes to `Ledger.append(from:)`, the same path a pipeline's `rrm-ledger append` takes.
    /// - Parameters:
    ///   - truthPath: where to write the hidden truth (JSONL), if anywhere.
    ///   - replacing: whether the truth file may replace an existing file (else `.exists`).
    public static func intoLedger(
        _ ledger: Ledger, parameters: SimulationParameters, truthPath: String? = nil, replacing: Bool = false
    ) throws -> Result {
        let truth = try truthPath.map { try TruthFile(path: $0, replacing: replacing) }
        var summary: SimulationSummary?
        let generator = ProducerThread<BatchMessage>(capacity: 32) { sink in
            let simulator = PipelineSimulator(
                parameters: parameters, output: BatchOutput(sink), truth: truth.map { t in { try t.write($0) } })
            summary = try simulator.run()
        }
        let stream = BatchInput(generator)
        var batches = 0
        var head: ChainHead?
        do {
            while try stream.beginBatch() {
                head = try ledger.append(from: stream).head
                batches += 1
            }
        } catch {
            generator.cancel()
            throw error
        }
        try generator.join()
        try truth?.finish(summary!)
        return Result(summary: summary!, batches: batches, head: head)
    }

    /// Simulates into a JSONL file (for benchmarks, and for feeding other tools). The files appear
    /// whole when the run ends, or not at all.
    public static func intoFile(
        path: String, parameters: SimulationParameters, truthPath: String? = nil, replacing: Bool = false
    ) throws -> Result {
        let truth = try truthPath.map { try TruthFile(path: $0, replacing: replacing) }
        let file = try BufferedFileWriter(path: path, replacing: replacing, errors: .simulation)
        let simulator = PipelineSimulator(parameters: parameters, output: FileOutput(file), truth: truth.map { t in { try t.write($0) } })
        let summary = try simulator.run()
        try file.close()
        try truth?.finish(summary)
        return Result(summary: summary, batches: 0, head: nil)
    }
}

/// The `--truth` file: one JSON object per output, critique and label, then one summary per level.
final class TruthFile: @unchecked Sendable {
    private let writer: BufferedFileWriter

    init(path: String, replacing: Bool) throws {
        writer = try BufferedFileWriter(path: path, replacing: replacing, errors: .simulation)
    }

    func write(_ record: TruthRecord) throws {
        var line = CanonicalJSON.encode(record.json)
        line.append(0x0A)
        try writer.write(line)
    }

    func finish(_ summary: SimulationSummary) throws {
        for level in summary.levels {
            var line = CanonicalJSON.encode(level.json)
            line.append(0x0A)
            try writer.write(line)
        }
        var line = CanonicalJSON.encode(summary.estimandsJSON)
        line.append(0x0A)
        try writer.write(line)
        try writer.close()
    }
}

/// Event lines written straight to a file.
private final class FileOutput: SimulationOutput {
    private let file: BufferedFileWriter

    init(_ file: BufferedFileWriter) {
        self.file = file
    }

    func write(event line: [UInt8]) throws { try file.write(line) }
    func endBatch() throws {}
}

/// What the generator hands the appender: chunks of JSONL bytes, and batch boundaries.
private enum BatchMessage: Sendable {
    case bytes([UInt8])
    case endOfBatch
}

/// The generator's side of a batch stream: event lines gathered into chunks of JSONL bytes for
/// the appender, through the generator thread's bounded channel, so memory stays flat.
private final class BatchOutput: SimulationOutput {
    private let sink: ProducerThread<BatchMessage>.Sink
    private var pending: [UInt8] = []

    init(_ sink: ProducerThread<BatchMessage>.Sink) {
        self.sink = sink
    }

    func write(event line: [UInt8]) throws {
        pending.append(contentsOf: line)
        if pending.count >= 256 * 1024 { try send(.bytes(pending)); pending.removeAll(keepingCapacity: true) }
    }

    func endBatch() throws {
        if !pending.isEmpty { try send(.bytes(pending)); pending.removeAll(keepingCapacity: true) }
        try send(.endOfBatch)
    }

    private func send(_ message: BatchMessage) throws {
        guard sink.send(message) else { throw SimulationError.abandoned }
    }
}

/// The appender's side of a batch stream: one `ByteSource` per batch, read from the generator.
private final class BatchInput: ByteSource {
    let name = "simulation"
    private let generator: ProducerThread<BatchMessage>
    private var readable: [UInt8] = []
    private var readOffset = 0
    private var batchEnded = false
    private var finished = false

    init(_ generator: ProducerThread<BatchMessage>) {
        self.generator = generator
    }

    /// Whether another batch follows; waits for its first bytes.
    func beginBatch() throws -> Bool {
        batchEnded = false
        if finished { return false }
        guard let message = generator.next() else {
            finished = true
            return false
        }
        switch message {
        case .bytes(let bytes):
            readable = bytes
            readOffset = 0
            return true
        case .endOfBatch:
            return try beginBatch()
        }
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(InputError) -> Int {
        while readOffset == readable.count {
            if batchEnded { return 0 }
            guard let message = generator.next() else {
                finished = true
                return 0
            }
            switch message {
            case .bytes(let bytes):
                readable = bytes
                readOffset = 0
            case .endOfBatch:
                batchEnded = true
                return 0
            }
        }
        let count = min(buffer.count, readable.count - readOffset)
        readable.withUnsafeBytes { source in
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[readOffset..<(readOffset + count)]))
        }
        readOffset += count
        return count
    }
}

extension BufferedFileWriter.Errors {
    /// The simulator's own errors for its output files.
    static let simulation = BufferedFileWriter.Errors(
        exists: { SimulationError.exists(path: $0) }, cannotWrite: { SimulationError.cannotWrite(path: $0, detail: $1) })
}
