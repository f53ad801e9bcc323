import Foundation
import Testing

@testable import RRMArchive
@testable import RRMFormat
@testable import RRMStore

/// Bytes handed over in reads of the given sizes (then the rest), as a pipe may hand them over.
private final class ChunkedByteSource: ByteSource {
    let name = "chunks"
    private let bytes: [UInt8]
    private var sizes: [Int]
    private var offset = 0

    init(_ bytes: [UInt8], sizes: [Int]) {
        self.bytes = bytes
        self.sizes = sizes
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(InputError) -> Int {
        let wanted = sizes.isEmpty ? buffer.count : sizes.removeFirst()
        let count = min(wanted, buffer.count, bytes.count - offset)
        bytes.withUnsafeBytes { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[offset..<(offset + count)])) }
        offset += count
        return count
    }
}

private func lines(_ source: ByteSource, bufferSize: Int = 1 << 20) throws -> [[UInt8]] {
    var reader = JSONLReader(source: source, bufferSize: bufferSize)
    var lines: [[UInt8]] = []
    try reader.forEachLine { _, line in
        lines.append(Array(line))
        return true
    }
    return lines
}

@Suite struct JSONLReaderTests {
    @Test func splitsLinesDropsCRBeforeLFSkipsBlankLinesAndALeadingBOM() throws {
        let input = Array("\u{FEFF}a\r\n \t\n\nb\r\rc\n  d  \n\u{FEFF}e".utf8)
        #expect(try lines(MemoryByteSource(bytes: input)) == ["a", "b\r\rc", "  d  ", "\u{FEFF}e"].map { Array($0.utf8) })
    }

    /// Found by Fuzz/ (fuzz-jsonl, input EF 0A EF BB BF): when the first read returned fewer
    /// than three bytes and a whole line, a byte-order mark at the start of the second line was
    /// skipped as if it began the input, so the same bytes made different lines depending on how
    /// a pipe delivered them. Only the input's first three bytes can be a byte-order mark.
    @Test func skipsAByteOrderMarkOnlyAtTheVeryStartWhateverTheReadSizes() throws {
        let fuzzerInput: [UInt8] = [0xEF, 0x0A, 0xEF, 0xBB, 0xBF]
        let expected: [[UInt8]] = [[0xEF], [0xEF, 0xBB, 0xBF]]
        #expect(try lines(MemoryByteSource(bytes: fuzzerInput), bufferSize: 2) == expected)
        #expect(try lines(ChunkedByteSource(fuzzerInput, sizes: [2])) == expected)

        // As a pipeline would meet it: a short first write, then a line that starts with a BOM.
        let input = Array("1\n\u{FEFF}{\"kind\":\"model\"}\n".utf8)
        let whole = try lines(MemoryByteSource(bytes: input))
        #expect(whole == [Array("1".utf8), Array("\u{FEFF}{\"kind\":\"model\"}".utf8)])
        #expect(try lines(ChunkedByteSource(input, sizes: [2])) == whole)
        #expect(try lines(ChunkedByteSource(input, sizes: [1, 1, 1])) == whole)

        // A BOM split across the first reads is still the input's BOM.
        let bom = Array("\u{FEFF}x\ny\n".utf8)
        #expect(try lines(ChunkedByteSource(bom, sizes: [1, 1, 1])) == [Array("x".utf8), Array("y".utf8)])
        #expect(try lines(MemoryByteSource(bytes: bom), bufferSize: 1) == [Array("x".utf8), Array("y".utf8)])
    }

    /// The lines do not depend on how the bytes arrive: random inputs of LF, CR, blanks, BOMs and
    /// pieces of them, read whole and in random short reads through small buffers.
    @Test func splitsTheSameLinesWhateverTheReadSizesAndBufferSize() throws {
        var rng = PropertyRandom(seed: 0x15EAD)
        let tokens: [[UInt8]] = [
            [0x0A], [0x0D], [0x0D, 0x0A], [0x20], [0x09], [0xEF, 0xBB, 0xBF], [0xEF], [0xBB], Array("a".utf8), Array("{}".utf8),
        ]
        for _ in 0..<3000 {
            let input = (0..<rng.int(0...16)).flatMap { _ in rng.pick(tokens) }
            let whole = try lines(MemoryByteSource(bytes: input))
            let sizes = (0..<8).map { _ in rng.int(1...4) }
            #expect(try lines(ChunkedByteSource(input, sizes: sizes), bufferSize: rng.int(1...8)) == whole, "\(input) in reads \(sizes)")
        }
    }
}
