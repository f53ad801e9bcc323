import Foundation
import FuzzSupport
import RRMLedger

/// The RFC 8785 encoder and its ECMAScript number formatting. The first byte picks what the
/// rest is read as:
///
/// - 0: doubles (8 bytes each, any bit pattern): the canonical text parses back to the same
///   double, and is exactly what ECMA-262 Number::toString prints for the shortest round-trip
///   digits found independently (C's correctly rounded `%.*e`).
/// - 1: a string (invalid UTF-8 repaired) and key pairs: strings round-trip byte for byte unless
///   they hold a noncharacter (then the parser refuses them, as I-JSON requires); the object key
///   order agrees with plain UTF-16 order.
/// - 2: a JSON text: an accepted integer literal has exactly the value its canonical form prints
///   (I-JSON: no integer a double would change).
/// - otherwise: a JSON value built from the bytes (numbers, strings, nesting): its canonical form
///   parses to the same value, canonicalizes to itself, and lists members in key order.
@_cdecl("fuzz_canonical_main")
public func fuzzCanonicalMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runLibFuzzer(argc, argv) { fuzzCanonical($0, $1) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCanonical(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = fuzzInput(data, size)
    guard let mode = input.first else { return 0 }
    var bytes = ByteReader(Array(input.dropFirst()))
    switch mode {
    case 0:
        while let bits = bytes.uint64() { checkNumber(Double(bitPattern: bits)) }
    case 1:
        let rest = Array(input.dropFirst())
        checkString(String(decoding: rest, as: UTF8.self))
        let halves = rest.split(separator: 0xFF, maxSplits: 1, omittingEmptySubsequences: false)
        let a = String(decoding: halves[0], as: UTF8.self)
        let b = halves.count > 1 ? String(decoding: halves[1], as: UTF8.self) : ""
        checkKeyOrder(a, b)
        checkKeyOrder(b, a)
    case 2:
        checkNumberLiteral(Array(input.dropFirst()))
    default:
        checkValue(makeValue(&bytes, depth: 0))
    }
    return 0
}

/// The input read as a sequence of small values.
private struct ByteReader {
    let bytes: [UInt8]
    var index = 0

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    mutating func byte() -> UInt8? {
        guard index < bytes.count else { return nil }
        defer { index += 1 }
        return bytes[index]
    }

    mutating func uint64() -> UInt64? {
        guard index + 8 <= bytes.count else { return nil }
        defer { index += 8 }
        return bytes[index..<(index + 8)].reduce(0) { $0 << 8 | UInt64($1) }
    }

    mutating func take(_ count: Int) -> [UInt8] {
        let end = min(bytes.count, index + count)
        defer { index = end }
        return Array(bytes[index..<end])
    }
}

// MARK: - Numbers

private func checkNumber(_ value: Double) {
    guard value.isFinite else { return }
    let text = CanonicalJSON.string(.number(value))
    guard case .number(let parsed)? = try? JSONParser.parse(text) else {
        fuzzCheck(false, "the canonical number \(text) (for \(value.bitPattern)) does not parse as a number")
        return
    }
    fuzzCheck(parsed == value, "the canonical number \(text) parses to \(parsed), not \(value)")
    if value == 0 {
        fuzzCheck(text == "0", "zero prints as \(text)")
        return
    }
    // The shortest digits, found independently: the fewest significant digits whose correctly
    // rounded decimal reads back as the same double. Near a power of two the gap below is half
    // the gap above, where that search and the shortest-digits algorithm may rightly differ.
    guard value.significandBitPattern != 0 || value.isSubnormal else { return }
    let magnitude = abs(value)
    var oracle: (digits: [UInt8], pointPosition: Int)?
    for precision in 1...17 {
        let scientific = String(format: "%.\(precision - 1)e", magnitude)
        if Double(scientific) == magnitude {
            oracle = decimalParts(scientific)
            break
        }
    }
    guard let (digits, pointPosition) = oracle else {
        fuzzCheck(false, "no decimal of at most 17 digits reads back as \(value)")
        return
    }
    let expected = (value < 0 ? "-" : "") + ecmaScriptLayout(digits: digits, n: pointPosition)
    fuzzCheck(text == expected, "\(value) (bits \(value.bitPattern)) prints as \(text), ECMAScript prints \(expected)")
}

/// ECMA-262 Number::toString, steps 6-10, for digits d1…dk and point position n, written anew.
private func ecmaScriptLayout(digits: [UInt8], n: Int) -> String {
    let k = digits.count
    let s = String(decoding: digits.map { $0 + 0x30 }, as: UTF8.self)
    if k <= n && n <= 21 { return s + String(repeating: "0", count: n - k) }
    if 0 < n && n <= 21 { return String(s.prefix(n)) + "." + String(s.dropFirst(n)) }
    if -6 < n && n <= 0 { return "0." + String(repeating: "0", count: -n) + s }
    let e = n - 1
    let exponent = "e" + (e < 0 ? "-" : "+") + String(abs(e))
    return k == 1 ? s + exponent : String(s.prefix(1)) + "." + String(s.dropFirst()) + exponent
}

/// A decimal literal's significant digits (no leading or trailing zeros) and the position of the
/// point: value = 0.d1d2…dk × 10^n. `nil` for a literal of no nonzero digit.
private func decimalParts(_ text: String) -> (digits: [UInt8], pointPosition: Int)? {
    var mantissa = Substring(text)
    var exponent = 0
    if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
        mantissa = text[..<e]
        guard let parsed = Int(text[text.index(after: e)...].drop { $0 == "+" }) else { return nil }
        exponent = parsed
    }
    var digits: [UInt8] = []
    var integerDigits = 0
    var seenPoint = false
    for character in mantissa.utf8 where character != UInt8(ascii: "-") {
        if character == UInt8(ascii: ".") {
            seenPoint = true
        } else {
            digits.append(character - 0x30)
            if !seenPoint { integerDigits += 1 }
        }
    }
    var pointPosition = integerDigits + exponent
    while digits.first == 0 {
        digits.removeFirst()
        pointPosition -= 1
    }
    while digits.last == 0 { digits.removeLast() }
    return digits.isEmpty ? nil : (digits, pointPosition)
}

