import CShims
import Foundation
import Testing

@testable import RRMArchive
@testable import RRMFormat

/// The parallel compressor writes one gzip member, read by zlib and by the real `gzip`, with the
/// CRC-32 and length of the whole input, at nearly the size one stream would have.
@Suite struct ParallelGzipWriterTests {
    /// Bytes that compress like entries: JSON-ish lines with repeats and some noise.
    static func sample(count: Int, seed: UInt64 = 1) -> [UInt8] {
        var random = SplitMix64(seed: seed)
        var out: [UInt8] = []
        out.reserveCapacity(count + 200)
        var line = 0
        while out.count < count {
            let noise = random.next() % 100_000
            out.append(
                contentsOf: #"{"id":"L1-label-\#(line)","kind":"label","rater":"human:rater-\#(noise % 40)","value":\#(noise)}"#.utf8)
            out.append(0x0A)
            line += 1
        }
        return Array(out.prefix(count))
    }

    /// Compresses `input` with the parallel writer into a file; returns its bytes.
    func compressed(_ input: [UInt8], blockBytes: Int, workers: Int = 2, in folder: URL, writes: Int = 7) throws -> [UInt8] {
        let file = folder.appendingPathComponent("out-\(UUID().uuidString).gz").path
        let descriptor = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let writer = ParallelGzipWriter(descriptor: descriptor, path: file, blockBytes: blockBytes, workers: workers)
        // Written in uneven pieces, so that pieces straddle blocks.
        var offset = 0
        var piece = 1
        while offset < input.count {
            let count = min(piece * 9_973 % (3 * blockBytes + 1) + 1, input.count - offset)
            try writer.write(Array(input[offset..<(offset + count)]))
            offset += count
            piece += writes
        }
        try writer.finish()
        close(descriptor)
        #expect(writer.compressedBytes == (try FileManager.default.attributesOfItem(atPath: file)[.size] as? Int))
        return Array(try Data(contentsOf: URL(fileURLWithPath: file)))
    }

    static func littleEndian32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        bytes.reversed().reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// Inflates a gzip stream with zlib's raw inflate after checking the header by hand, so that
    /// a second member or bytes after the first are seen: returns the data and where deflate ended.
    static func inflateOneMember(_ gzip: [UInt8]) throws -> (data: [UInt8], deflateEnd: Int) {
        #expect(Array(gzip.prefix(4)) == [0x1F, 0x8B, 0x08, 0x00], "a gzip header without flags")
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer { stream.deallocate() }
        #expect(inflateInit2_(stream, -15, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK)
        defer { inflateEnd(stream) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var code: Int32 = Z_OK
        try gzip.withUnsafeBufferPointer { input in
            stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress! + 10)
            stream.pointee.avail_in = uInt(input.count - 10)
            repeat {
                let produced = buffer.withUnsafeMutableBufferPointer { target in
                    stream.pointee.next_out = target.baseAddress
                    stream.pointee.avail_out = uInt(target.count)
                    code = inflate(stream, Z_NO_FLUSH)
                    return target.count - Int(stream.pointee.avail_out)
                }
                out.append(contentsOf: buffer.prefix(produced))
                guard code == Z_OK || code == Z_STREAM_END else { throw ArchiveError.malformed(path: "", .inflateFailed(code: code)) }
            } while code != Z_STREAM_END
        }
        return (out, gzip.count - Int(stream.pointee.avail_in))
    }

    // Blocks of 1,000 and 5,000 bytes are shorter than the 32 KiB window, so each block's
    // dictionary is joined from several earlier blocks (the priming path a 1 MiB block never takes).
    @Test(arguments: [
        (0, 1 << 16), (1, 1 << 16), (1 << 16, 1 << 16), (3 * (1 << 16), 1 << 16), (1_234_567, 1 << 16), (2_000_000, 1 << 20),
        (250_000, 1_000), (250_000, 5_000), (33_000, 5_000),
    ])
    func theOutputIsOneGzipMemberWithTheRightCRCAndLength(count: Int, blockBytes: Int) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rrm-pgzip-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = Self.sample(count: count)
        let gzip = try compressed(input, blockBytes: blockBytes, in: folder)
        let (data, end) = try Self.inflateOneMember(gzip)
        #expect(data == input)
        // Deflate's final block ends where the 8-byte trailer begins, and nothing follows it.
        #expect(end == gzip.count - 8)
        let crc = input.withUnsafeBufferPointer { UInt32(crc32(0, $0.baseAddress, uInt($0.count))) }
        #expect(Self.littleEndian32(gzip[(gzip.count - 8)..<(gzip.count - 4)]) == crc)
        #expect(Self.littleEndian32(gzip[(gzip.count - 4)...]) == UInt32(truncatingIfNeeded: input.count))
        // Our own reader, which refuses anything after the member, reads it too.
        let file = folder.appendingPathComponent("check.gz").path
        try Data(gzip).write(to: URL(fileURLWithPath: file))
        let descriptor = open(file, O_RDONLY)
        defer { close(descriptor) }
        let reader = try GzipReader(descriptor: descriptor, path: file)
        var read: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let got = try buffer.withUnsafeMutableBytes { try reader.read(into: $0) }
            if got == 0 { break }
            read.append(contentsOf: buffer.prefix(got))
        }
        #expect(read == input)
    }

    /// The real `gzip` tests it and decompresses it exactly; its size is within 1 % of one zlib stream's at the same level.
    @Test func gzipReadsItAndTheRatioIsKept() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rrm-pgzip-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = Self.sample(count: 6_000_000, seed: 7)
        let parallel = try compressed(input, blockBytes: ParallelGzipWriter.defaultBlockBytes, workers: 4, in: folder)
        let file = folder.appendingPathComponent("p.gz").path
        try Data(parallel).write(to: URL(fileURLWithPath: file))
        let original = folder.appendingPathComponent("original").path
        try Data(input).write(to: URL(fileURLWithPath: original))
        #expect(try ArchiveTests().run("/bin/sh", ["-c", "gzip -dc '\(file)' | cmp - '\(original)' && echo same"]) == "same\n")
        #expect(try ArchiveTests().run("/bin/sh", ["-c", "gzip -t '\(file)' && echo ok"]) == "ok\n")

        // One zlib stream at level 6, as version 1's writer made.
        let single = folder.appendingPathComponent("s.gz").path
        let descriptor = open(single, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let writer = try GzipWriter(descriptor: descriptor, path: single)
        try writer.write(input)
        try writer.finish()
        close(descriptor)
        #expect(Double(parallel.count) <= Double(writer.compressedBytes) * 1.01, "\(parallel.count) against \(writer.compressedBytes)")
    }

    /// Small blocks, whose dictionaries span several earlier blocks, decompress identically with
    /// the real `gzip`, and match across the cuts as one stream would.
    @Test(arguments: [1_000, 5_000])
    func smallBlocksAreReadByGzip(blockBytes: Int) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rrm-pgzip-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = Self.sample(count: 300_000, seed: 3)
        let file = folder.appendingPathComponent("p.gz").path
        try Data(try compressed(input, blockBytes: blockBytes, workers: 3, in: folder)).write(to: URL(fileURLWithPath: file))
        let original = folder.appendingPathComponent("original").path
        try Data(input).write(to: URL(fileURLWithPath: original))
        #expect(
            try ArchiveTests().run("/bin/sh", ["-c", "gzip -t '\(file)' && gzip -dc '\(file)' | cmp - '\(original)' && echo same"])
                == "same\n")
    }

    /// A write that fails (a full device, a closed descriptor) is `ArchiveError.io`, promptly, and
    /// ends the writer: later writes and `finish` are refused.
    @Test(arguments: ["/dev/full", "closed"])
    func aFailedWriteIsAnIOErrorAndEndsTheWriter(target: String) throws {
        let descriptor = target == "closed" ? open("/dev/null", O_WRONLY) : open(target, O_WRONLY)
        #expect(descriptor >= 0)
        if target == "closed" { close(descriptor) }
        defer { if target != "closed" { close(descriptor) } }
        let writer = ParallelGzipWriter(descriptor: descriptor, path: target, blockBytes: 1_000, workers: 2)
        let input = Self.sample(count: 200_000)
        let failure = #expect(throws: ArchiveError.self) {
            try writer.write(input)
            try writer.finish()
        }
        guard case .io(path: target, let detail)? = failure else {
            Issue.record("expected ArchiveError.io, got \(String(describing: failure))")
            return
        }
        #expect(detail == String(cString: strerror(target == "closed" ? EBADF : ENOSPC)))
        #expect(throws: ArchiveError.io(path: target, detail: "the gzip stream failed earlier and cannot be written")) {
            try writer.write(input)
        }
        #expect(throws: ArchiveError.io(path: target, detail: "the gzip stream failed earlier and cannot be written")) {
            try writer.finish()
        }
    }

    /// A finished stream takes no more input and is not finished twice (which would write a second trailer).
    @Test func writeAfterFinishAndASecondFinishAreRefused() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rrm-pgzip-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("p.gz").path
        let descriptor = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        defer { close(descriptor) }
        let writer = ParallelGzipWriter(descriptor: descriptor, path: file, blockBytes: 1_000, workers: 2)
        try writer.write(Self.sample(count: 5_000))
        try writer.finish()
        let size = writer.compressedBytes
        let refusal = ArchiveError.io(path: file, detail: "the gzip stream was already finished")
        #expect(throws: refusal) { try writer.write([1, 2, 3]) }
        #expect(throws: refusal) { try writer.finish() }
        #expect(writer.compressedBytes == size)
        #expect(try Self.inflateOneMember(Array(try Data(contentsOf: URL(fileURLWithPath: file)))).data == Self.sample(count: 5_000))
    }

    /// What the compressor does after each deflate call: a buffer error with room left is a
    /// failure (growing the buffer would not help, and would grow it forever).
    @Test func aBufferErrorWithRoomLeftIsAFailureNotAReasonToGrow() {
        #expect(ParallelGzipWriter.step(after: Z_BUF_ERROR, availableOut: 10, last: false) == .fail)
        #expect(ParallelGzipWriter.step(after: Z_BUF_ERROR, availableOut: 10, last: true) == .fail)
        #expect(ParallelGzipWriter.step(after: Z_BUF_ERROR, availableOut: 0, last: true) == .grow)
        #expect(ParallelGzipWriter.step(after: Z_OK, availableOut: 0, last: false) == .grow)
        #expect(ParallelGzipWriter.step(after: Z_OK, availableOut: 5, last: false) == .done)
        #expect(ParallelGzipWriter.step(after: Z_OK, availableOut: 5, last: true) == .again)
        #expect(ParallelGzipWriter.step(after: Z_STREAM_END, availableOut: 5, last: true) == .done)
        #expect(ParallelGzipWriter.step(after: Z_STREAM_ERROR, availableOut: 5, last: false) == .fail)
    }
}
