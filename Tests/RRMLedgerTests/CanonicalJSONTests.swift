import Foundation
import Testing

@testable import RRMAnalysis
@testable import RRMArchive
@testable import RRMFormat
@testable import RRMSimulation
@testable import RRMStore

private func canonical(_ text: String) throws -> [UInt8] {
    CanonicalJSON.encode(try JSONParser.parse(text))
}

private func bytes(_ text: String) -> [UInt8] {
    Array(text.utf8)
}

/// A random finite double: raw bit patterns (every exponent), magnitudes around the layout
/// boundaries, short decimals, and small integers, in turn.
private func randomDouble(_ rng: inout SimulationRandom) -> Double {
    while true {
        let value: Double
        switch rng.next() % 4 {
        case 0:
            value = Double(bitPattern: rng.next())
        case 1:
            // Binary exponents from 2^-40 to 2^90 cover 1e-6 and 1e21 and everything between.
            let exponent = UInt64(1023 - 40) + rng.next() % 131
            value = Double(bitPattern: (rng.next() & (1 << 63)) | (exponent << 52) | (rng.next() & ((1 << 52) - 1)))
        case 2:
            let scale = [1.0, 10, 100, 1e3, 1e6, 1e7, 1e9, 1e15, 1e20, 1e-3, 1e-6, 1e-7][Int(rng.next() % 12)]
            value = Double(Int64(bitPattern: rng.next()) % 1_000_000) / scale
        default:
            value = Double(Int64(bitPattern: rng.next()) % (1 << 53))
        }
        if value.isFinite { return value }
    }
}

/// The significant digits of an ECMAScript number string, after checking it has exactly the
/// layout ECMA-262 Number::toString gives `value`: plain digits for 1e-6 ≤ |x| < 1e21, otherwise
/// one digit, an optional fraction and a signed exponent; no leading or trailing zeros anywhere.
private func significantDigits(of text: String, for value: Double) -> String? {
    var rest = Substring(text)
    if value < 0 {
        guard rest.first == "-" else { return nil }
        rest = rest.dropFirst()
    }
    let magnitude = abs(value)
    let isDigit: (Character) -> Bool = { $0 >= "0" && $0 <= "9" }
    if magnitude >= 1e-6 && magnitude < 1e21 {
        guard !rest.contains("e") else { return nil }
        let parts = rest.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let integer = parts.first, !integer.isEmpty, integer.allSatisfy(isDigit) else { return nil }
        guard integer == "0" || integer.first != "0" else { return nil }
        var digits = String(integer)
        if parts.count == 2 {
            let fraction = parts[1]
            guard !fraction.isEmpty, fraction.allSatisfy(isDigit), fraction.last != "0" else { return nil }
            digits += fraction
        } else {
            guard integer != "0" else { return nil }
        }
        digits = String(digits.drop { $0 == "0" })
        while digits.last == "0" { digits.removeLast() }
        return digits
    }
    let halves = rest.split(separator: "e", omittingEmptySubsequences: false)
    guard halves.count == 2 else { return nil }
    let (mantissa, exponent) = (halves[0], halves[1])
    let expectedSign: Character = magnitude >= 1e21 ? "+" : "-"
    guard exponent.first == expectedSign, exponent.count >= 2, exponent.dropFirst().allSatisfy(isDigit),
        exponent.dropFirst().first != "0"
    else { return nil }
    guard let lead = mantissa.first, lead >= "1" && lead <= "9" else { return nil }
    if mantissa.count == 1 { return String(lead) }
    guard mantissa.dropFirst().first == ".", mantissa.count >= 3 else { return nil }
    let fraction = mantissa.dropFirst(2)
    guard fraction.allSatisfy(isDigit), fraction.last != "0" else { return nil }
    return String(lead) + fraction
}

/// A random JSON value, nested up to `depth` levels, with keys and strings chosen to exercise
/// escaping and key order, and numbers whose canonical form the parser can read back.
private func randomValue(_ rng: inout SimulationRandom, depth: Int) -> JSONValue {
    let keyPool = [
        "", "a", "A", "b", "aa", "1", "10", "\r", "\"", "\\", "\u{0}", "\u{7F}", "\u{80}", "é", "ö", "€",
        "\u{2028}", "\u{D7FF}", "\u{E000}", "\u{FB33}", "\u{FFFD}", "\u{10000}", "😀", "\u{10FFFD}", "id", "kind",
    ]
    let choice = rng.next() % (depth > 0 ? 8 : 5)
    switch choice {
    case 0: return .null
    case 1: return .bool(rng.next() % 2 == 0)
    case 2:
        return .number(randomDouble(&rng))
    case 3, 4: return .string(randomString(&rng))
    case 5:
        return .array((0..<Int(rng.next() % 5)).map { _ in randomValue(&rng, depth: depth - 1) })
    default:
        var object = JSONObject()
        for _ in 0..<Int(rng.next() % 6) {
            let key = rng.next() % 3 == 0 ? randomString(&rng) : keyPool[Int(rng.next() % UInt64(keyPool.count))]
            object[key] = randomValue(&rng, depth: depth - 1)
        }
        return .object(object)
    }
}

