import Foundation

/// Walks the top-level members of a JSON object without building any values: for checks that
/// need two or three fields of a million bodies (verify compares the id, kind and time columns
/// with each hashed body), a full parse would cost more than the hashing.
///
/// It checks structure only as far as it needs to find member boundaries; `JSONParser` is the
/// validator. Every index is bounds-checked, so hostile bytes yield `false`, never a trap.
package enum JSONMemberScanner {
    /// Calls `visit` with each top-level member's raw key (the bytes between its quotes) and raw
    /// value (the value's bytes as written, quotes included for strings).
    /// - Returns: `false` when the bytes are not an object whose members could be delimited.
    package static func forEachMember(
        _ bytes: UnsafeRawBufferPointer, _ visit: (_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) -> Void
    ) -> Bool {
        var index = skipWhitespace(bytes, 0)
        guard index < bytes.count, bytes[index] == UInt8(ascii: "{") else { return false }
        index = skipWhitespace(bytes, index + 1)
        if index < bytes.count && bytes[index] == UInt8(ascii: "}") { return true }
        while index < bytes.count {
            guard bytes[index] == UInt8(ascii: "\""), let keyEnd = endOfString(bytes, index) else { return false }
            let key = UnsafeRawBufferPointer(rebasing: bytes[(index + 1)..<(keyEnd - 1)])
            index = skipWhitespace(bytes, keyEnd)
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return false }
            let valueStart = skipWhitespace(bytes, index + 1)
            guard let valueEnd = endOfValue(bytes, valueStart) else { return false }
            visit(key, UnsafeRawBufferPointer(rebasing: bytes[valueStart..<valueEnd]))
            index = skipWhitespace(bytes, valueEnd)
            guard index < bytes.count else { return false }
            if bytes[index] == UInt8(ascii: "}") { return true }
            guard bytes[index] == UInt8(ascii: ",") else { return false }
            index = skipWhitespace(bytes, index + 1)
        }
        return false
    }

    /// The unescaped UTF-8 of a raw string value, handed to `body`; `nil` if it is not a string.
    package static func withStringContent<T>(_ raw: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> T) -> T? {
        guard raw.count >= 2, raw.first == UInt8(ascii: "\""), raw.last == UInt8(ascii: "\"") else { return nil }
        let inner = UnsafeRawBufferPointer(rebasing: raw[1..<(raw.count - 1)])
        if memchr(inner.baseAddress ?? raw.baseAddress!, Int32(UInt8(ascii: "\\")), inner.count) == nil { return body(inner) }
        guard case .string(let text)? = try? JSONParser.parse(Array(raw)) else { return nil }
        return Array(text.utf8).withUnsafeBytes(body)
    }

    private static func skipWhitespace(_ bytes: UnsafeRawBufferPointer, _ start: Int) -> Int {
        var index = start
        while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09 {
            index += 1
        }
        return index
    }

    /// One past the closing quote of the string starting at `start`.
    private static func endOfString(_ bytes: UnsafeRawBufferPointer, _ start: Int) -> Int? {
        var index = start + 1
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\\"): index += 2
            case UInt8(ascii: "\""): return index + 1
            default: index += 1
            }
        }
        return nil
    }

    /// One past the end of the value starting at `start`.
    private static func endOfValue(_ bytes: UnsafeRawBufferPointer, _ start: Int) -> Int? {
        guard start < bytes.count else { return nil }
        switch bytes[start] {
        case UInt8(ascii: "\""):
            return endOfString(bytes, start)
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            var index = start
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: "\""):
                    guard let end = endOfString(bytes, index) else { return nil }
                    index = end
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 { return index + 1 }
                default: break
                }
                index += 1
            }
            return nil
        default:
            var index = start
            while index < bytes.count,
                ![UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x0A, 0x0D, 0x09].contains(bytes[index])
            {
                index += 1
            }
            return index > start ? index : nil
        }
    }
}
