/// Wraps fuzzer input into the outer layers of an archive, so that mutations reach the tar,
/// manifest and entries readers instead of stopping at a gzip checksum: a gzip stream of stored
/// (uncompressed) deflate blocks, and ustar members whose header checksums are right.
public enum ArchiveWrapping {
    /// A gzip stream (RFC 1952) holding `bytes` in stored deflate blocks (RFC 1951 section 3.2.4).
    public static func gzipStored(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x1F, 0x8B, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xFF]
        var offset = 0
        repeat {
            let count = min(0xFFFF, bytes.count - offset)
            let last = offset + count == bytes.count
            out.append(last ? 0x01 : 0x00)
            out.append(contentsOf: littleEndian16(UInt16(count)))
            out.append(contentsOf: littleEndian16(~UInt16(count)))
            out.append(contentsOf: bytes[offset..<(offset + count)])
            offset += count
        } while offset < bytes.count
        out.append(contentsOf: littleEndian32(crc32(bytes)))
        out.append(contentsOf: littleEndian32(UInt32(truncatingIfNeeded: bytes.count)))
        return out
    }

    /// A ustar archive of regular-file members, with the two zero blocks that end it.
    public static func tar(_ members: [(name: [UInt8], contents: [UInt8])]) -> [UInt8] {
        var out: [UInt8] = []
        for member in members {
            out.append(contentsOf: tarHeader(name: member.name, size: member.contents.count))
            out.append(contentsOf: member.contents)
            out.append(contentsOf: [UInt8](repeating: 0, count: (512 - member.contents.count % 512) % 512))
        }
        out.append(contentsOf: [UInt8](repeating: 0, count: 1024))
        return out
    }

    /// Splits input of the form `name LF contents` NUL `name LF contents` … into members.
    public static func members(_ bytes: [UInt8]) -> [(name: [UInt8], contents: [UInt8])] {
        bytes.split(separator: 0, omittingEmptySubsequences: false).map { part in
            guard let newline = part.firstIndex(of: 0x0A) else { return (Array(part), []) }
            return (Array(part[..<newline]), Array(part[(newline + 1)...]))
        }
    }

    /// The inverse of `members`, for making seeds.
    public static func joinMembers(_ members: [(name: [UInt8], contents: [UInt8])]) -> [UInt8] {
        var out: [UInt8] = []
        for (index, member) in members.enumerated() {
            if index > 0 { out.append(0) }
            out.append(contentsOf: member.name)
            out.append(0x0A)
            out.append(contentsOf: member.contents)
        }
        return out
    }

    private static func tarHeader(name: [UInt8], size: Int) -> [UInt8] {
        var block = [UInt8](repeating: 0, count: 512)
        func put(_ bytes: [UInt8], at offset: Int, width: Int) {
            for (index, byte) in bytes.prefix(width).enumerated() { block[offset + index] = byte }
        }
        func octal(_ value: Int, at offset: Int, width: Int) {
            let digits = Array(String(value, radix: 8).utf8)
            put([UInt8](repeating: UInt8(ascii: "0"), count: max(0, width - 1 - digits.count)) + digits, at: offset, width: width - 1)
        }
        put(name, at: 0, width: 100)
        if name.count > 100 { put(Array(name.dropFirst(100)), at: 345, width: 155) }
        octal(0o644, at: 100, width: 8)
        octal(0, at: 108, width: 8)
        octal(0, at: 116, width: 8)
        octal(size, at: 124, width: 12)
        octal(0, at: 136, width: 12)
        put(Array("        ".utf8), at: 148, width: 8)
        block[156] = UInt8(ascii: "0")
        put(Array("ustar".utf8), at: 257, width: 6)
        put(Array("00".utf8), at: 263, width: 2)
        octal(block.reduce(0) { $0 + Int($1) }, at: 148, width: 7)
        block[155] = UInt8(ascii: " ")
        return block
    }

    /// CRC-32 (ISO-HDLC, as gzip's trailer).
    public static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = crcTable[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return ~crc
    }

    private static let crcTable: [UInt32] = (0..<256).map { index in
        var crc = UInt32(index)
        for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        return crc
    }

    private static func littleEndian16(_ value: UInt16) -> [UInt8] {
        [UInt8(value & 0xFF), UInt8(value >> 8)]
    }

    private static func littleEndian32(_ value: UInt32) -> [UInt8] {
        [UInt8(value & 0xFF), UInt8((value >> 8) & 0xFF), UInt8((value >> 16) & 0xFF), UInt8(value >> 24)]
    }
}