/// A random string of up to 12 scalars: controls, quote, backslash, ASCII, Latin-1, BMP on both
/// sides of the surrogates, and astral characters.
private func randomString(_ rng: inout SimulationRandom) -> String {
    let ranges: [ClosedRange<UInt32>] = [
        0x00...0x1F, 0x20...0x7F, 0x22...0x22, 0x5C...0x5C, 0x80...0x7FF, 0x800...0xD7FF, 0xE000...0xFFFD,
        0x10000...0x10FFFD, 0x2028...0x2029,
    ]
    var text = ""
    for _ in 0..<Int(rng.next() % 13) {
        let range = ranges[Int(rng.next() % UInt64(ranges.count))]
        let scalar = range.lowerBound + UInt32(rng.next() % UInt64(range.upperBound - range.lowerBound + 1))
        // Noncharacters are not I-JSON: the parser refuses them.
        if JSONParser.isNoncharacter(scalar) { continue }
        text.unicodeScalars.append(Unicode.Scalar(scalar)!)
    }
    return text
}

/// A valid but non-canonical JSON text for `value`: members in reverse order, whitespace between
/// tokens, every string character escaped as \uXXXX (surrogate pairs for astral ones) where a
/// coin says so, and numbers as Swift prints them ("1e-05", "3.0").
private func noncanonicalText(_ value: JSONValue, _ rng: inout SimulationRandom) -> String {
    let space = [" ", "\n", "\t", "\r\n  ", ""]
    func pad() -> String { space[Int(rng.next() % UInt64(space.count))] }
    func string(_ s: String) -> String {
        var out = "\""
        for unit in s.utf16 {
            let scalar = Unicode.Scalar(unit)
            let mustEscape = unit < 0x20 || unit == 0x22 || unit == 0x5C || scalar == nil
            if mustEscape || rng.next() % 3 == 0 {
                let hex = String(unit, radix: 16)
                let padded = String(repeating: "0", count: 4 - hex.count) + hex
                out += "\\u" + (rng.next() % 2 == 0 ? padded : padded.uppercased())
            } else {
                out.unicodeScalars.append(scalar!)
            }
        }
        return out + "\""
    }
    switch value {
    case .null: return "null"
    case .bool(let b): return b ? "true" : "false"
    case .number(let n): return n.description
    case .string(let s): return string(s)
    case .array(let elements):
        return "[" + pad() + elements.map { noncanonicalText($0, &rng) }.joined(separator: pad() + "," + pad()) + pad() + "]"
    case .object(let object):
        let members = object.members.reversed().map { string($0.key) + pad() + ":" + pad() + noncanonicalText($0.value, &rng) }
        return "{" + pad() + members.joined(separator: "," + pad()) + pad() + "}"
    }
}

@Suite struct CanonicalJSONTests {
    // MARK: - RFC 8785 examples

