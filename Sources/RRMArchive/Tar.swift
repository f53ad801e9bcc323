import Foundation
import RRMFormat

/// Writes POSIX ustar members (IEEE 1003.1-1988 headers) into a byte sink: regular files only,
/// mode 0644, owned by root, names under 100 bytes.
struct TarWriter {
    static let blockSize = 512

    /// The header block of a regular file member.
    static func header(name: String, size: Int, modified: Int) -> [UInt8] {
        var block = [UInt8](repeating: 0, count: blockSize)
        func put(_ text: String, at offset: Int, width: Int) {
            for (index, byte) in text.utf8.prefix(width).enumerated() { block[offset + index] = byte }
        }
        func octal(_ value: Int, at offset: Int, width: Int) {
            let digits = String(value, radix: 8)
            put(String(repeating: "0", count: max(0, width - 1 - digits.count)) + digits, at: offset, width: width - 1)
        }
        put(name, at: 0, width: 100)
        octal(0o644, at: 100, width: 8)
        octal(0, at: 108, width: 8)
        octal(0, at: 116, width: 8)
        octal(size, at: 124, width: 12)
        octal(modified, at: 136, width: 12)
        put("        ", at: 148, width: 8)  // checksum computed over spaces
        block[156] = UInt8(ascii: "0")
        put("ustar", at: 257, width: 6)
        put("00", at: 263, width: 2)
        put("root", at: 265, width: 32)
        put("root", at: 297, width: 32)
        let checksum = block.reduce(0) { $0 + Int($1) }
        octal(checksum, at: 148, width: 7)
        block[155] = UInt8(ascii: " ")
        return block
    }

    /// Zero bytes that pad a member of `size` bytes to a whole block.
    static func padding(after size: Int) -> [UInt8] {
        [UInt8](repeating: 0, count: (blockSize - size % blockSize) % blockSize)
    }

    /// The end of an archive: two zero blocks.
    static let end = [UInt8](repeating: 0, count: 2 * blockSize)
}

/// Reads ustar members from a stream of bytes, trusting nothing: every header's checksum, magic
/// and type is checked; only regular files are accepted; names must be relative, without "..",
/// and unique; sizes are bounded by the caller.
struct TarReader {
    /// One member's header.
    struct Member {
        let name: String
        let size: Int
    }

    private let read: (UnsafeMutableRawBufferPointer) throws -> Int
    private let path: String
    private var seen = Set<String>()
    private var ended = false

    init(path: String, read: @escaping (UnsafeMutableRawBufferPointer) throws -> Int) {
        self.path = path
        self.read = read
    }

