import CShims
import Dispatch
import Foundation

/// Writes one gzip member (RFC 1952) compressed on every core, as pigz does: the input is cut
/// into blocks of `blockBytes`, each compressed on its own as raw deflate (RFC 1951) primed with
/// the previous block's last 32 KiB as its dictionary (so matches reach back across the cut and
/// the ratio is nearly a single stream's), and ended with a sync flush (an empty stored block,
/// which ends the block on a byte boundary) so that the compressed blocks, written one after
/// another, are one deflate stream; the last ends with the final-block bit. The member's CRC-32
/// is the blocks' CRC-32s joined in order with zlib's `crc32_combine`. `zcat`, `tar -xzf` and
/// any inflate read it as they read `gzip`'s output.
///
/// Memory stays bounded: `workers` threads of the writer's own compress the blocks, at most
/// `workers` at once; at most `2 × workers + 2` blocks are in flight (queued, being compressed or
/// compressed and waiting to be written), each holding its input (`blockBytes`) and, once
/// compressed, its output trimmed to size; `write` waits for the oldest when that many are. Add
/// the block being filled and, per worker, zlib's state and the output buffer of the block it is
/// compressing. Used by one thread (the caller's). A failed write or compression ends the
/// writer: later calls throw, and the threads end once the writer is released.
final class ParallelGzipWriter {
    /// Input bytes per block. Larger blocks cost a little more memory and lose less to the cuts
    /// (each costs a sync marker and a fresh Huffman table); at 1 MiB the output stays within 1 %
    /// of one stream's size (ParallelGzipWriterTests).
    static let defaultBlockBytes = 1 << 20
    /// The dictionary a block is primed with: deflate's whole window.
    static let dictionaryBytes = 32 << 10

    /// One block handed to a worker; filled in by it before `done` is signalled, read by the
    /// writer only after waiting on `done`.
    private final class Block: @unchecked Sendable {
        let done = DispatchSemaphore(value: 0)
        let input: [UInt8]
        let dictionary: [UInt8]
        let last: Bool
        var output: [UInt8] = []
        var crc: UInt = 0
        var length = 0
        var failure: Int32?

        init(input: [UInt8], dictionary: [UInt8], last: Bool) {
            self.input = input
            self.dictionary = dictionary
            self.last = last
        }
    }

    /// The blocks waiting for a worker, and the workers' stop signal.
    private final class Queue: @unchecked Sendable {
        private let condition = NSCondition()
        private var waiting: [Block] = []
        private var closed = false

        func put(_ block: Block) {
            condition.withLock {
                waiting.append(block)
                condition.signal()
            }
        }

        /// The next block to compress; `nil` once closed.
        func take() -> Block? {
            condition.withLock {
                while waiting.isEmpty && !closed { condition.wait() }
                return closed ? nil : waiting.removeFirst()
            }
        }

        /// Ends the workers; blocks still waiting are dropped (and released to anyone waiting on them).
        func close() {
            let dropped = condition.withLock {
                closed = true
                condition.broadcast()
                defer { waiting = [] }
                return waiting
            }
            for block in dropped { block.done.signal() }
        }
    }

    private let descriptor: Int32
    private let path: String
    private let level: Int32
    private let blockBytes: Int
    private let maximumInFlight: Int
    private let queue = Queue()
    private var pending: [UInt8] = []
    private var dictionary: [UInt8] = []
    private var inFlight: [Block] = []
    private var crc: UInt = 0
    private var uncompressedBytes = 0
    private var headerWritten = false
    private var finished = false
    /// Set when a write or a compression failed: the stream is unusable.
    private var failed = false
    /// Compressed bytes written so far.
    private(set) var compressedBytes = 0

    /// - Parameters:
    ///   - level: zlib's level, 6 as `gzip -6`.
    ///   - blockBytes: input bytes per block.
    ///   - workers: the threads that compress, so blocks compressed at once (by default one per
    ///     core); `2 × workers + 2` blocks may be in flight.
    init(
        descriptor: Int32, path: String, level: Int32 = 6, blockBytes: Int = defaultBlockBytes,
        workers: Int = ProcessInfo.processInfo.activeProcessorCount
    ) {
        precondition(blockBytes >= 1, "a block holds at least one byte")
        self.descriptor = descriptor
        self.path = path
        self.level = level
        self.blockBytes = blockBytes
        self.maximumInFlight = 2 * max(1, workers) + 2
        pending.reserveCapacity(blockBytes)
        for _ in 0..<max(1, workers) {
            let queue = self.queue
            let thread = Thread {
                while let block = queue.take() {
                    Self.compress(block, level: level)
                    block.done.signal()
                }
            }
            thread.name = "rrm-gzip"
            thread.start()
        }
    }

    deinit {
        queue.close()
    }

    /// Refuses a call on a finished or failed stream.
    private func checkOpen() throws {
        if finished { throw ArchiveError.io(path: path, detail: "the gzip stream was already finished") }
        if failed { throw ArchiveError.io(path: path, detail: "the gzip stream failed earlier and cannot be written") }
    }