    /// RFC 8785 section 3.2.3: properties sorted by UTF-16 code units.
    @Test func sortsPropertiesAsInRFC8785Section3_2_3() throws {
        let input = #"""
            {
              "\u20ac": "Euro Sign",
              "\r": "Carriage Return",
              "\ufb33": "Hebrew Letter Dalet With Dagesh",
              "1": "One",
              "\ud83d\ude00": "Emoji: Grinning Face",
              "\u0080": "Control",
              "\u00f6": "Latin Small Letter O With Diaeresis"
            }
            """#
        let value = try JSONParser.parse(input)
        let object = try #require(value.objectValue)
        #expect(object.keys.map { $0.unicodeScalars.map(\.value) } == [[0x0D], [0x31], [0x80], [0xF6], [0x20AC], [0x1F600], [0xFB33]])
        #expect(
            object.members.map { $0.value.stringValue } == [
                "Carriage Return", "One", "Control", "Latin Small Letter O With Diaeresis", "Euro Sign",
                "Emoji: Grinning Face", "Hebrew Letter Dalet With Dagesh",
            ])
        let expected =
            #"{"\r":"Carriage Return","1":"One","\#u{80}":"Control","ö":"Latin Small Letter O With Diaeresis","#
            + #""€":"Euro Sign","😀":"Emoji: Grinning Face","\#u{FB33}":"Hebrew Letter Dalet With Dagesh"}"#
        #expect(CanonicalJSON.encode(value) == bytes(expected))
    }

    /// RFC 8785 section 3.2.2: literals, numbers and strings in one object.
    @Test func serializesPrimitivesAsInRFC8785Section3_2_2() throws {
        let input = #"""
            {
              "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
              "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
              "literals": [null, true, false]
            }
            """#
        let expected =
            #"{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}"#
        #expect(try canonical(input) == bytes(expected))
        #expect(CanonicalJSON.string(try JSONParser.parse(input)) == expected)
    }

    /// RFC 8785 section 3.2.4: UTF-8 output, no Unicode normalization.
    @Test func generatesUTF8WithoutNormalizingAsInRFC8785Section3_2_4() throws {
        let expected: [UInt8] = [
            0x7B, 0x22, 0x55, 0x6E, 0x6E, 0x6F, 0x72, 0x6D, 0x61, 0x6C, 0x69, 0x7A, 0x65, 0x64, 0x20, 0x55, 0x6E, 0x69,
            0x63, 0x6F, 0x64, 0x65, 0x22, 0x3A, 0x22, 0x41, 0xCC, 0x8A, 0x22, 0x7D,
        ]
        #expect(try canonical(#"{"Unnormalized Unicode":"A\u030a"}"#) == expected)
        let value: JSONValue = ["Unnormalized Unicode": "A\u{30A}"]
        #expect(CanonicalJSON.encode(value) == expected)
    }

    /// The test data of the RFC's reference implementation (cyberphone/json-canonicalization).
    @Test(arguments: [
        (#"[56, {"d": true, "10": null, "1": [ ]}]"#, #"[56,{"1":[],"10":null,"d":true}]"#),
        (
            #"{"1": {"f": {"f": "hi","F": 5} ,"\n": 56.0}, "10": { }, "": "empty", "a": { }, "111": [ { } ], "A": { }}"#,
            #"{"":"empty","1":{"\n":56,"f":{"F":5,"f":"hi"}},"10":{},"111":[{}],"A":{},"a":{}}"#
        ),
        (
            #"{"peach": "This sorting order", "péché": "is wrong according to French", "pêche": "but canonicalization MUST", "sin": "ignore locale"}"#,
            #"{"peach":"This sorting order","péché":"is wrong according to French","pêche":"but canonicalization MUST","sin":"ignore locale"}"#
        ),
        (#"{"Unnormalized Unicode":"\u1e0d\u0307"}"#, "{\"Unnormalized Unicode\":\"\u{1E0D}\u{307}\"}"),
        (
            #"{"\u20ac": "Euro Sign", "1": "One", "\u0080": "Control\u007f", "\ud83d\ude02": "Smiley", "\u00f6": "Latin Small Letter O With Diaeresis", "\ufb33": "Hebrew Letter Dalet With Dagesh", "</script>": "Browser Challenge"}"#,
            "{\"1\":\"One\",\"</script>\":\"Browser Challenge\",\"\u{80}\":\"Control\u{7F}\",\"ö\":\"Latin Small Letter O With Diaeresis\",\"€\":\"Euro Sign\",\"😂\":\"Smiley\",\"\u{FB33}\":\"Hebrew Letter Dalet With Dagesh\"}"
        ),
    ])
    func matchesTheReferenceImplementationsTestData(input: String, expected: String) throws {
        #expect(try canonical(input) == bytes(expected))
    }

    // MARK: - Numbers

    /// RFC 8785 Appendix B: IEEE-754 bit patterns and their canonical text.
    @Test(
        arguments: [
            (0x0000_0000_0000_0000, "0"),
            (0x8000_0000_0000_0000, "0"),
            (0x0000_0000_0000_0001, "5e-324"),
            (0x8000_0000_0000_0001, "-5e-324"),
            (0x7FEF_FFFF_FFFF_FFFF, "1.7976931348623157e+308"),
            (0xFFEF_FFFF_FFFF_FFFF, "-1.7976931348623157e+308"),
            (0x4340_0000_0000_0000, "9007199254740992"),
            (0xC340_0000_0000_0000, "-9007199254740992"),
            (0x4430_0000_0000_0000, "295147905179352830000"),
            (0x44B5_2D02_C7E1_4AF5, "9.999999999999997e+22"),
            (0x44B5_2D02_C7E1_4AF6, "1e+23"),
            (0x44B5_2D02_C7E1_4AF7, "1.0000000000000001e+23"),
            (0x444B_1AE4_D6E2_EF4E, "999999999999999700000"),
            (0x444B_1AE4_D6E2_EF4F, "999999999999999900000"),
            (0x444B_1AE4_D6E2_EF50, "1e+21"),
            (0x3EB0_C6F7_A0B5_ED8C, "9.999999999999997e-7"),
            (0x3EB0_C6F7_A0B5_ED8D, "0.000001"),
            (0x41B3_DE43_5555_5553, "333333333.3333332"),
            (0x41B3_DE43_5555_5554, "333333333.33333325"),
            (0x41B3_DE43_5555_5555, "333333333.3333333"),
            (0x41B3_DE43_5555_5556, "333333333.3333334"),
            (0x41B3_DE43_5555_5557, "333333333.33333343"),
            (0xBECB_F647_612F_3696, "-0.0000033333333333333333"),
            (0x4314_3FF3_C1CB_0959, "1424953923781206.2"),
        ] as [(UInt64, String)])
    func formatsTheNumbersOfRFC8785AppendixB(bits: UInt64, expected: String) {
        let value = Double(bitPattern: bits)
        #expect(ECMAScriptNumber.format(value) == expected)
        #expect(CanonicalJSON.encode(.number(value)) == bytes(expected))
    }

    @Test(arguments: [
        (0.0, "0"),
        (-0.0, "0"),
        (1.0, "1"),
        (-1.0, "-1"),
        (100.0, "100"),
        (1.5, "1.5"),
        (-1.5, "-1.5"),
        (0.1, "0.1"),
        (4.5, "4.5"),
        (0.002, "0.002"),
        (1e-6, "0.000001"),
        (0.000001, "0.000001"),
        (1.5e-6, "0.0000015"),
        (1e-7, "1e-7"),
        (-1e-7, "-1e-7"),
        (1.25e-7, "1.25e-7"),
        (1e-27, "1e-27"),
        (123e-20, "1.23e-18"),
        (1e15, "1000000000000000"),
        (1e16, "10000000000000000"),
        (1e20, "100000000000000000000"),
        (123456789012345680000, "123456789012345680000"),
        (1e21, "1e+21"),
        (-1e21, "-1e+21"),
        (1.5e21, "1.5e+21"),
        (1e30, "1e+30"),
        (1e100, "1e+100"),
        (9007199254740991, "9007199254740991"),
        (-9007199254740991, "-9007199254740991"),
        (9007199254740994, "9007199254740994"),
        (295147905179352830000, "295147905179352830000"),
        (333333333.3333333, "333333333.3333333"),
        (333333333.33333329, "333333333.3333333"),
        (1.7976931348623157e308, "1.7976931348623157e+308"),
        (2.2250738585072014e-308, "2.2250738585072014e-308"),
        (0.30000000000000004, "0.30000000000000004"),
        (123.456, "123.456"),
        (1234567.125, "1234567.125"),
    ])
    func formatsNumbersAsECMAScriptDoes(value: Double, expected: String) {
        #expect(ECMAScriptNumber.format(value) == expected)
    }

    /// Random doubles from a seeded SplitMix64, formatted by V8 (`String(x)` in Node.js): the
    /// first fifty from raw bit patterns, the other fifty with magnitudes from 2^-30 to 2^80.
    @Test(
        arguments: [
            (0x2cb0f01163f35aaf, "2.03000667066582e-93"),
            (0xfed5520ef296891c, "-9.138057097570946e+302"),
            (0x71b0a4ea8e5bc648, "4.335304405272412e+239"),
            (0xd87905fe5dfdab9c, "-1.577556252348669e+118"),
            (0x582b87d0bdabd04e, "5.423790348269972e+116"),
            (0xba22eb64f2afba53, "-1.193988885627558e-28"),
            (0x7dd55da6977bcb22, "1.3973183288118767e+298"),
            (0xeb0a21d8f5ae0a5f, "-4.194916129612945e+207"),
            (0x740dd9b7cc1e6aad, "1.0686055975656278e+251"),
            (0xcd2edca0ca3b0dda, "-6.3479099223027665e+63"),
            (0x219e72202b9298ff, "9.524223166113663e-147"),
            (0xc41a751f6cedd56a, "-122013732477976870000"),
            (0x64cb96fe2bff5218, "3.493785718760216e+177"),
            (0xf924c86990134546, "-3.5977532804553556e+275"),
            (0x0893d8d8acb120c3, "2.4043625693735485e-267"),
            (0x3f646dd9e6d26c21, "0.0024937873736923387"),
            (0x5d93d0964f86f0b4, "6.040703424433307e+142"),
            (0x4778d16660030398, "2.0617961471804833e+36"),
            (0xec93827bb8995c62, "-1.0508664335914e+215"),
            (0x3761251d30ef3a18, "6.150458747086098e-42"),
            (0xd2f4e08b063fbf9f, "-4.252744726033447e+91"),
            (0x26cf58bc1e37cf6f, "9.483802259842734e-122"),
            (0xc15f439a265ccefc, "-8195688.599414583"),
            (0xee6c6fb92954529c, "-8.223216071080156e+223"),
            (0xb005f9256035c349, "-2.372056103366943e-77"),
            (0x7e0dd0c4f48027bf, "1.5599399683741108e+299"),
            (0xf302a970624d475f, "-1.019393030527565e+246"),
            (0x07df6de75fe978b2, "9.295628993023248e-271"),
            (0x6eb06400fe3cf43f, "1.5167454113436412e+225"),
            (0x76ec9977f272f1a4, "7.204509882757877e+264"),
            (0xc4c245d10f8d2ae5, "-1.7258097289446704e+23"),
            (0x30a0f3fe00d2a69e, "1.8740452083738395e-74"),
            (0x8125d2d6c1d4f26a, "-3.977961336724754e-303"),
            (0x23b6a70f7280f5fd, "1.2174177784603569e-136"),
            (0x4d1c766873b11c44, "2.9272015614517715e+63"),
            (0x91d2cd2e5e28caf4, "-8.127097255063732e-223"),
            (0x42e21dd0d83dbf32, "159354137472505.56"),
            (0x8535e0034048c878, "-1.471069325661095e-283"),
            (0xd64405dd95ec812e, "-3.673801746261831e+107"),
            (0xc5ec62824926a846, "-7.0277362098884315e+28"),
            (0x74c2f49a5d574e02, "2.7794646138528715e+254"),
            (0x209b0f02f75c865e, "1.2916003166084784e-151"),
            (0x9350c2c4050db67b, "-1.2155083550858958e-215"),
            (0x68c1722e62b41f2d, "4.075337296665852e+196"),
            (0x7e76c010ceb63c8f, "1.523568475894521e+301"),
            (0x9151436819ff6464, "-2.9149241021124e-225"),
            (0x2bc7e9734944da2c, "8.745925689075949e-98"),
            (0x802ac31a427bccb4, "-7.443461545870624e-308"),
            (0x03cb54538c457f42, "2.190908738320426e-290"),
            (0x4335d9dad23384b4, "6150508363613364"),
            (0x41b541c2a1668294, "356631201.40042996"),
            (0xbf819f36b8538952, "-0.008604457378571215"),
            (0xc1a33c2efb9bef4c, "-161355645.80456007"),
            (0xbe8afda5f7484593, "-2.010972327692036e-7"),
            (0xc409688b80e566bc, "-58587732295900690000"),
            (0x3f96f83f65bf64ee, "0.02243136461752198"),
            (0x411c202af3a2246f, "460810.73792321136"),
            (0xc1afcf8c0f980927, "-266847751.79694483"),
            (0xc460f3cd6480adf5, "-2.501725707237057e+21"),
            (0x4392bc1fc652629e, "337497231237621600"),
            (0xc0875d661b2a7f09, "-747.6748565025347"),
            (0x3fb0928a8c9bcdfd, "0.06473604138209761"),
            (0x427b63b2806e0aa8, "1882188154592.666"),
            (0x429cd9147d2076f8, "7929669306397.742"),
            (0x44185bdc18fd1d0e, "112335262699187570000"),
            (0x437ba5d6d2185f4a, "124514663001355420"),
            (0xc48ff74e203b92ff, "-1.886941704002525e+22"),
            (0xc1c61e6345d9c407, "-742180491.7012948"),
            (0xbe2b4489afdf44e7, "-3.174381090432673e-9"),
            (0x431c40a9431392f7, "1988098766726333.8"),
            (0x40bb8c15cb783590, "7052.085135949208"),
            (0x405802ffe013b48d, "96.04686738895744"),
            (0xc18df18f5b99f572, "-62796267.45017518"),
            (0xbf8966d7d32df58d, "-0.012403188831508394"),
            (0x43f0f0a2233337bf, "19530460337348014000"),
            (0xbf87b35f9b474e5f, "-0.011572596479630435"),
            (0x43362a11319d6b4a, "6238702822845258"),
            (0x43172d51ec79727a, "1630938586832030.5"),
            (0xc087ba42546c3912, "-759.2823875861088"),
            (0xc36427646a3a34de, "-45382494133004020"),
            (0x3f3d07ba2bac9a57, "0.0004429654615471282"),
            (0xbe8fae1d749853ee, "-2.360354137009993e-7"),
            (0x43907869fd955393, "296703759916262600"),
            (0xc1cfcb44a0cb9682, "-1066830145.5905306"),
            (0x43f5908df4bf53f1, "24862367260228915000"),
            (0x41df9008a73445c5, "2118132380.8167584"),
            (0x4057dc18093dceb5, "95.43896704707988"),
            (0x441807d5dd7cb64f, "110821614656259600000"),
            (0xbf0c76407f7e9c83, "-0.00005428680736879138"),
            (0x445115ba90f263bf, "1.260641489777028e+21"),
            (0x43bb3dde00fd2d9d, "1962969108432395500"),
            (0xc04ad311010d9f62, "-53.64895642438093"),
            (0x41992099b6f72af5, "105391725.7413748"),
            (0xc3eda79752426755, "-17094743422142163000"),
            (0x405b3818f8e4bb18, "108.87652418457981"),
            (0xbe4fc24857c3992f, "-1.4788897877539457e-8"),
            (0x42724f906f8e8130, "1258308434152.0742"),
            (0x433618c0f40ffa36, "6219666495109686"),
            (0xc06bdcc07bd2f2bf, "-222.89849654389215"),
            (0xc1425f4dd270652a, "-2408091.6440550284"),
        ] as [(UInt64, String)])
    func agreesWithV8OnSeededRandomDoubles(bits: UInt64, expected: String) {
        #expect(ECMAScriptNumber.format(Double(bitPattern: bits)) == expected)
    }

    /// For thousands of seeded random doubles: the text reads back as the same double, has
    /// ECMAScript's layout, and has the shortest digits that do, the closest of them to the value.
    @Test func formatsRandomDoublesWithShortestRoundTripDigitsAndECMAScriptLayout() throws {
        var rng = SimulationRandom(seed: 0x8785)
        for _ in 0..<5000 {
            let value = randomDouble(&rng)
            let text = ECMAScriptNumber.format(value)
            if value == 0 {
                #expect(text == "0")
                continue
            }
            #expect(Double(text) == value, "\(text) does not read back as \(value)")
            let digits = try #require(significantDigits(of: text, for: value), "\(text) is not laid out as ECMAScript lays out \(value)")
            // The closest decimal with as many digits is the same number: the digits are the closest.
            let sameLength = String(format: "%.\(digits.count - 1)e", abs(value))
            #expect(sameLength.prefix(1) + sameLength.dropFirst(2).prefix(digits.count - 1) == digits, "\(text) vs \(sameLength)")
            // No decimal with one digit fewer reads back as the value: the digits are the shortest.
            if digits.count > 1 {
                let shorter = String(format: "%.\(digits.count - 2)e", abs(value))
                #expect(Double(shorter) != abs(value), "\(shorter) is shorter than \(text)")
            }
        }
    }

    @Test func formatsSafeIntegersAsPlainDigits() {
        var rng = SimulationRandom(seed: 53)
        for _ in 0..<2000 {
            let integer = Int64(bitPattern: rng.next()) % (1 << 53)
            #expect(ECMAScriptNumber.format(Double(integer)) == String(integer))
        }
        for integer: Int64 in [1, 9, 10, 99, 100, 1 << 31, 1 << 32, 999_999_999_999_999, (1 << 53) - 1] {
            #expect(ECMAScriptNumber.format(Double(integer)) == String(integer))
            #expect(ECMAScriptNumber.format(Double(-integer)) == "-" + String(integer))
        }
    }

    @Test func switchesToExponentsExactlyAtTheECMAScriptBoundaries() {
        #expect(ECMAScriptNumber.format(1e21.nextDown) == "999999999999999900000")
        #expect(ECMAScriptNumber.format(1e21) == "1e+21")
        #expect(ECMAScriptNumber.format(1e21.nextUp) == "1.0000000000000001e+21")
        #expect(ECMAScriptNumber.format(1e-6) == "0.000001")
        #expect(ECMAScriptNumber.format(1e-6.nextDown) == "9.999999999999997e-7")
        #expect(ECMAScriptNumber.format(1e-6.nextUp) == "0.0000010000000000000002")
        #expect(ECMAScriptNumber.format(-1e-6) == "-0.000001")
    }

    @Test func exposesShortestDigitsAndThePointPosition() {
        #expect(ECMAScriptNumber.shortestDigits(123.45) == ([1, 2, 3, 4, 5], 3))
        #expect(ECMAScriptNumber.shortestDigits(0.001) == ([1], -2))
        #expect(ECMAScriptNumber.shortestDigits(1e21) == ([1], 22))
        #expect(ECMAScriptNumber.shortestDigits(1.2345e-7) == ([1, 2, 3, 4, 5], -6))
        #expect(ECMAScriptNumber.shortestDigits(9_007_199_254_740_992) == ([9, 0, 0, 7, 1, 9, 9, 2, 5, 4, 7, 4, 0, 9, 9, 2], 16))
        #expect(ECMAScriptNumber.shortestDigits(.leastNonzeroMagnitude) == ([5], -323))
    }

    @Test func refusesNaNAndInfinityWithAPreconditionFailure() async {
        await #expect(processExitsWith: .failure) { _ = ECMAScriptNumber.format(.nan) }
        await #expect(processExitsWith: .failure) { _ = ECMAScriptNumber.format(.infinity) }
        await #expect(processExitsWith: .failure) { _ = ECMAScriptNumber.format(-.infinity) }
    }

    // MARK: - Strings

    @Test func escapesOnlyQuoteBackslashAndControlCharacters() {
        let short: [UInt8: String] = [0x08: #"\b"#, 0x09: #"\t"#, 0x0A: #"\n"#, 0x0C: #"\f"#, 0x0D: #"\r"#]
        for byte in UInt8(0)..<0x20 {
            let escape = short[byte] ?? #"\u00"# + Hex.encode([byte])
            let value = JSONValue.string("a" + String(Unicode.Scalar(byte)) + "b")
            #expect(CanonicalJSON.string(value) == "\"a" + escape + "b\"")
        }
        #expect(CanonicalJSON.string(.string("\u{1F}\u{0}\u{B}\u{1B}")) == #""\u001f\u0000\u000b\u001b""#)
        #expect(CanonicalJSON.string(.string(#"say "hi" \ bye"#)) == #""say \"hi\" \\ bye""#)
        #expect(CanonicalJSON.string(.string("\"")) == #""\"""#)
        #expect(CanonicalJSON.string(.string("\\")) == #""\\""#)
        #expect(CanonicalJSON.string(.string("")) == #""""#)
        // Printable ASCII, including the solidus, DEL, and everything beyond ASCII are written raw.
        let raw = "/ <>&'~\u{7F}\u{80}\u{9F}\u{A0}é\u{2028}\u{2029}\u{FEFF}\u{FFFD}😀\u{10FFFD}"
        #expect(CanonicalJSON.encode(.string(raw)) == bytes("\"" + raw + "\""))
        // Raw characters and escapes mixed.
        #expect(CanonicalJSON.encode(.string("é\n😀\t\"\u{7F}")) == bytes(#""é\n😀\t\"\#u{7F}""#))
    }

