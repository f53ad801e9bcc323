import Testing

@testable import RRMAnalysis
@testable import RRMArchive
@testable import RRMFormat
@testable import RRMSimulation
@testable import RRMStore

/// The error a JSON text is refused with, or `nil` when it parses.
private func refusal(_ bytes: [UInt8]) -> JSONParseError? {
    do {
        _ = try JSONParser.parse(bytes)
        return nil
    } catch {
        return error
    }
}

private func refusal(_ text: String) -> JSONParseError? {
    refusal(Array(text.utf8))
}

/// A JSON string literal holding `content` between its quotes, as raw bytes.
private func quoted(_ content: [UInt8]) -> [UInt8] {
    [0x22] + content + [0x22]
}

/// How many arrays or objects are nested at the start of `value`, following first elements.
private func nestingDepth(of value: JSONValue) -> Int {
    var depth = 0
    var current = value
    while true {
        switch current {
        case .array(let elements):
            depth += 1
            guard let first = elements.first else { return depth }
            current = first
        case .object(let object):
            depth += 1
            guard let first = object.members.first else { return depth }
            current = first.value
        default:
            return depth
        }
    }
}

@Suite struct JSONParserTests {
    // MARK: - Values and structure

    @Test func parsesEveryKindOfValue() throws {
        #expect(try JSONParser.parse("null") == .null)
        #expect(try JSONParser.parse("true") == .bool(true))
        #expect(try JSONParser.parse("false") == .bool(false))
        #expect(try JSONParser.parse("0") == .number(0))
        #expect(try JSONParser.parse(#""""#) == .string(""))
        #expect(try JSONParser.parse(#""abc""#) == .string("abc"))
        #expect(try JSONParser.parse("[]") == .array([]))
        #expect(try JSONParser.parse("{}") == .object(JSONObject()))
        let nested = try JSONParser.parse(#"{"b":[1,"x",null,true,{"d":false}],"a":{},"c":[]}"#)
        let expected: JSONValue = ["a": [:], "b": [1, "x", .null, true, ["d": false]], "c": []]
        #expect(nested == expected)
    }

    @Test func allowsOnlyTheFourJSONWhitespaceCharactersAroundTokens() throws {
        let text = " \t\r\n{ \t\r\n\"a\" \t\r\n: \t\r\n[ \t\r\n1 \t\r\n, \t\r\n2 \t\r\n] \t\r\n} \t\r\n"
        #expect(try JSONParser.parse(text) == ["a": [1, 2]])
        // Vertical tab, form feed, NBSP and a byte order mark are not JSON whitespace.
        #expect(refusal([0x0B, 0x31]) == JSONParseError(offset: 0, reason: "unexpected byte 0x0b, expected a value"))
        #expect(refusal([0x0C, 0x31]) == JSONParseError(offset: 0, reason: "unexpected byte 0x0c, expected a value"))
        #expect(refusal([0x31, 0xC2, 0xA0]) == JSONParseError(offset: 1, reason: "unexpected byte 0xc2 after the JSON value"))
        #expect(refusal([0xEF, 0xBB, 0xBF, 0x31]) == JSONParseError(offset: 0, reason: "unexpected byte 0xef, expected a value"))
    }

    @Test func sortsObjectMembersIntoCanonicalOrder() throws {
        let value = try JSONParser.parse(#"{"b":1,"a":2,"aa":3,"B":4,"":5}"#)
        let object = try #require(value.objectValue)
        #expect(object.keys == ["", "B", "a", "aa", "b"])
        #expect(object["aa"] == .number(3))
    }

    @Test func acceptsTheSameTextThroughEveryEntryPoint() throws {
        let text = #"{"k":["v",1.5,null]}"#
        let bytes = Array(text.utf8)
        let fromString = try JSONParser.parse(text)
        let fromArray = try JSONParser.parse(bytes)
        let fromBuffer = try bytes.withUnsafeBufferPointer { buffer in try JSONParser.parse(buffer) }
        #expect(fromString == ["k": ["v", 1.5, .null]])
        #expect(fromArray == fromString)
        #expect(fromBuffer == fromString)
    }

    @Test(arguments: [
        ("", 0, "unexpected end of input, expected a value"),
        ("   ", 3, "unexpected end of input, expected a value"),
        ("[", 1, "unexpected end of input, expected a value"),
        ("[1", 2, "expected ',' or ']' in array, found end of input"),
        ("[1,]", 3, "unexpected ']', expected a value"),
        ("[,1]", 1, "unexpected ',', expected a value"),
        ("[1 2]", 3, "expected ',' or ']' in array, found '2'"),
        ("[1;2]", 2, "expected ',' or ']' in array, found ';'"),
        ("{", 1, "expected a string key, found end of input"),
        ("{,}", 1, "expected a string key, found ','"),
        (#"{"a":1,}"#, 7, "expected a string key, found '}'"),
        ("{a:1}", 1, "expected a string key, found 'a'"),
        ("{1:1}", 1, "expected a string key, found '1'"),
        (#"{"a" 1}"#, 5, #"expected ':' after key "a", found '1'"#),
        (#"{"a"}"#, 4, #"expected ':' after key "a", found '}'"#),
        (#"{"a":}"#, 5, "unexpected '}', expected a value"),
        (#"{"a":1"#, 6, "expected ',' or '}' in object, found end of input"),
        (#"{"a":1 "b":2}"#, 7, #"expected ',' or '}' in object, found '"'"#),
        (#"{"a":1]"#, 6, "expected ',' or '}' in object, found ']'"),
        ("[1}", 2, "expected ',' or ']' in array, found '}'"),
        ("tru", 0, "invalid literal, expected true"),
        ("trUe", 0, "invalid literal, expected true"),
        ("fals", 0, "invalid literal, expected false"),
        ("nul", 0, "invalid literal, expected null"),
        ("[nulL]", 1, "invalid literal, expected null"),
        ("True", 0, "unexpected 'T', expected a value"),
        ("'a'", 0, "unexpected ''', expected a value"),
        ("undefined", 0, "unexpected 'u', expected a value"),
    ])
    func refusesMalformedStructureAtTheExactByte(text: String, offset: Int, reason: String) {
        #expect(refusal(text) == JSONParseError(offset: offset, reason: reason))
    }

    @Test(arguments: [
        ("truex", 4, "unexpected 'x' after the JSON value"),
        ("falsey", 5, "unexpected 'y' after the JSON value"),
        ("nulll", 4, "unexpected 'l' after the JSON value"),
        ("1 2", 2, "unexpected '2' after the JSON value"),
        ("[1]]", 3, "unexpected ']' after the JSON value"),
        ("{} {}", 3, "unexpected '{' after the JSON value"),
        (#""a""b""#, 3, #"unexpected '"' after the JSON value"#),
        ("0x10", 1, "unexpected 'x' after the JSON value"),
        ("1_000", 1, "unexpected '_' after the JSON value"),
        ("[1]\n,", 4, "unexpected ',' after the JSON value"),
        ("1\u{0}", 1, "unexpected byte 0x00 after the JSON value"),
        ("null \u{7F}", 5, "unexpected byte 0x7f after the JSON value"),
    ])
    func refusesTrailingGarbage(text: String, offset: Int, reason: String) {
        #expect(refusal(text) == JSONParseError(offset: offset, reason: reason))
    }

    @Test func errorDescriptionCountsBytesFromOne() {
        let error = JSONParseError(offset: 7, reason: #"duplicate key "a""#)
        #expect(error.description == #"byte 8: duplicate key "a""#)
    }

    // MARK: - Numbers

    @Test(arguments: [
        ("0", 0.0),
        ("-0", -0.0),
        ("1", 1.0),
        ("-1", -1.0),
        ("10", 10.0),
        ("123456789012345", 123_456_789_012_345.0),
        ("-999999999999999", -999_999_999_999_999.0),
        ("1234567890123456", 1_234_567_890_123_456.0),
        ("9007199254740991", 9_007_199_254_740_991.0),
        ("9007199254740992", 9_007_199_254_740_992.0),
        ("-9007199254740992", -9_007_199_254_740_992.0),
        ("1.5", 1.5),
        ("-0.5", -0.5),
        ("0.1", 0.1),
        ("1.0", 1.0),
        ("-0.0", -0.0),
        ("1e2", 100.0),
        ("1E2", 100.0),
        ("1e+2", 100.0),
        ("1E-2", 0.01),
        ("0e0", 0.0),
        ("123.456e-7", 123.456e-7),
        ("1e16", 1e16),
        ("9007199254740993.0", 9_007_199_254_740_992.0),
        ("3.141592653589793238462643383279", 3.141592653589793),
        ("1e308", 1e308),
        ("1.7976931348623157e308", 1.7976931348623157e308),
        ("5e-324", Double.leastNonzeroMagnitude),
        ("4e-324", Double.leastNonzeroMagnitude),
        ("1e-400", 0.0),
    ])
    func parsesNumbers(text: String, expected: Double) throws {
        let value = try #require(try JSONParser.parse(text).numberValue)
        #expect(value == expected)
        #expect(value.sign == expected.sign)
    }

    @Test(arguments: [
        // 2^53 + 1 is the first integer a double cannot hold; it would round to 2^53.
        ("9007199254740993", "9007199254740992"), ("-9007199254740993", "-9007199254740992"),
        ("9007199254740995", "9007199254740996"), ("18446744073709551615", "18446744073709552000"),
        // 2^64 is a double, but its canonical form prints its shortest digits.
        ("18446744073709551616", "18446744073709552000"), ("-12345678901234567890123", "-1.2345678901234568e+22"),
    ])
    func refusesIntegersCanonicalizationWouldChange(literal: String, canonical: String) {
        #expect(
            refusal("[0, \(literal)]")
                == JSONParseError(
                    offset: 4,
                    reason:
                        "integer \(literal) would become \(canonical): JSON numbers are doubles, exact only to 2^53 (I-JSON); send it as a string"
                ))
    }

    /// Beyond 2^53 an integer whose canonical form prints the same digits is kept: canonical
    /// bodies such as the form of 1e20 must parse back.
    @Test(arguments: [
        ("9007199254740994", 9_007_199_254_740_994.0), ("100000000000000000000", 1e20),
        ("295147905179352830000", 295_147_905_179_352_830_000.0),
    ])
    func keepsIntegersThatSurviveCanonicalization(literal: String, expected: Double) throws {
        #expect(try JSONParser.parse(literal) == .number(expected))
        #expect(CanonicalJSON.string(.number(expected)) == literal)
    }

    @Test(arguments: ["1e400", "-1e400", "1.8e308", "1E+309", "1234567890e300"])
    func refusesNumbersOutOfTheRangeOfADouble(literal: String) {
        #expect(refusal(literal) == JSONParseError(offset: 0, reason: "number \(literal) is out of the range of a double"))
        #expect(refusal(#"{"x": \#(literal)}"#) == JSONParseError(offset: 6, reason: "number \(literal) is out of the range of a double"))
    }

    @Test(arguments: [
        ("01", 1, "leading zeros are not allowed in numbers"),
        ("00", 1, "leading zeros are not allowed in numbers"),
        ("-01", 2, "leading zeros are not allowed in numbers"),
        ("[0012]", 2, "leading zeros are not allowed in numbers"),
        ("-", 1, "expected a digit in number"),
        ("-a", 1, "expected a digit in number"),
        ("-Infinity", 1, "expected a digit in number"),
        ("- 1", 1, "expected a digit in number"),
        ("+1", 0, "unexpected '+', expected a value"),
        (".5", 0, "unexpected '.', expected a value"),
        ("Infinity", 0, "unexpected 'I', expected a value"),
        ("NaN", 0, "unexpected 'N', expected a value"),
        ("1.", 2, "expected a digit after the decimal point"),
        ("1.e3", 2, "expected a digit after the decimal point"),
        ("[1.]", 3, "expected a digit after the decimal point"),
        ("1e", 2, "expected a digit in the exponent"),
        ("1e+", 3, "expected a digit in the exponent"),
        ("1E-x", 3, "expected a digit in the exponent"),
        ("1.5e", 4, "expected a digit in the exponent"),
        ("1ee2", 2, "expected a digit in the exponent"),
        ("1.5.2", 3, "unexpected '.' after the JSON value"),
        ("1e5.2", 3, "unexpected '.' after the JSON value"),
    ])
    func refusesMalformedNumbersAtTheExactByte(text: String, offset: Int, reason: String) {
        #expect(refusal(text) == JSONParseError(offset: offset, reason: reason))
    }

    // MARK: - Strings and escapes

    @Test func decodesEveryEscape() throws {
        #expect(try JSONParser.parse(#""\"\\\/\b\f\n\r\t""#) == .string("\"\\/\u{8}\u{C}\n\r\t"))
        #expect(try JSONParser.parse(#""\u0041\u00e9\u00E9\u20AC\u20ac""#) == .string("Aéé€€"))
        #expect(try JSONParser.parse(#""\u0000\u001F\u007f""#) == .string("\u{0}\u{1F}\u{7F}"))
        #expect(try JSONParser.parse(#""\ud83d\ude00\uD83D\uDE00""#) == .string("😀😀"))
        #expect(try JSONParser.parse(#""\uD800\uDC00\uDBFF\uDFFD""#) == .string("\u{10000}\u{10FFFD}"))
        #expect(try JSONParser.parse(#""\uFFFD\u0800\u07FF""#) == .string("\u{FFFD}\u{800}\u{7FF}"))
        // Raw text before, between and after escapes, raw multi-byte UTF-8 after an escape.
        #expect(try JSONParser.parse(#""ab\ncd\u00e9é€😀\"z""#) == .string("ab\ncdéé€😀\"z"))
        // An escaped solidus and an escaped key.
        #expect(try JSONParser.parse(#"{"a\/b":"\u0061"}"#) == ["a/b": "a"])
    }

    @Test func acceptsRawUTF8AtEveryLengthBoundary() throws {
        let cases: [([UInt8], String)] = [
            ([0x7F], "\u{7F}"),
            ([0xC2, 0x80], "\u{80}"),
            ([0xDF, 0xBF], "\u{7FF}"),
            ([0xE0, 0xA0, 0x80], "\u{800}"),
            ([0xED, 0x9F, 0xBF], "\u{D7FF}"),
            ([0xEE, 0x80, 0x80], "\u{E000}"),
            ([0xEF, 0xBF, 0xBD], "\u{FFFD}"),
            ([0xF0, 0x90, 0x80, 0x80], "\u{10000}"),
            ([0xF3, 0xBF, 0xBF, 0xBD], "\u{FFFFD}"),
            ([0xF4, 0x8F, 0xBF, 0xBD], "\u{10FFFD}"),
        ]
        for (bytes, expected) in cases {
            #expect(try JSONParser.parse(quoted(bytes)) == .string(expected))
            // The same bytes after an escape, where the slow path copies them.
            #expect(try JSONParser.parse(quoted([0x5C, 0x6E] + bytes)) == .string("\n" + expected))
            // And as a key.
            #expect(try JSONParser.parse([0x7B] + quoted(bytes) + Array(":0}".utf8)) == .object([expected: 0]))
        }
    }

    /// Invalid UTF-8 of every kind, placed after two ASCII bytes of a string: the error names the
    /// offset of the sequence's first byte (3).
    @Test(
        arguments: [
            ([0x80], "invalid UTF-8 byte 0x80"),  // lone continuation byte
            ([0xBF], "invalid UTF-8 byte 0xbf"),
            ([0xC0, 0x80], "invalid UTF-8 byte 0xc0"),  // overlong NUL
            ([0xC1, 0xBF], "invalid UTF-8 byte 0xc1"),  // overlong U+007F
            ([0xE0, 0x80, 0x80], "invalid UTF-8 sequence"),  // overlong 3-byte
            ([0xE0, 0x9F, 0xBF], "invalid UTF-8 sequence"),  // overlong U+07FF
            ([0xF0, 0x80, 0x80, 0x80], "invalid UTF-8 sequence"),  // overlong 4-byte
            ([0xF0, 0x8F, 0xBF, 0xBF], "invalid UTF-8 sequence"),  // overlong U+FFFF
            ([0xED, 0xA0, 0x80], "invalid UTF-8 sequence"),  // U+D800 encoded in UTF-8
            ([0xED, 0xBF, 0xBF], "invalid UTF-8 sequence"),  // U+DFFF encoded in UTF-8
            ([0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80], "invalid UTF-8 sequence"),  // CESU-8 surrogate pair
            ([0xF4, 0x90, 0x80, 0x80], "invalid UTF-8 sequence"),  // U+110000
            ([0xF5, 0x80, 0x80, 0x80], "invalid UTF-8 byte 0xf5"),
            ([0xF7, 0xBF, 0xBF, 0xBF], "invalid UTF-8 byte 0xf7"),  // U+1FFFFF
            ([0xF8, 0x88, 0x80, 0x80, 0x80], "invalid UTF-8 byte 0xf8"),  // 5-byte form
            ([0xFC, 0x84, 0x80, 0x80, 0x80, 0x80], "invalid UTF-8 byte 0xfc"),  // 6-byte form
            ([0xFE], "invalid UTF-8 byte 0xfe"),
            ([0xFF], "invalid UTF-8 byte 0xff"),
            ([0xC3, 0x41], "invalid UTF-8 sequence"),  // lead byte without its continuation
            ([0xC3, 0xC3, 0xA9], "invalid UTF-8 sequence"),
            ([0xE2, 0x82], "invalid UTF-8 sequence"),  // truncated by the closing quote
            ([0xE2, 0x82, 0x41], "invalid UTF-8 sequence"),
            ([0xF0, 0x9F, 0x98], "invalid UTF-8 sequence"),  // truncated by the closing quote
            ([0xF0, 0x9F, 0x41, 0x80], "invalid UTF-8 sequence"),
            ([0xF0, 0x9F, 0x98, 0x41], "invalid UTF-8 sequence"),
        ] as [([UInt8], String)])
    func refusesInvalidUTF8InStrings(sequence: [UInt8], reason: String) {
        let prefix = Array("ab".utf8)
        #expect(refusal(quoted(prefix + sequence + Array("cd".utf8))) == JSONParseError(offset: 3, reason: reason))
        // After an escape the slow path validates the same way.
        #expect(refusal(quoted(Array(#"\n"#.utf8) + sequence)) == JSONParseError(offset: 3, reason: reason))
        // In a key.
        #expect(refusal(Array(#"{"a":1,"#.utf8) + quoted(sequence) + Array(":2}".utf8)) == JSONParseError(offset: 8, reason: reason))
    }

    @Test func refusesUTF8TruncatedByTheEndOfInput() {
        #expect(refusal([0x22, 0xC3]) == JSONParseError(offset: 1, reason: "truncated UTF-8 sequence"))
        #expect(refusal([0x22, 0x61, 0xE2, 0x82]) == JSONParseError(offset: 2, reason: "truncated UTF-8 sequence"))
        #expect(refusal([0x22, 0xF0, 0x9F, 0x98]) == JSONParseError(offset: 1, reason: "truncated UTF-8 sequence"))
        #expect(refusal([0x22, 0x5C, 0x74, 0xF0, 0x9F]) == JSONParseError(offset: 3, reason: "truncated UTF-8 sequence"))
    }

    @Test func refusesNonASCIIBytesOutsideStrings() {
        #expect(refusal([0xC3, 0xA9]) == JSONParseError(offset: 0, reason: "unexpected byte 0xc3, expected a value"))
        #expect(
            refusal([0x5B, 0x31, 0x2C, 0xE2, 0x82, 0xAC, 0x5D])
                == JSONParseError(offset: 3, reason: "unexpected byte 0xe2, expected a value"))
    }

    /// I-JSON (RFC 7493 section 2.1) forbids noncharacters as well as surrogates in strings.
    @Test func refusesUnicodeNoncharacters() throws {
        #expect(refusal(#""\uFFFF""#) != nil)
        #expect(refusal(#""\uFDD0""#) != nil)
        #expect(refusal(#""\uFDEF""#) != nil)
        #expect(refusal(#""\uD83F\uDFFE""#) != nil)  // U+1FFFE
        #expect(refusal(quoted([0xEF, 0xBF, 0xBE])) != nil)  // U+FFFE raw
        #expect(refusal(quoted([0xEF, 0xB7, 0x90])) != nil)  // U+FDD0 raw
        #expect(refusal(quoted([0xF4, 0x8F, 0xBF, 0xBF])) != nil)  // U+10FFFF raw
        #expect(refusal(quoted([0xF0, 0x9F, 0xBF, 0xBE])) != nil)  // U+1FFFE raw
        // Their neighbours are ordinary characters.
        #expect(try JSONParser.parse(#""\uFFFD\uFDCF\uFDF0""#) == .string("\u{FFFD}\u{FDCF}\u{FDF0}"))
        #expect(try JSONParser.parse(quoted([0xF0, 0x9F, 0xBF, 0xBD])) == .string("\u{1FFFD}"))
    }

    @Test(arguments: [
        (#""\uD800""#, 1, #"lone high surrogate \ud800 in string"#),
        (#""\uDBFF""#, 1, #"lone high surrogate \udbff in string"#),
        (#""ab\ud83dcd""#, 3, #"lone high surrogate \ud83d in string"#),
        (#""\uD800\n""#, 1, #"lone high surrogate \ud800 in string"#),
        (#""\uD800\"#, 1, #"lone high surrogate \ud800 in string"#),
        (#""\uDC00""#, 1, #"lone low surrogate \udc00 in string"#),
        (#""a\uDFFFb""#, 2, #"lone low surrogate \udfff in string"#),
        (#""\uDE00\uD83D""#, 1, #"lone low surrogate \ude00 in string"#),
        (#""\uD800\u0041""#, 1, #"high surrogate \ud800 not followed by a low surrogate"#),
        (#""\uD83D\uD83D""#, 1, #"high surrogate \ud83d not followed by a low surrogate"#),
        (#""x\uD83D\uE000""#, 2, #"high surrogate \ud83d not followed by a low surrogate"#),
        (#"{"\uDC00":1}"#, 2, #"lone low surrogate \udc00 in string"#),
        (#"["ok","\uD800"]"#, 7, #"lone high surrogate \ud800 in string"#),
    ])
    func refusesLoneSurrogateEscapes(text: String, offset: Int, reason: String) {
        #expect(refusal(text) == JSONParseError(offset: offset, reason: reason))
    }

    @Test(arguments: [
        (#""\x41""#, 1, #"invalid escape sequence \x"#),
        (#""ab\U0041""#, 3, #"invalid escape sequence \U"#),
        (#""\'""#, 1, #"invalid escape sequence \'"#),
        (#""\a""#, 1, #"invalid escape sequence \a"#),
        (#""\0""#, 1, #"invalid escape sequence \0"#),
        (#""\ ""#, 1, #"invalid escape sequence \ "#),
        (#""\"#, 2, "unterminated escape sequence"),
        (#""\u12"#, 3, #"truncated \u escape"#),
        (#""\u12G4""#, 5, #"invalid hex digit in \u escape"#),
        (#""\u""#, 3, #"truncated \u escape"#),
        (#""\u-123""#, 3, #"invalid hex digit in \u escape"#),
        (#""\uD800\u12""#, 9, #"truncated \u escape"#),
        (#""\uD800\uZZZZ""#, 9, #"invalid hex digit in \u escape"#),
    ])
    func refusesInvalidEscapes(text: String, offset: Int, reason: String) {
        #expect(refusal(text) == JSONParseError(offset: offset, reason: reason))
    }

    @Test func refusesRawControlCharactersInStrings() throws {
        for byte in UInt8(0)..<0x20 {
            let expected = JSONParseError(offset: 3, reason: "control character U+00\(Hex.encode([byte])) must be escaped in a string")
            #expect(refusal(quoted(Array("ab".utf8) + [byte])) == expected)
            // After an escape (slow path).
            #expect(refusal(quoted(Array(#"\t"#.utf8) + [byte])) == expected)
        }
        #expect(refusal("\"tab\there\"") == JSONParseError(offset: 4, reason: "control character U+0009 must be escaped in a string"))
        #expect(refusal("{\"a\nb\":1}") == JSONParseError(offset: 3, reason: "control character U+000a must be escaped in a string"))
        // DEL and the C1 controls are not JSON control characters.
        #expect(try JSONParser.parse(quoted([0x7F, 0xC2, 0x80, 0xC2, 0x9F])) == .string("\u{7F}\u{80}\u{9F}"))
    }

    @Test func refusesUnterminatedStringsAtTheirOpeningQuote() {
        #expect(refusal(#""abc"#) == JSONParseError(offset: 0, reason: "unterminated string"))
        #expect(refusal(#"["abc"#) == JSONParseError(offset: 1, reason: "unterminated string"))
        #expect(refusal(#"["ok","a\nb"#) == JSONParseError(offset: 6, reason: "unterminated string"))
        #expect(refusal(#"""#) == JSONParseError(offset: 0, reason: "unterminated string"))
        #expect(refusal(#"{"key"#) == JSONParseError(offset: 1, reason: "unterminated string"))
        #expect(refusal(#""a\""#) == JSONParseError(offset: 0, reason: "unterminated string"))
    }

    // MARK: - Duplicate keys

    @Test(arguments: [
        (#"{"a":1,"a":2}"#, 7, "a"),
        (#"{"a":1,"b":2,"a":3}"#, 13, "a"),
        (#"{"b":1,"a":2,"b":3}"#, 13, "b"),
        (#"{"a":1,"a":2,"a":3}"#, 7, "a"),
        (#"{ "a" : 1 ,"# + "\n" + #"  "a" : 2 }"#, 14, "a"),
        (#"{"a":1,"\u0061":2}"#, 7, "a"),
        (#"{"\u00e9":1,"é":2}"#, 12, "é"),
        (#"{"😀":1,"\ud83d\ude00":2}"#, 10, "😀"),
        (#"{"x":{"k":1,"k":2}}"#, 12, "k"),
        (#"[0,{"z":{},"y":[],"z":null}]"#, 18, "z"),
        (#"{"":1,"":2}"#, 6, ""),
    ])
    func refusesDuplicateKeysAtTheLaterKey(text: String, offset: Int, key: String) {
        #expect(refusal(text) == JSONParseError(offset: offset, reason: "duplicate key \"\(key)\""))
    }

    /// With two pairs of duplicates, the repeat that comes first in the text is reported.
    @Test func reportsTheFirstDuplicateInDocumentOrder() {
        #expect(refusal(#"{"b":1,"a":1,"b":2,"a":2}"#) == JSONParseError(offset: 13, reason: "duplicate key \"b\""))
    }

    /// Keys are compared as code units (RFC 8259 section 8.3, RFC 8785): "é" precomposed and
    /// "e" + U+0301 are different keys, though Swift's `String ==` calls them equal. In either
    /// order both members are kept, and a real repeat of either spelling is still found.
    @Test func keepsCanonicallyEquivalentKeysApart() throws {
        let expected = Array("{\"e\u{301}\":1,\"\u{E9}\":2}".utf8)
        let sorted = try #require(try JSONParser.parse(#"{"e\u0301":1,"\u00e9":2}"#).objectValue)
        #expect(sorted.count == 2)
        #expect(CanonicalJSON.encode(.object(sorted)) == expected)
        let unsorted = try #require(try JSONParser.parse(#"{"\u00e9":2,"e\u0301":1}"#).objectValue)
        #expect(unsorted.count == 2)
        #expect(CanonicalJSON.encode(.object(unsorted)) == expected)
        #expect(refusal(#"{"\u00e9":2,"e\u0301":1,"é":3}"#) == JSONParseError(offset: 24, reason: "duplicate key \"\u{E9}\""))
    }

    // MARK: - Nesting depth

    @Test func acceptsNestingOf256Levels() throws {
        let maximum = JSONParser.maximumDepth
        #expect(maximum == 256)
        let arrays = String(repeating: "[", count: maximum) + String(repeating: "]", count: maximum)
        #expect(nestingDepth(of: try JSONParser.parse(arrays)) == 256)
        let objects = String(repeating: #"{"a":"#, count: maximum - 1) + "{}" + String(repeating: "}", count: maximum - 1)
        #expect(nestingDepth(of: try JSONParser.parse(objects)) == 256)
        let mixed = String(repeating: #"[{"k":"#, count: maximum / 2) + "0" + String(repeating: "}]", count: maximum / 2)
        #expect(nestingDepth(of: try JSONParser.parse(mixed)) == 256)
        // Depth is per path, not a count of containers: two siblings each 255 deep inside an array.
        let branch = String(repeating: "[", count: maximum - 1) + String(repeating: "]", count: maximum - 1)
        let siblings = try JSONParser.parse("[" + branch + "," + branch + "]")
        #expect(siblings.arrayValue?.count == 2)
    }

    @Test func refusesNestingOf257LevelsAtTheContainerTooDeep() {
        let reason = "nesting deeper than 256 levels"
        let arrays = String(repeating: "[", count: 257) + String(repeating: "]", count: 257)
        #expect(refusal(arrays) == JSONParseError(offset: 256, reason: reason))
        let objects = String(repeating: #"{"a":"#, count: 256) + "{}" + String(repeating: "}", count: 256)
        #expect(refusal(objects) == JSONParseError(offset: 256 * 5, reason: reason))
        let emptyInnermost = String(repeating: "[", count: 256) + "{}" + String(repeating: "]", count: 256)
        #expect(refusal(emptyInnermost) == JSONParseError(offset: 256, reason: reason))
    }

    @Test func refusesVeryDeepInputWithoutExhaustingTheStack() {
        let reason = "nesting deeper than 256 levels"
        let open = [UInt8](repeating: UInt8(ascii: "["), count: 100_000)
        #expect(refusal(open) == JSONParseError(offset: 256, reason: reason))
        let closed = open + [UInt8](repeating: UInt8(ascii: "]"), count: 100_000)
        #expect(refusal(closed) == JSONParseError(offset: 256, reason: reason))
        let objects = Array(String(repeating: #"{"":"#, count: 100_000).utf8)
        #expect(refusal(objects) == JSONParseError(offset: 256 * 4, reason: reason))
    }

    /// Counts, sizes and sequence numbers are read through `wholeNumberValue`, which must never
    /// hand a number to `Int64(_:)` that would trap.
    @Test func wholeNumberValueAcceptsOnlyWholeNumbersBelow10To15() throws {
        let whole: [(String, Int64)] = [("0", 0), ("-0", 0), ("7", 7), ("1e3", 1_000), ("999999999999999", 999_999_999_999_999)]
        for (text, expected) in whole {
            #expect(try JSONParser.parse(text).wholeNumberValue == expected, "\(text)")
        }
        for text in ["-1", "0.5", "1e15", "1e19", "1e300", "\"7\"", "true", "null", "[7]"] {
            #expect(try JSONParser.parse(text).wholeNumberValue == nil, "\(text)")
        }
    }
}