    /// Runs `body`; any error it throws ends the stream.
    private func failing<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            failed = true
            queue.close()
            throw error
        }
    }

    /// Compresses and writes `bytes` (as whole blocks fill).
    /// - Throws: `ArchiveError.io` when writing fails, compression fails, or the stream was
    ///   finished or had failed.
    func write(_ bytes: UnsafeRawBufferPointer) throws {
        try checkOpen()
        try failing {
            var offset = 0
            while offset < bytes.count {
                let count = min(blockBytes - pending.count, bytes.count - offset)
                pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)]))
                offset += count
                if pending.count == blockBytes { try submit(last: false) }
            }
        }
    }

    func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    /// Compresses what remains as the last block, writes every block in order and the gzip
    /// trailer (the combined CRC-32 and the length modulo 2^32), and ends the workers.
    /// - Throws: as `write`; a second `finish` is refused.
    func finish() throws {
        try checkOpen()
        try failing {
            try submit(last: true)
            while !inFlight.isEmpty { try writeOldest() }
            var trailer: [UInt8] = []
            for shift in stride(from: 0, to: 32, by: 8) {
                trailer.append(UInt8(truncatingIfNeeded: UInt32(truncatingIfNeeded: crc) >> shift))
            }
            for shift in stride(from: 0, to: 32, by: 8) {
                trailer.append(UInt8(truncatingIfNeeded: UInt32(truncatingIfNeeded: uncompressedBytes) >> shift))
            }
            try writeAll(trailer)
        }
        finished = true
        queue.close()
    }

    /// Hands the pending input to a worker, with the dictionary it needs, once there is room.
    private func submit(last: Bool) throws {
        while inFlight.count >= maximumInFlight { try writeOldest() }
        let block = Block(input: pending, dictionary: dictionary, last: last)
        dictionary =
            block.input.count >= Self.dictionaryBytes
            ? Array(block.input.suffix(Self.dictionaryBytes)) : Array((block.dictionary + block.input).suffix(Self.dictionaryBytes))
        pending = []
        pending.reserveCapacity(blockBytes)
        inFlight.append(block)
        queue.put(block)
    }

    /// Waits for the oldest block, then writes it and folds its CRC-32 into the member's.
    private func writeOldest() throws {
        let block = inFlight.removeFirst()
        block.done.wait()
        if let failure = block.failure { throw ArchiveError.io(path: path, detail: "zlib deflate failed (code \(failure))") }
        if !headerWritten {
            // RFC 1952: magic, deflate, no flags, no time, no extra flags, Unix (as zlib writes at level 6).
            try writeAll([0x1F, 0x8B, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03])
            headerWritten = true
        }
        try writeAll(block.output)
        crc = rrm_crc32_combine(crc, block.crc, Int64(block.length))
        uncompressedBytes += block.length
    }

    /// What to do after a call of deflate returned `code` with `availableOut` bytes of output
    /// space left.
    enum DeflateStep: Equatable {
        case done
        case again
        case grow
        case fail
    }

    static func step(after code: Int32, availableOut: Int, last: Bool) -> DeflateStep {
        switch code {
        case Z_STREAM_END: return .done
        case Z_OK where availableOut == 0, Z_BUF_ERROR where availableOut == 0: return .grow
        // A sync flush is complete once deflate leaves output space unused.
        case Z_OK: return last ? .again : .done
        // No progress although there was room: deflate cannot go on, and more room would not help.
        default: return .fail
        }
    }

    /// Compresses one block as raw deflate, primed with its dictionary, ended by a sync flush (or,
    /// for the last, by the final block); computes its CRC-32. Keeps only the bytes produced.
    private static func compress(_ block: Block, level: Int32) {
        let input = block.input
        let last = block.last
        block.length = input.count
        block.crc = input.withUnsafeBufferPointer { crc32(0, $0.baseAddress, uInt($0.count)) }
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer { stream.deallocate() }
        let started = rrm_deflate_init_raw(stream, level)
        guard started == Z_OK else {
            block.failure = started
            return
        }
        defer { deflateEnd(stream) }
        if !block.dictionary.isEmpty {
            let code = block.dictionary.withUnsafeBufferPointer { deflateSetDictionary(stream, $0.baseAddress, uInt($0.count)) }
            guard code == Z_OK else {
                block.failure = code
                return
            }
        }
        // deflateBound covers Z_FINISH; the sync marker and a margin are added, and the loop
        // below grows the buffer should that ever not be enough.
        var output = [UInt8](repeating: 0, count: Int(deflateBound(stream, uLong(input.count))) + 64)
        var produced = 0
        let flush = last ? Z_FINISH : Z_SYNC_FLUSH
        let failure: Int32? = input.withUnsafeBufferPointer { source in
            stream.pointee.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
            stream.pointee.avail_in = uInt(source.count)
            while true {
                let (code, left): (Int32, Int) = output.withUnsafeMutableBufferPointer { target in
                    stream.pointee.next_out = target.baseAddress! + produced
                    stream.pointee.avail_out = uInt(target.count - produced)
                    let code = deflate(stream, flush)
                    produced = target.count - Int(stream.pointee.avail_out)
                    return (code, Int(stream.pointee.avail_out))
                }
                switch step(after: code, availableOut: left, last: last) {
                case .done: return nil
                case .again: continue
                case .grow: output.append(contentsOf: [UInt8](repeating: 0, count: output.count))
                case .fail: return code
                }
            }
        }
        if let failure {
            block.failure = failure
            return
        }
        // A copy of the bytes produced, so that a block waiting to be written does not hold the
        // whole of deflateBound's buffer.
        block.output = Array(output[..<produced])
    }

    private func writeAll(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = Foundation.write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw ArchiveError.io(path: path, detail: String(cString: strerror(errno)))
                }
                offset += written
            }
        }
        compressedBytes += bytes.count
    }
}