    @Test func escapesKeysAsItEscapesValues() {
        let value: JSONValue = ["a\"b": 1, "c\\d": 2, "\n": 3, "\u{1}": 4, "é": 5]
        #expect(CanonicalJSON.string(value) == #"{"\u0001":4,"\n":3,"a\"b":1,"c\\d":2,"é":5}"#)
    }

    @Test func readsBackEveryEscapedCharacter() throws {
        for scalar in (0...0x7F).compactMap(Unicode.Scalar.init) {
            let value = JSONValue.string("x" + String(scalar) + "y")
            #expect(try JSONParser.parse(CanonicalJSON.encode(value)) == value)
        }
    }

    // MARK: - Structure

    @Test func writesStructuresWithoutWhitespace() {
        #expect(CanonicalJSON.string(.null) == "null")
        #expect(CanonicalJSON.string(true) == "true")
        #expect(CanonicalJSON.string(false) == "false")
        #expect(CanonicalJSON.string([]) == "[]")
        #expect(CanonicalJSON.string([:]) == "{}")
        #expect(CanonicalJSON.string([1, "two", [3, [:]], .null]) == #"[1,"two",[3,{}],null]"#)
        #expect(CanonicalJSON.string(["b": [true, false], "a": ["y": .null, "x": 0.5]]) == #"{"a":{"x":0.5,"y":null},"b":[true,false]}"#)
    }

