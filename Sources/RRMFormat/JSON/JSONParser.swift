/// A strict RFC 8259 parser that also enforces I-JSON (RFC 7493), which RFC 8785 requires of
/// anything it canonicalizes: valid UTF-8, no lone surrogates, no duplicate keys, numbers that
/// fit an IEEE-754 double, and integer literals that canonicalization would not change: every
/// integer up to ±2^53, and beyond it those a double holds exactly (`isExact(integerLiteral:value:)`;
/// 9007199254740993 is refused, 100000000000000000000 kept).
///
/// It works on raw bytes so that the error for a bad line can name the exact byte, and so that
/// appends do not pay for Foundation's bridging.
public struct JSONParser {
    /// Deepest nesting accepted; deeper input is refused rather than risking the stack.
    public static let maximumDepth = 256

    private let bytes: UnsafeBufferPointer<UInt8>
    private var position = 0
    private var depth = 0

    private init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// Parses one complete JSON text; only whitespace may surround the value.
    /// - Throws: `JSONParseError` naming the offset of the first problem.
    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws(JSONParseError) -> JSONValue {
        var parser = JSONParser(bytes)
        parser.skipWhitespace()
        let value = try parser.parseValue()
        parser.skipWhitespace()
        if parser.position < bytes.count {
            throw JSONParseError(offset: parser.position, reason: "unexpected \(parser.describeByte()) after the JSON value")
        }
        return value
    }

    /// Parses a JSON text held in a byte array.
    public static func parse(_ bytes: [UInt8]) throws(JSONParseError) -> JSONValue {
        do {
            return try bytes.withUnsafeBufferPointer { buffer in try parse(buffer) }
        } catch let error as JSONParseError {
            throw error
        } catch {
            preconditionFailure("unreachable: parse throws only JSONParseError")
        }
    }

