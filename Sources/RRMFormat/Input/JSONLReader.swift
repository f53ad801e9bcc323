import Foundation

/// Splits a byte stream into JSON Lines without holding more than one buffer and the longest
/// line in memory. Lines end with LF (a CR before it is dropped); blank lines are skipped; a
/// UTF-8 byte-order mark at the very start is skipped.
public struct JSONLReader {
    /// Longest line accepted, so one hostile line cannot exhaust memory.
    public static let maximumLineBytes = 16 * 1024 * 1024

    private let source: ByteSource
    private var buffer: [UInt8]
    private var start = 0  // first unconsumed byte
    private var end = 0  // one past the last valid byte
    private var atEnd = false
    private var lineNumber = 0
    private var checkedBOM = false

    public init(source: ByteSource, bufferSize: Int = 1 << 20) {
        self.source = source
        self.buffer = [UInt8](repeating: 0, count: bufferSize)
    }

    /// Calls `body` with each non-blank line and its 1-based line number, until the input ends or
    /// `body` returns `false`.
    /// - Parameter beforeReading: called before each read of the source, which may block until
    ///   a producer writes more: a streaming consumer hands on what it holds so far.
    /// - Throws: `InputError.lineTooLong` for an over-long line, or whatever the source or `body` throws.
    public mutating func forEachLine(
        beforeReading: () throws -> Void = {}, _ body: (Int, UnsafeBufferPointer<UInt8>) throws -> Bool
    ) throws {
        while true {
            guard let (lineStart, lineEnd) = try nextLineRange(beforeReading: beforeReading) else { return }
            lineNumber += 1
            var contentEnd = lineEnd
            if contentEnd > lineStart && buffer[contentEnd - 1] == 0x0D { contentEnd -= 1 }
            let keepGoing = try buffer.withUnsafeBufferPointer { all -> Bool in
                let line = UnsafeBufferPointer(rebasing: all[lineStart..<contentEnd])
                if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return true }
                return try body(lineNumber, line)
            }
            if !keepGoing { return }
        }
    }

    /// The byte range of the next line in `buffer` (without its LF), refilling as needed.
    private mutating func nextLineRange(beforeReading: () throws -> Void) throws -> (Int, Int)? {
        var searchFrom = start
        while true {
            if let newline = Self.indexOfNewline(in: buffer, from: searchFrom, to: end) {
                try checkLength(newline - start)
                let range = (start, newline)
                start = newline + 1
                return range
            }
            if atEnd {
                guard start < end else { return nil }
                try checkLength(end - start)
                let range = (start, end)
                start = end
                return range
            }
            try checkLength(end - start)
            searchFrom = end - start
            try beforeReading()
            try refill()
        }
    }

    private func checkLength(_ length: Int) throws {
        if length > Self.maximumLineBytes {
            throw InputError.lineTooLong(line: lineNumber + 1, limit: Self.maximumLineBytes)
        }
    }

    /// Moves the unconsumed tail to the front and reads more bytes after it.
    private mutating func refill() throws {
        if start > 0 {
            let remaining = end - start
            buffer.withUnsafeMutableBytes { raw in
                if remaining > 0 { raw.baseAddress!.copyMemory(from: raw.baseAddress! + start, byteCount: remaining) }
            }
            start = 0
            end = remaining
        }
        if end == buffer.count {
            buffer.append(contentsOf: [UInt8](repeating: 0, count: buffer.count))
        }
        let free = buffer.count - end
        let count = try buffer.withUnsafeMutableBytes { raw in
            try source.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[end..<(end + free)]))
        }
        if count == 0 { atEnd = true }
        end += count
        if !checkedBOM && (end >= 3 || atEnd) {
            // Only the input's first bytes can be a BOM: after a short first read that held a
            // whole line, the buffer starts with a later line.
            if lineNumber == 0 && end >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF { start = 3 }
            checkedBOM = true
        }
    }

    private static func indexOfNewline(in buffer: [UInt8], from: Int, to: Int) -> Int? {
        guard from < to else { return nil }
        return buffer.withUnsafeBytes { raw -> Int? in
            guard let found = memchr(raw.baseAddress! + from, 0x0A, to - from) else { return nil }
            return raw.baseAddress!.distance(to: UnsafeRawPointer(found))
        }
    }
}