    @Test func appendsToExistingBytes() {
        var out = bytes("prefix:")
        CanonicalJSON.encode(["k": [1, 2]], into: &out)
        #expect(out == bytes(#"prefix:{"k":[1,2]}"#))
    }

    /// Canonicalization is idempotent: parsing canonical bytes gives back the value, and encoding
    /// that gives back the same bytes; any valid spelling of the value canonicalizes the same way.
    @Test func canonicalizesRandomValuesIdempotently() throws {
        var rng = SimulationRandom(seed: 0x1D_E4_70_7E)
        for _ in 0..<1500 {
            let value = randomValue(&rng, depth: 4)
            let encoded = CanonicalJSON.encode(value)
            let parsed = try JSONParser.parse(encoded)
            #expect(parsed == value)
            #expect(CanonicalJSON.encode(parsed) == encoded)
            let spelling = noncanonicalText(value, &rng)
            #expect(try canonical(spelling) == encoded, "\(spelling)")
        }
    }

    /// The same property over more spellings (Support/RandomEvents.swift): members in any order,
    /// short escapes, `\/` and `\u` in either case, and numbers as other literals of the same
    /// decimal (moved points, exponents with signs and leading zeros, trailing zeros, "-0").
    @Test func canonicalizesEverySpellingOfRandomValuesAlike() throws {
        var rng = PropertyRandom(seed: 0xCA_F0)
        for _ in 0..<2000 {
            let value = RandomJSON.value(&rng, depth: 4)
            let encoded = CanonicalJSON.encode(value)
            let spelling = JSONSpelling.text(value, &rng)
            let parsed = try JSONParser.parse(spelling)
            #expect(parsed == value, "\(spelling)")
            #expect(CanonicalJSON.encode(parsed) == encoded, "\(spelling)")
            #expect(try canonical(CanonicalJSON.string(parsed)) == encoded)
        }
    }