    /// Reads exactly `count` bytes, or fails naming what was being read.
    private func readExactly(_ count: Int, _ what: String) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let got = try bytes.withUnsafeMutableBytes { raw in
                try read(UnsafeMutableRawBufferPointer(rebasing: raw[filled..<count]))
            }
            if got == 0 { throw ArchiveError.malformed(path: path, .tarEndsInside(what)) }
            filled += got
        }
        return bytes
    }

    /// The next member's header, or `nil` at the end of the archive.
    mutating func next() throws -> Member? {
        guard !ended else { return nil }
        let block = try readExactly(TarWriter.blockSize, "a member header")
        if block.allSatisfy({ $0 == 0 }) {
            _ = try readExactly(TarWriter.blockSize, "the end-of-archive marker")
            ended = true
            // Whatever follows the marker inside the gzip stream is refused by the caller's final check.
            return nil
        }
        let stored = Self.octal(block[148..<156])
        var sum = block.reduce(0) { $0 + Int($1) }
        for index in 148..<156 { sum += Int(UInt8(ascii: " ")) - Int(block[index]) }
        guard let stored, stored == sum else {
            throw ArchiveError.malformed(path: path, .tarChecksum)
        }
        guard Array(block[257..<262]) == Array("ustar".utf8) else {
            throw ArchiveError.malformed(path: path, .notUstar)
        }
        let name = Self.string(block[0..<100])
        let prefix = Self.string(block[345..<500])
        let fullName = prefix.isEmpty ? name : prefix + "/" + name
        switch block[156] {
        case UInt8(ascii: "0"), 0: break
        case UInt8(ascii: "1"): throw ArchiveError.malformed(path: path, .refusedMember(name: fullName, .hardLink))
        case UInt8(ascii: "2"): throw ArchiveError.malformed(path: path, .refusedMember(name: fullName, .symbolicLink))
        case UInt8(ascii: "3"), UInt8(ascii: "4"), UInt8(ascii: "6"):
            throw ArchiveError.malformed(path: path, .refusedMember(name: fullName, .deviceOrFIFO))
        case UInt8(ascii: "5"): throw ArchiveError.malformed(path: path, .refusedMember(name: fullName, .directory))
        case UInt8(ascii: "L"), UInt8(ascii: "K"): throw ArchiveError.malformed(path: path, .refusedMember(name: fullName, .gnuLongName))
        case UInt8(ascii: "x"), UInt8(ascii: "g"): throw ArchiveError.malformed(path: path, .refusedMember(name: fullName, .paxHeader))
        default:
            throw ArchiveError.malformed(path: path, .refusedMember(name: fullName, .tarType(Character(Unicode.Scalar(block[156])))))
        }
        if fullName.hasPrefix("/") { throw ArchiveError.malformed(path: path, .refusedMember(name: fullName, .absolutePath)) }
        if fullName.split(separator: "/").contains("..") {
            throw ArchiveError.malformed(path: path, .refusedMember(name: fullName, .climbsOut))
        }
        guard seen.insert(fullName).inserted else { throw ArchiveError.malformed(path: path, .duplicateMember(name: fullName)) }
        guard let size = Self.octal(block[124..<136]) else {
            throw ArchiveError.malformed(path: path, .unreadableSize(name: fullName))
        }
        return Member(name: fullName, size: size)
    }

    /// The contents of the member just returned by `next()`, at most `limit` bytes.
    mutating func contents(of member: Member, limit: Int) throws -> [UInt8] {
        guard member.size <= limit else {
            throw ArchiveError.malformed(path: path, .tooLarge(name: member.name, bytes: member.size, limit: limit))
        }
        let data = try readExactly(member.size, "member \(member.name)")
        _ = try readExactly(TarWriter.padding(after: member.size).count, "the padding of \(member.name)")
        return data
    }

    /// The member's contents in pieces of at most `pieceSize` bytes, for members too large to
    /// hold whole; then its padding is skipped.
    mutating func forEachPiece(of member: Member, limit: Int, pieceSize: Int = 1 << 20, _ body: ([UInt8]) throws -> Bool) throws {
        guard member.size <= limit else {
            throw ArchiveError.malformed(path: path, .tooLarge(name: member.name, bytes: member.size, limit: limit))
        }
        var remaining = member.size
        while remaining > 0 {
            let piece = try readExactly(min(pieceSize, remaining), "member \(member.name)")
            remaining -= piece.count
            guard try body(piece) else { return }
        }
        _ = try readExactly(TarWriter.padding(after: member.size).count, "the padding of \(member.name)")
    }

    private static func string(_ bytes: ArraySlice<UInt8>) -> String {
        String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }

    /// An octal field: digits, optionally surrounded by spaces and ended by NUL or space.
    private static func octal(_ bytes: ArraySlice<UInt8>) -> Int? {
        var value = 0
        var digits = 0
        for byte in bytes {
            if byte == 0 || (byte == 0x20 && digits > 0) { break }
            if byte == 0x20 { continue }
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "7") else { return nil }
            value = value * 8 + Int(byte - UInt8(ascii: "0"))
            digits += 1
            if value > 1 << 40 { return nil }
        }
        return digits > 0 ? value : nil
    }
}
