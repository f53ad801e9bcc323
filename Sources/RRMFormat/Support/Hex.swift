import Foundation

/// Lowercase hexadecimal, the form every hash takes in the ledger's text output and formats.
public enum Hex {
    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Lowercase hex of the bytes.
    public static func encode<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The bytes of a hex string (either case), or `nil` if it is not hex of whole bytes.
    public static func decode(_ text: String) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count / 2)
        var index = 0
        while index < utf8.count {
            guard let high = value(of: utf8[index]), let low = value(of: utf8[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }

    /// Whether the text is exactly `length` bytes of lowercase hex (as SHA-256 digests are written).
    public static func isLowercaseDigest(_ text: String, byteCount: Int = 32) -> Bool {
        text.utf8.count == byteCount * 2
            && text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }

    private static func value(of digit: UInt8) -> UInt8? {
        switch digit {
        case 0x30...0x39: return digit - 0x30
        case 0x61...0x66: return digit - 0x61 + 10
        case 0x41...0x46: return digit - 0x41 + 10
        default: return nil
        }
    }
}

package func hex2(_ byte: UInt8) -> String { Hex.encode([byte]) }

func hex4(_ value: UInt32) -> String { Hex.encode([UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]) }

/// Byte-for-byte equality through `memcmp`: the generic `elementsEqual` is several times slower
/// on the paths that compare every entry's hash.
@inline(__always)
package func bytesEqual(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
    guard a.count == b.count else { return false }
    guard let x = a.baseAddress, let y = b.baseAddress else { return true }
    return memcmp(x, y, a.count) == 0
}

/// Whether the bytes are exactly the ASCII text `text`.
@inline(__always)
package func bytesEqual(_ a: UnsafeRawBufferPointer, _ text: StaticString) -> Bool {
    bytesEqual(a, UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
}