    /// Every canonical body must parse again (verify re-parses stored bodies): doubles in
    /// (2^53, 1e21) print as plain integer literals, which the parser must read back.
    @Test func canonicalFormOfLargeIntegralDoublesParsesBack() throws {
        let encoded = try canonical(#"{"x":1e20}"#)
        #expect(encoded == bytes(#"{"x":100000000000000000000}"#))
        #expect(try JSONParser.parse(encoded) == ["x": 1e20])
        #expect(try JSONParser.parse(CanonicalJSON.encode(.number(9_007_199_254_740_994))) == .number(9_007_199_254_740_994))
        var rng = SimulationRandom(seed: 53)
        for _ in 0..<2_000 {
            let value = Double(bitPattern: 0x4340_0000_0000_0000 + rng.next() % 0x0044_0000_0000_0000)  // 2^53 … ~1e21
            guard value < 1e21 else { continue }
            #expect(try JSONParser.parse(CanonicalJSON.encode(.number(value))) == .number(value), "\(value)")
        }
    }

    // MARK: - JSONObject

    @Test(arguments: [
        ("", "a", true),
        ("a", "", false),
        ("a", "a", false),
        ("a", "b", true),
        ("B", "a", true),
        ("a", "aa", true),
        ("ab", "b", true),
        ("\u{7F}", "\u{80}", true),
        ("\u{FF}", "\u{100}", true),
        ("\u{D7FF}", "\u{E000}", true),
        ("\u{D7FF}", "\u{10000}", true),
        // Above U+FFFF, UTF-16 (surrogates, 0xD800…) sorts before U+E000…U+FFFF; UTF-8 the other way.
        ("\u{10000}", "\u{E000}", true),
        ("\u{E000}", "\u{10000}", false),
        ("\u{1F600}", "\u{FB33}", true),
        ("\u{FB33}", "\u{1F600}", false),
        ("\u{10FFFF}", "\u{FFFF}", true),
        ("\u{FFFF}", "\u{10FFFF}", false),
        ("x\u{1F600}", "x\u{FFFD}", true),
        ("x\u{FFFD}z", "x\u{1F600}", false),
        ("\u{E000}", "\u{FFFF}", true),
        ("\u{10000}", "\u{10001}", true),
        ("\u{1F600}", "\u{1F600}a", true),
        ("e\u{301}", "\u{E9}", true),
        ("\u{E9}", "e\u{301}", false),
    ])
    func ordersKeysByUTF16CodeUnits(a: String, b: String, expected: Bool) {
        #expect(JSONObject.precedes(a, b) == expected)
        #expect(JSONObject.precedes(a, b) == a.utf16.lexicographicallyPrecedes(b.utf16))
    }

    @Test func ordersRandomKeysAsUTF16Does() {
        var rng = SimulationRandom(seed: 16)
        for _ in 0..<5000 {
            var a = randomString(&rng)
            var b = rng.next() % 4 == 0 ? a + randomString(&rng) : randomString(&rng)
            if rng.next() % 2 == 0 { swap(&a, &b) }
            #expect(
                JSONObject.precedes(a, b) == a.utf16.lexicographicallyPrecedes(b.utf16),
                "\(Array(a.unicodeScalars)) vs \(Array(b.unicodeScalars))")
        }
    }

