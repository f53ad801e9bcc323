import CShims
import Foundation

/// Writes a gzip stream (RFC 1952) through zlib's deflate, level 6 as `gzip -6`, to a file
/// descriptor. The `z_stream` lives on the heap, at the fixed address zlib needs, and is freed
/// in `deinit`.
final class GzipWriter {
    private let stream: UnsafeMutablePointer<z_stream>
    private let descriptor: Int32
    private let path: String
    private var output = [UInt8](repeating: 0, count: 1 << 18)
    private var finished = false
    /// Compressed bytes written so far.
    private(set) var compressedBytes = 0

    init(descriptor: Int32, path: String, level: Int32 = 6) throws {
        self.descriptor = descriptor
        self.path = path
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let code = rrm_deflate_init_gzip(stream, level)
        guard code == Z_OK else {
            stream.deallocate()
            throw ArchiveError.io(path: path, detail: "zlib could not start a gzip stream (code \(code))")
        }
    }

    deinit {
        deflateEnd(stream)
        stream.deallocate()
    }

    /// Compresses and writes `bytes`.
    func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard !bytes.isEmpty else { return }
        stream.pointee.next_in = UnsafeMutablePointer(mutating: bytes.baseAddress!.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = uInt(bytes.count)
        try pump(flush: Z_NO_FLUSH)
    }

    func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    /// Ends the stream (the gzip trailer with CRC-32 and length) and writes what remains.
    func finish() throws {
        guard !finished else { return }
        stream.pointee.next_in = nil
        stream.pointee.avail_in = 0
        try pump(flush: Z_FINISH)
        finished = true
    }

    private func pump(flush: Int32) throws {
        repeat {
            let produced: Int = try output.withUnsafeMutableBytes { buffer in
                stream.pointee.next_out = buffer.baseAddress!.assumingMemoryBound(to: Bytef.self)
                stream.pointee.avail_out = uInt(buffer.count)
                let code = deflate(stream, flush)
                guard code == Z_OK || code == Z_STREAM_END || code == Z_BUF_ERROR else {
                    throw ArchiveError.io(path: path, detail: "zlib deflate failed (code \(code))")
                }
                return buffer.count - Int(stream.pointee.avail_out)
            }
            if produced > 0 { try writeAll(produced) }
            // Output space left over means deflate took all the input (and, with Z_FINISH, ended the stream).
        } while stream.pointee.avail_out == 0
    }

    private func writeAll(_ count: Int) throws {
        var offset = 0
        while offset < count {
            let written = output.withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress! + offset, count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                throw ArchiveError.io(path: path, detail: String(cString: strerror(errno)))
            }
            offset += written
        }
        compressedBytes += count
    }
}

/// Reads a gzip stream through zlib's inflate, refusing what a hostile archive could do: data
/// after the stream's end, a truncated stream, and output beyond a total size. There is no limit
/// on the expansion ratio: legitimate entries (a long run of one character) compress more than
/// a thousand times, and the readers above check every byte as it arrives, so a "bomb" costs at
/// most one member's limit of work before it is refused (docs/ARCHIVES.md, section 4). Used by
/// one thread at a time (it is handed to the archive's reading thread).
final class GzipReader: @unchecked Sendable {
    /// The limit on output: more than `maximumBytes` in all is refused as a bomb.
    struct Limits: Sendable {
        var maximumBytes: Int = 1 << 40
        static let standard = Limits()
    }

    private let stream: UnsafeMutablePointer<z_stream>
    private let descriptor: Int32
    private let path: String
    private let limits: Limits
    /// The compressed input buffer, at a fixed address zlib may keep pointing into between calls.
    private let input = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 18, alignment: 16)
    private var inputEnded = false
    private var streamEnded = false
    /// Compressed bytes consumed and decompressed bytes produced so far.
    private(set) var compressedBytes = 0
    private(set) var decompressedBytes = 0

    init(descriptor: Int32, path: String, limits: Limits = .standard) throws {
        self.descriptor = descriptor
        self.path = path
        self.limits = limits
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let code = rrm_inflate_init_gzip(stream)
        guard code == Z_OK else {
            stream.deallocate()
            throw ArchiveError.io(path: path, detail: "zlib could not start reading (code \(code))")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
        input.deallocate()
    }

    /// Fills `buffer` with decompressed bytes; 0 at the end of the stream.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard !streamEnded, buffer.count > 0 else { return 0 }
        stream.pointee.next_out = buffer.baseAddress!.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_out = uInt(buffer.count)
        while stream.pointee.avail_out > 0 && !streamEnded {
            if stream.pointee.avail_in == 0 {
                try refill()
                if inputEnded && stream.pointee.avail_in == 0 {
                    throw ArchiveError.malformed(path: path, .gzipTruncated)
                }
            }
            let code = inflate(stream, Z_NO_FLUSH)
            switch code {
            case Z_OK, Z_BUF_ERROR:
                break
            case Z_STREAM_END:
                streamEnded = true
                try checkNothingFollows()
            case Z_DATA_ERROR:
                let message = stream.pointee.msg.map { String(cString: $0) } ?? "corrupt data"
                throw ArchiveError.malformed(path: path, .gzipCorrupt(zlibMessage: message))
            default:
                throw ArchiveError.malformed(path: path, .inflateFailed(code: code))
            }
        }
        let produced = buffer.count - Int(stream.pointee.avail_out)
        decompressedBytes += produced
        if decompressedBytes > limits.maximumBytes {
            throw ArchiveError.malformed(path: path, .expandsBeyond(bytes: limits.maximumBytes))
        }
        return produced
    }

    private func refill() throws {
        guard !inputEnded else { return }
        let count = Foundation.read(descriptor, input.baseAddress, input.count)
        if count < 0 {
            if errno == EINTR { return }
            throw ArchiveError.io(path: path, detail: String(cString: strerror(errno)))
        }
        if count == 0 {
            inputEnded = true
            return
        }
        compressedBytes += count
        stream.pointee.next_in = input.baseAddress!.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_in = uInt(count)
    }

    /// An archive is one gzip member: anything after it is refused.
    private func checkNothingFollows() throws {
        if stream.pointee.avail_in > 0 {
            throw ArchiveError.malformed(path: path, .dataAfterGzip)
        }
        var probe = [UInt8](repeating: 0, count: 1)
        let count = probe.withUnsafeMutableBytes { Foundation.read(descriptor, $0.baseAddress, 1) }
        if count > 0 { throw ArchiveError.malformed(path: path, .dataAfterGzip) }
    }
}