/// An integer literal the parser accepts must mean exactly the number its canonical form prints.
private func checkNumberLiteral(_ bytes: [UInt8]) {
    guard case .number(let value)? = try? JSONParser.parse(bytes) else { return }
    let text = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    checkNumber(value)
    guard !text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) else { return }
    let canonical = CanonicalJSON.string(.number(value))
    let literal = decimalParts(text)
    let printed = decimalParts(canonical)
    fuzzCheck(
        literal?.digits == printed?.digits && literal?.pointPosition == printed?.pointPosition
            && (value == 0 || text.hasPrefix("-") == canonical.hasPrefix("-")),
        "the integer \(text) was accepted, but its canonical form \(canonical) is another number")
}

// MARK: - Strings and keys

private func isNoncharacter(_ scalar: Unicode.Scalar) -> Bool {
    (0xFDD0...0xFDEF).contains(scalar.value) || scalar.value & 0xFFFE == 0xFFFE
}

private func checkString(_ string: String) {
    let encoded = CanonicalJSON.encode(.string(string))
    let parsed = try? JSONParser.parse(encoded)
    if string.unicodeScalars.contains(where: isNoncharacter) {
        fuzzCheck(parsed == nil, "a string with a noncharacter was accepted: \(String(decoding: encoded, as: UTF8.self))")
        return
    }
    guard case .string(let back)? = parsed else {
        fuzzCheck(false, "the canonical string \(String(decoding: encoded, as: UTF8.self)) does not parse")
        return
    }
    fuzzCheck(Array(back.utf8) == Array(string.utf8), "the string \(String(decoding: encoded, as: UTF8.self)) changes its bytes")
    fuzzCheck(!encoded.contains { $0 < 0x20 }, "the canonical string has an unescaped control character")
}

private func checkKeyOrder(_ a: String, _ b: String) {
    let byUTF16 = a.utf16.lexicographicallyPrecedes(b.utf16)
    fuzzCheck(JSONObject.precedes(a, b) == byUTF16, "key order of \(Array(a.utf8)) and \(Array(b.utf8)) is not UTF-16 order")
}

// MARK: - Values

/// A JSON value from the bytes: each byte picks a type, then the bytes after it fill it in.
/// Noncharacters are dropped from strings (the parser refuses them, by design); depth is capped.
private func makeValue(_ bytes: inout ByteReader, depth: Int) -> JSONValue {
    guard let tag = bytes.byte() else { return .null }
    switch tag % 8 {
    case 0: return .null
    case 1: return .bool(tag & 0x80 != 0)
    case 2:
        let value = Double(bitPattern: bytes.uint64() ?? 0)
        return .number(value.isFinite ? value : 0)
    case 3: return .number(Double(Int64(Int8(bitPattern: bytes.byte() ?? 0))))
    case 4, 5: return .string(makeString(&bytes))
    case 6 where depth < 24:
        var elements: [JSONValue] = []
        for _ in 0..<Int((tag >> 3) % 8) { elements.append(makeValue(&bytes, depth: depth + 1)) }
        return .array(elements)
    case 7 where depth < 24:
        var members: [JSONObject.Member] = []
        for _ in 0..<Int((tag >> 3) % 8) { members.append((makeString(&bytes), makeValue(&bytes, depth: depth + 1))) }
        return .object(JSONObject(members))
    default: return .null
    }
}

private func makeString(_ bytes: inout ByteReader) -> String {
    let length = Int(bytes.byte() ?? 0) % 24
    var scalars = String.UnicodeScalarView()
    for scalar in String(decoding: bytes.take(length), as: UTF8.self).unicodeScalars where !isNoncharacter(scalar) {
        scalars.append(scalar)
    }
    return String(scalars)
}

private func checkValue(_ value: JSONValue) {
    let canonical = CanonicalJSON.encode(value)
    let text = String(decoding: canonical, as: UTF8.self)
    guard let parsed = try? JSONParser.parse(canonical) else {
        fuzzCheck(false, "the canonical form of a value does not parse: \(text)")
        return
    }
    fuzzCheck(parsed == value, "the canonical form parses to another value: \(text)")
    fuzzCheck(CanonicalJSON.encode(parsed) == canonical, "canonicalization is not idempotent: \(text)")
    fuzzCheck((try? JSONParser.parse(value.prettyPrinted())) == value, "the pretty form parses to another value: \(text)")
    checkMemberOrder(value)
}

private func checkMemberOrder(_ value: JSONValue) {
    switch value {
    case .array(let elements):
        for element in elements { checkMemberOrder(element) }
    case .object(let object):
        for (a, b) in zip(object.members, object.members.dropFirst()) {
            fuzzCheck(a.key.utf16.lexicographicallyPrecedes(b.key.utf16), "members out of order: \(a.key) before \(b.key)")
        }
        for member in object.members { checkMemberOrder(member.value) }
    default: break
    }
}