    @Test func keepsMembersSortedAndUniqueWhateverTheInsertionOrder() {
        var rng = SimulationRandom(seed: 0x0B1E)
        for _ in 0..<200 {
            var object = JSONObject()
            var reference: [[UInt16]: Int] = [:]
            for step in 0..<40 {
                let key = randomString(&rng)
                object[key] = .number(Double(step))
                reference[Array(key.utf16)] = step
            }
            let keys = object.keys.map { Array($0.utf16) }
            #expect(keys == reference.keys.sorted { $0.lexicographicallyPrecedes($1) })
            #expect(object.members.map(\.value) == keys.map { .number(Double(reference[$0]!)) })
        }
    }

    @Test func getsSetsAndRemovesMembersBySubscript() {
        var object = JSONObject()
        #expect(object.isEmpty)
        #expect(object.count == 0)
        #expect(object["a"] == nil)
        object["b"] = 2
        object["a"] = 1
        object["\u{10000}"] = "astral"
        object["\u{E000}"] = "private use"
        #expect(object.keys == ["a", "b", "\u{10000}", "\u{E000}"])
        #expect(object["a"] == 1)
        #expect(object["\u{E000}"] == "private use")
        #expect(object["c"] == nil)
        #expect(object["A"] == nil)
        #expect(object[""] == nil)
        // Replacing keeps the position and the count.
        object["b"] = [true]
        #expect(object.keys == ["a", "b", "\u{10000}", "\u{E000}"])
        #expect(object["b"] == [true])
        #expect(object.count == 4)
        // Setting nil removes; removing a missing key changes nothing.
        object["a"] = nil
        object["missing"] = nil
        #expect(object.keys == ["b", "\u{10000}", "\u{E000}"])
        #expect(object["a"] == nil)
        object["\u{10000}"] = nil
        object["\u{E000}"] = nil
        object["b"] = nil
        #expect(object.isEmpty)
        #expect(object == JSONObject())
        // JSON null is a value, not an absence.
        object["n"] = .null
        #expect(object["n"] == .null)
        #expect(object.count == 1)
    }