    /// Parses a JSON text held in a string.
    public static func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        try parse(Array(text.utf8))
    }

    // MARK: - Values

    private mutating func parseValue() throws(JSONParseError) -> JSONValue {
        guard position < bytes.count else { throw fail("unexpected end of input, expected a value") }
        switch bytes[position] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw fail("unexpected \(describeByte()), expected a value")
        }
    }

    private mutating func parseObject() throws(JSONParseError) -> JSONValue {
        try enterContainer()
        position += 1  // {
        var members: [JSONObject.Member] = []
        var keyOffsets: [Int] = []
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            position += 1
            depth -= 1
            return .object(JSONObject())
        }
        while true {
            skipWhitespace()
            guard peek() == UInt8(ascii: "\"") else { throw fail("expected a string key, found \(describeByte())") }
            keyOffsets.append(position)
            let key = try parseString()
            skipWhitespace()
            guard peek() == UInt8(ascii: ":") else { throw fail("expected ':' after key \"\(key)\", found \(describeByte())") }
            position += 1
            skipWhitespace()
            members.append((key, try parseValue()))
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "}"):
                position += 1
                depth -= 1
                return .object(try Self.canonicalObject(members, keyOffsets: keyOffsets))
            default: throw fail("expected ',' or '}' in object, found \(describeByte())")
            }
        }
    }

    /// Sorts members into RFC 8785 order and refuses a key that appears twice (I-JSON).
    private static func canonicalObject(_ members: [JSONObject.Member], keyOffsets: [Int]) throws(JSONParseError) -> JSONObject {
        var order = Array(members.indices)
        if !zip(members, members.dropFirst()).allSatisfy({ JSONObject.precedes($0.key, $1.key) }) {
            order.sort { JSONObject.precedes(members[$0].key, members[$1].key) }
            // Report the repeat that comes first in the text.
            let repeats = zip(order, order.dropFirst()).filter { members[$0].key.isByteEqual(to: members[$1].key) }.map { max($0, $1) }
            if let first = repeats.min() {
                throw JSONParseError(offset: keyOffsets[first], reason: "duplicate key \"\(members[first].key)\"")
            }
            return JSONObject(sortedUniqueMembers: order.map { members[$0] })
        }
        return JSONObject(sortedUniqueMembers: members)
    }

    private mutating func parseArray() throws(JSONParseError) -> JSONValue {
        try enterContainer()
        position += 1  // [
        var elements: [JSONValue] = []
        skipWhitespace()
        if peek() == UInt8(ascii: "]") {
            position += 1
            depth -= 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue())
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "]"):
                position += 1
                depth -= 1
                return .array(elements)
            default: throw fail("expected ',' or ']' in array, found \(describeByte())")
            }
        }
    }

    private mutating func enterContainer() throws(JSONParseError) {
        depth += 1
        if depth > Self.maximumDepth {
            throw fail("nesting deeper than \(Self.maximumDepth) levels")
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let count = literal.utf8CodeUnitCount
        let start = literal.utf8Start
        for i in 0..<count {
            guard position + i < bytes.count, bytes[position + i] == start[i] else {
                throw JSONParseError(offset: position, reason: "invalid literal, expected \(literal)")
            }
        }
        position += count
    }

    // MARK: - Numbers

    private mutating func parseNumber() throws(JSONParseError) -> Double {
        let start = position
        var negative = false
        if bytes[position] == UInt8(ascii: "-") {
            negative = true
            position += 1
        }
        guard let first = peek(), isDigit(first) else { throw fail("expected a digit in number") }
        var integerDigits = 0
        var mantissa: UInt64 = 0
        if first == UInt8(ascii: "0") {
            position += 1
            if let next = peek(), isDigit(next) { throw fail("leading zeros are not allowed in numbers") }
            integerDigits = 1
        } else {
            while let digit = peek(), isDigit(digit) {
                if integerDigits < 19 { mantissa = mantissa * 10 + UInt64(digit - UInt8(ascii: "0")) }
                integerDigits += 1
                position += 1
            }
        }
        var isInteger = true
        if peek() == UInt8(ascii: ".") {
            isInteger = false
            position += 1
            guard let digit = peek(), isDigit(digit) else { throw fail("expected a digit after the decimal point") }
            while let digit = peek(), isDigit(digit) { position += 1 }
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            isInteger = false
            position += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { position += 1 }
            guard let digit = peek(), isDigit(digit) else { throw fail("expected a digit in the exponent") }
            while let digit = peek(), isDigit(digit) { position += 1 }
        }
        if isInteger && integerDigits <= 15 {
            // Exact: every integer below 10^15 is a double.
            let value = Double(mantissa)
            return negative ? -value : value
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        guard let value = Double(text), value.isFinite else {
            throw JSONParseError(offset: start, reason: "number \(text) is out of the range of a double")
        }
        if isInteger && !Self.isExact(integerLiteral: text.utf8.drop { $0 == UInt8(ascii: "-") }, value: value) {
            throw JSONParseError(
                offset: start,
                reason:
                    "integer \(text) would become \(ECMAScriptNumber.format(value)): JSON numbers are doubles, exact only to 2^53 (I-JSON); send it as a string"
            )
        }
        return value
    }

    /// Whether an integer literal denotes exactly the number the canonical form of `value` will
    /// print, so canonicalization cannot change it: its digits, without trailing zeros, and its
    /// length must be the shortest round-trip digits of `value` and their decimal point position.
    /// (9007199254740993 fails: it becomes 9007199254740992; 1e20 written out in full passes.)
    static func isExact<Digits: Collection>(integerLiteral digits: Digits, value: Double) -> Bool where Digits.Element == UInt8 {
        let (shortest, pointPosition) = ECMAScriptNumber.shortestDigits(abs(value))
        guard pointPosition == digits.count else { return false }
        var significant = Array(digits.map { $0 - UInt8(ascii: "0") })
        while significant.last == 0 { significant.removeLast() }
        return significant == shortest
    }

    // MARK: - Strings

    /// Parses a string starting at its opening quote, validating UTF-8 and escapes.
    private mutating func parseString() throws(JSONParseError) -> String {
        position += 1  // opening quote
        let start = position
        // Fast path: printable ASCII and valid UTF-8 without escapes, decoded in one go.
        var needsUnescaping = false
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                break
            } else if byte == UInt8(ascii: "\\") {
                needsUnescaping = true
                break
            } else if byte < 0x20 {
                throw fail("control character U+00\(hex2(byte)) must be escaped in a string")
            } else if byte < 0x80 {
                position += 1
            } else {
                try skipUTF8Sequence()
            }
        }
        if !needsUnescaping {
            guard position < bytes.count else { throw JSONParseError(offset: start - 1, reason: "unterminated string") }
            let string = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
            position += 1  // closing quote
            return string
        }
        var scratch = Array(UnsafeBufferPointer(rebasing: bytes[start..<position]))
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                position += 1
                return String(decoding: scratch, as: UTF8.self)
            } else if byte == UInt8(ascii: "\\") {
                try appendEscape(to: &scratch)
            } else if byte < 0x20 {
                throw fail("control character U+00\(hex2(byte)) must be escaped in a string")
            } else if byte < 0x80 {
                scratch.append(byte)
                position += 1
            } else {
                let sequenceStart = position
                try skipUTF8Sequence()
                scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[sequenceStart..<position]))
            }
        }
        throw JSONParseError(offset: start - 1, reason: "unterminated string")
    }

    private mutating func appendEscape(to scratch: inout [UInt8]) throws(JSONParseError) {
        let escapeStart = position
        position += 1  // backslash
        guard let code = peek() else { throw fail("unterminated escape sequence") }
        position += 1
        switch code {
        case UInt8(ascii: "\""): scratch.append(0x22)
        case UInt8(ascii: "\\"): scratch.append(0x5C)
        case UInt8(ascii: "/"): scratch.append(0x2F)
        case UInt8(ascii: "b"): scratch.append(0x08)
        case UInt8(ascii: "f"): scratch.append(0x0C)
        case UInt8(ascii: "n"): scratch.append(0x0A)
        case UInt8(ascii: "r"): scratch.append(0x0D)
        case UInt8(ascii: "t"): scratch.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try parseHex4()
            if (0xDC00...0xDFFF).contains(scalar) {
                throw JSONParseError(offset: escapeStart, reason: "lone low surrogate \\u\(hex4(scalar)) in string")
            }
            if (0xD800...0xDBFF).contains(scalar) {
                guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"),
                    bytes[position + 1] == UInt8(ascii: "u")
                else {
                    throw JSONParseError(offset: escapeStart, reason: "lone high surrogate \\u\(hex4(scalar)) in string")
                }
                position += 2
                let low = try parseHex4()
                guard (0xDC00...0xDFFF).contains(low) else {
                    throw JSONParseError(offset: escapeStart, reason: "high surrogate \\u\(hex4(scalar)) not followed by a low surrogate")
                }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            }
            if Self.isNoncharacter(scalar) {
                throw JSONParseError(
                    offset: escapeStart, reason: "noncharacter U+\(String(scalar, radix: 16, uppercase: true)) is not allowed (I-JSON)")
            }
            appendUTF8(scalar, to: &scratch)
        default:
            throw JSONParseError(offset: escapeStart, reason: "invalid escape sequence \\\(Character(Unicode.Scalar(code)))")
        }
    }

    private mutating func parseHex4() throws(JSONParseError) -> UInt32 {
        guard position + 4 <= bytes.count else { throw fail("truncated \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw fail("invalid hex digit in \\u escape")
            }
            value = value << 4 | UInt32(digit)
            position += 1
        }
        return value
    }

    /// Validates one multi-byte UTF-8 sequence at `position` (RFC 3629: no overlong forms, no
    /// surrogates, nothing above U+10FFFF) and steps over it.
    private mutating func skipUTF8Sequence() throws(JSONParseError) {
        let lead = bytes[position]
        let length: Int
        var lowerBound: UInt8 = 0x80
        var upperBound: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; lowerBound = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; upperBound = 0x9F
        case 0xF0: length = 4; lowerBound = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; upperBound = 0x8F
        default: throw fail("invalid UTF-8 byte 0x\(hex2(lead))")
        }
        guard position + length <= bytes.count else { throw fail("truncated UTF-8 sequence") }
        let second = bytes[position + 1]
        guard second >= lowerBound && second <= upperBound else { throw fail("invalid UTF-8 sequence") }
        for i in 2..<max(length, 2) where (bytes[position + i] & 0xC0) != 0x80 {
            throw fail("invalid UTF-8 sequence")
        }
        // Noncharacters end in EF B7 90…AF (U+FDD0…U+FDEF) or in BF BE / BF BF (U+xFFFE, U+xFFFF).
        if length >= 3 {
            let last = bytes[position + length - 1]
            let beforeLast = bytes[position + length - 2]
            let isFDD0 = length == 3 && lead == 0xEF && second == 0xB7 && (0x90...0xAF).contains(last)
            let isFFFE =
                beforeLast == 0xBF && (last == 0xBE || last == 0xBF)
                && (length == 4 ? (second & 0x0F) == 0x0F : lead == 0xEF && second == 0xBF)
            if isFDD0 || isFFFE { throw fail("noncharacter in string is not allowed (I-JSON)") }
        }
        position += length
    }

    /// Unicode noncharacters: U+FDD0…U+FDEF and the last two code points of every plane.
    static func isNoncharacter(_ scalar: UInt32) -> Bool {
        (0xFDD0...0xFDEF).contains(scalar) || (scalar & 0xFFFE) == 0xFFFE
    }

    // MARK: - Helpers

    private mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    private func peek() -> UInt8? {
        position < bytes.count ? bytes[position] : nil
    }

    private func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    private func fail(_ reason: String) -> JSONParseError {
        JSONParseError(offset: position, reason: reason)
    }

    private func describeByte() -> String {
        guard let byte = peek() else { return "end of input" }
        if byte >= 0x21 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        return "byte 0x\(hex2(byte))"
    }
}

/// Appends the UTF-8 encoding of a Unicode scalar value.
func appendUTF8(_ scalar: UInt32, to out: inout [UInt8]) {
    switch scalar {
    case 0..<0x80:
        out.append(UInt8(scalar))
    case 0x80..<0x800:
        out.append(UInt8(0xC0 | (scalar >> 6)))
        out.append(UInt8(0x80 | (scalar & 0x3F)))
    case 0x800..<0x10000:
        out.append(UInt8(0xE0 | (scalar >> 12)))
        out.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
        out.append(UInt8(0x80 | (scalar & 0x3F)))
    default:
        out.append(UInt8(0xF0 | (scalar >> 18)))
        out.append(UInt8(0x80 | ((scalar >> 12) & 0x3F)))
        out.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
        out.append(UInt8(0x80 | (scalar & 0x3F)))
    }
}
