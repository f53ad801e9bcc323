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
/// Memory stays bounded: at most `maximumInFlight` blocks are being compressed or waiting to be
/// written; `write` waits for the oldest when that many are. Used by one thread (the caller's);
/// the blocks are compressed on Dispatch's global queue.
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
        var output: [UInt8] = []
        var crc: UInt = 0
        var length = 0
        var failure: Int32?
    }

    private let descriptor: Int32
    private let path: String
    private let level: Int32
    private let blockBytes: Int
    private let maximumInFlight: Int
    private var pending: [UInt8] = []
    private var dictionary: [UInt8] = []
    private var inFlight: [Block] = []
    private var crc: UInt = 0
    private var uncompressedBytes = 0
    private var headerWritten = false
    private var finished = false
    /// Compressed bytes written so far.
    private(set) var compressedBytes = 0

    /// - Parameters:
    ///   - level: zlib's level, 6 as `gzip -6`.
    ///   - blockBytes: input bytes per block.
    ///   - workers: blocks compressed at once (by default one per core); twice as many, and two
    ///     more, may be in flight.
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
    }

    /// Compresses and writes `bytes` (as whole blocks fill).
    func write(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let count = min(blockBytes - pending.count, bytes.count - offset)
            pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)]))
            offset += count
            if pending.count == blockBytes { try submit(last: false) }
        }
    }

    func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    /// Compresses what remains as the last block, writes every block in order and the gzip
    /// trailer (the combined CRC-32 and the length modulo 2^32).
    func finish() throws {
        guard !finished else { return }
        try submit(last: true)
        while !inFlight.isEmpty { try writeOldest() }
        var trailer: [UInt8] = []
        for shift in stride(from: 0, to: 32, by: 8) { trailer.append(UInt8(truncatingIfNeeded: UInt32(truncatingIfNeeded: crc) >> shift)) }
        for shift in stride(from: 0, to: 32, by: 8) {
            trailer.append(UInt8(truncatingIfNeeded: UInt32(truncatingIfNeeded: uncompressedBytes) >> shift))
        }
        try writeAll(trailer)
        finished = true
    }

    /// Hands the pending input to a worker, with the dictionary it needs, and makes room.
    private func submit(last: Bool) throws {
        let input = pending
        let primer = dictionary
        dictionary =
            input.count >= Self.dictionaryBytes
            ? Array(input.suffix(Self.dictionaryBytes)) : Array((primer + input).suffix(Self.dictionaryBytes))
        pending = []
        pending.reserveCapacity(blockBytes)
        let block = Block()
        let level = self.level
        inFlight.append(block)
        DispatchQueue.global(qos: .userInitiated).async {
            Self.compress(input, dictionary: primer, last: last, level: level, into: block)
            block.done.signal()
        }
        while inFlight.count > maximumInFlight { try writeOldest() }
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

    /// Compresses one block as raw deflate, primed with `dictionary`, ended by a sync flush (or,
    /// for the last, by the final block); computes its CRC-32.
    private static func compress(_ input: [UInt8], dictionary: [UInt8], last: Bool, level: Int32, into block: Block) {
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
        if !dictionary.isEmpty {
            let code = dictionary.withUnsafeBufferPointer { deflateSetDictionary(stream, $0.baseAddress, uInt($0.count)) }
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
        input.withUnsafeBufferPointer { source in
            stream.pointee.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
            stream.pointee.avail_in = uInt(source.count)
            while true {
                let code: Int32 = output.withUnsafeMutableBufferPointer { target in
                    stream.pointee.next_out = target.baseAddress! + produced
                    stream.pointee.avail_out = uInt(target.count - produced)
                    let code = deflate(stream, flush)
                    produced = target.count - Int(stream.pointee.avail_out)
                    return code
                }
                if code == Z_STREAM_END || (code == Z_OK && !last && stream.pointee.avail_out > 0) { return }
                guard code == Z_OK || code == Z_BUF_ERROR else {
                    block.failure = code
                    return
                }
                output.append(contentsOf: [UInt8](repeating: 0, count: output.count))
            }
        }
        output.removeLast(output.count - produced)
        block.output = output
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