    @Test func buildsObjectsFromMembersInAnyOrderWithTheLastValueWinning() {
        let fromMembers = JSONObject([(key: "b", value: 1), (key: "a", value: 2), (key: "b", value: 3)])
        #expect(fromMembers.keys == ["a", "b"])
        #expect(fromMembers["b"] == 3)
        let fromDictionary = JSONObject(["b": 3, "a": 2] as [String: JSONValue])
        let fromLiteral: JSONObject = ["a": 2, "b": 3]
        #expect(fromMembers == fromDictionary)
        #expect(fromMembers == fromLiteral)
        #expect(fromLiteral != ["a": 2, "b": 4])
        #expect(fromLiteral != ["a": 2, "c": 3])
        #expect(fromLiteral != ["a": 2])
        let value: JSONValue = .object(fromLiteral)
        #expect(value["b"] == 3)
        #expect(value["z"] == nil)
        #expect(JSONValue.array([1])["b"] == nil)
    }

    /// Keys are distinct by code units, as in canonical bytes, though Swift's `String ==` applies
    /// canonical equivalence: "e" + U+0301 does not find the member "é" (U+00E9).
    @Test func treatsCanonicallyEquivalentKeysAsDistinct() {
        var object: JSONObject = ["\u{E9}": 1]
        #expect(object["e\u{301}"] == nil)
        #expect(object != ["e\u{301}": 1])
        object["e\u{301}"] = 2
        #expect(object.count == 2)
        #expect(object["\u{E9}"] == 1)
        #expect(object["e\u{301}"] == 2)
        #expect(object.keys.map { Array($0.utf8) } == [[0x65, 0xCC, 0x81], [0xC3, 0xA9]])
        object["\u{E9}"] = nil
        #expect(object.keys.map { Array($0.utf8) } == [[0x65, 0xCC, 0x81]])
    }
}
