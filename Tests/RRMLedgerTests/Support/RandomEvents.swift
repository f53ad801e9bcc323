import Foundation

@testable import RRMAnalysis
@testable import RRMArchive
@testable import RRMFormat
@testable import RRMSimulation
@testable import RRMStore

/// The property tests draw from the simulator's SplitMix64: seeded, so every failure reproduces.
typealias PropertyRandom = SimulationRandom

/// The few draws the property tests need, beyond the simulator's own.
extension SimulationRandom {
    /// A number in `range`.
    mutating func int(_ range: ClosedRange<Int>) -> Int {
        integer(in: range)
    }

    /// True once in `n` draws.
    mutating func oneIn(_ n: Int) -> Bool {
        next() % UInt64(n) == 0
    }

    mutating func pick<T>(_ choices: [T]) -> T {
        choices[integer(in: 0...(choices.count - 1))]
    }
}

/// Random JSON values for property tests: every type, nesting, strings across Unicode (no
/// noncharacters, which I-JSON forbids), and doubles of every exponent.
enum RandomJSON {
    /// Scalar ranges strings are drawn from: controls, quote and backslash, ASCII, Latin-1, BMP on
    /// both sides of the surrogates, line separators, combining marks, astral characters.
    static let scalarRanges: [ClosedRange<UInt32>] = [
        0x00...0x1F, 0x20...0x7E, 0x22...0x22, 0x5C...0x5C, 0x2F...0x2F, 0x7F...0x9F, 0xA0...0x7FF, 0x800...0xD7FF,
        0xE000...0xFFFD, 0x10000...0x10FFFD, 0x2028...0x2029, 0x300...0x36F, 0x1F600...0x1F64F,
    ]

    static func isNoncharacter(_ scalar: UInt32) -> Bool {
        (0xFDD0...0xFDEF).contains(scalar) || scalar & 0xFFFE == 0xFFFE
    }

    /// A string of up to `maximumLength` scalars drawn from `ranges`.
    static func string(
        _ rng: inout PropertyRandom, maximumLength: Int = 12, ranges: [ClosedRange<UInt32>] = scalarRanges
    ) -> String {
        var text = String.UnicodeScalarView()
        for _ in 0..<rng.int(0...maximumLength) {
            let range = rng.pick(ranges)
            let value = range.lowerBound + UInt32(rng.next() % UInt64(range.upperBound - range.lowerBound + 1))
            if isNoncharacter(value) { continue }
            text.append(Unicode.Scalar(value)!)
        }
        return String(text)
    }

    /// A finite double: raw bit patterns, the layout boundaries, short decimals and integers.
    static func double(_ rng: inout PropertyRandom) -> Double {
        while true {
            let value: Double
            switch rng.int(0...4) {
            case 0: value = Double(bitPattern: rng.next())
            case 1:
                let exponent = UInt64(1023 - 40) + rng.next() % 131
                value = Double(bitPattern: (rng.next() & (1 << 63)) | (exponent << 52) | (rng.next() & ((1 << 52) - 1)))
            case 2: value = Double(Int64(bitPattern: rng.next()) % 1_000_000) / rng.pick([1, 10, 1e3, 1e7, 1e20, 1e-3, 1e-7])
            case 3: value = Double(Int64(bitPattern: rng.next()) % (1 << 53))
            default: value = rng.pick([0, -0.0, 1, -1, 0.1, 1e21, 1e-7, 5e-324, .greatestFiniteMagnitude, 9_007_199_254_740_992])
            }
            if value.isFinite { return value }
        }
    }

    /// A value nested at most `depth` levels.
    static func value(_ rng: inout PropertyRandom, depth: Int) -> JSONValue {
        switch rng.int(0...(depth > 0 ? 7 : 4)) {
        case 0: return .null
        case 1: return .bool(rng.oneIn(2))
        case 2: return .number(double(&rng))
        case 3, 4: return .string(string(&rng))
        case 5: return .array((0..<rng.int(0...4)).map { _ in value(&rng, depth: depth - 1) })
        default:
            var object = JSONObject()
            for _ in 0..<rng.int(0...5) {
                let key = rng.oneIn(3) ? rng.pick(["", "a", "A", "é", "e\u{301}", "\u{E000}", "😀", "id", "kind"]) : string(&rng)
                object[key] = value(&rng, depth: depth - 1)
            }
            return .object(object)
        }
    }
}

/// Writes a JSON value as valid, deliberately non-canonical JSON on one line (for JSONL): members
/// shuffled, whitespace (space, tab, carriage return) between tokens, characters escaped in every
/// way JSON allows (short escapes, `\/`, `\u` in either case, surrogate pairs), and numbers in
/// other spellings of the same decimal (exponents with `e`/`E`, signs and leading zeros, moved
/// decimal points, trailing zeros).
enum JSONSpelling {
    static func text(_ value: JSONValue, _ rng: inout PropertyRandom) -> String {
        var out = ""
        write(value, into: &out, &rng)
        return out
    }

    private static func write(_ value: JSONValue, into out: inout String, _ rng: inout PropertyRandom) {
        switch value {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let n): out += number(n, &rng)
        case .string(let s): out += string(s, &rng)
        case .array(let elements):
            out += "[" + space(&rng)
            for (index, element) in elements.enumerated() {
                if index > 0 { out += space(&rng) + "," + space(&rng) }
                write(element, into: &out, &rng)
            }
            out += space(&rng) + "]"
        case .object(let object):
            out += "{" + space(&rng)
            for (index, member) in object.members.shuffled(using: &rng).enumerated() {
                if index > 0 { out += space(&rng) + "," + space(&rng) }
                out += string(member.key, &rng) + space(&rng) + ":" + space(&rng)
                write(member.value, into: &out, &rng)
            }
            out += space(&rng) + "}"
        }
    }

    /// JSON whitespace that keeps the text on one line (a lone CR is whitespace inside a line).
    static func space(_ rng: inout PropertyRandom) -> String {
        rng.pick(["", "", " ", "\t", "  ", " \r ", "\t \t"])
    }

    static func string(_ text: String, _ rng: inout PropertyRandom) -> String {
        let short: [UInt32: String] = [
            0x22: "\\\"", 0x5C: "\\\\", 0x2F: "\\/", 0x08: "\\b", 0x0C: "\\f", 0x0A: "\\n", 0x0D: "\\r", 0x09: "\\t",
        ]
        var out = "\""
        for scalar in text.unicodeScalars {
            let mustEscape = scalar.value < 0x20 || scalar == "\"" || scalar == "\\"
            switch (mustEscape, rng.int(0...3)) {
            case (_, 0) where short[scalar.value] != nil, (true, 1) where short[scalar.value] != nil:
                out += short[scalar.value]!
            case (true, _), (false, 0), (false, 1):
                for unit in String(scalar).utf16 {
                    let hex = String(unit, radix: 16)
                    let padded = String(repeating: "0", count: 4 - hex.count) + hex
                    out += "\\u" + (rng.oneIn(2) ? padded : padded.uppercased())
                }
            default:
                out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// Another spelling of the shortest decimal of `value`: the same decimal number, so it reads
    /// back as the same double. Integer literals only where the value is a whole number whose
    /// digits a double keeps (the parser refuses others, by design).
    static func number(_ value: Double, _ rng: inout PropertyRandom) -> String {
        if value == 0 { return rng.pick(["0", "-0", "0.0", "0e0", "-0E+00", "0.000e-5"]) }
        let sign = value < 0 ? "-" : ""
        let (digits, pointPosition) = ECMAScriptNumber.shortestDigits(abs(value))
        let text = digits.map { String($0) }.joined()
        let isWhole = pointPosition >= digits.count
        if isWhole && pointPosition <= 40 && rng.oneIn(3) {
            return sign + text + String(repeating: "0", count: pointPosition - digits.count)
        }
        // value = 0.d1d2…dk × 10^n = d1.d2…dk × 10^(n−1); write it as m × 10^e with the point
        // after `shift` digits of the mantissa (zeros added on either side as needed).
        let shift = rng.int(0...(digits.count + 2))
        let exponent = pointPosition - shift
        var integerPart = String(text.prefix(shift))
        integerPart += String(repeating: "0", count: max(0, shift - digits.count))
        var fraction = String(text.dropFirst(shift))
        if integerPart.isEmpty { integerPart = "0" }
        fraction += String(repeating: "0", count: rng.int(0...2))
        var mantissa = integerPart
        if !fraction.isEmpty { mantissa += "." + fraction }
        let exponentSign = exponent < 0 ? "-" : rng.pick(["", "+"])
        let exponentDigits = String(repeating: "0", count: rng.int(0...2)) + String(abs(exponent))
        return sign + mantissa + rng.pick(["e", "E"]) + exponentSign + exponentDigits
    }
}

/// A random pipeline of valid events of every kind, each referring only to earlier events of the
/// kinds its links accept, with every optional field sometimes present, nested attributes,
/// Unicode ids and strings, and times in any offset.
struct RandomPipeline {
    /// One generated event: its value as sent, and the body the ledger must store for it (the
    /// canonical form of the value with its time normalized; `nil` time means "append time").
    struct GeneratedEvent {
        let kind: EventKind
        let id: String
        let value: JSONValue
        let normalizedTime: String?
    }

    private(set) var events: [GeneratedEvent] = []
    private var ids = Set<[UInt8]>()
    private var byKind: [EventKind: [String]] = [:]
    private var rewardModels: [String] = []

    /// `count` events, starting with models and outputs so that every kind has something to name.
    init(count: Int, _ rng: inout PropertyRandom) {
        for index in 0..<count {
            let kind: EventKind
            switch index {
            case 0, 1: kind = .model
            case 2, 3: kind = .output
            case 4: kind = .critique
            case 5: kind = .label
            case 6: kind = .dataset
            case 7: kind = .finding
            default: kind = rng.pick(EventKind.allCases)
            }
            add(kind, &rng)
        }
    }

    private mutating func add(_ kind: EventKind, _ rng: inout PropertyRandom) {
        let id = newID(&rng)
        var fields = JSONObject()
        fields["kind"] = .string(kind.rawValue)
        fields["id"] = .string(id)
        var normalizedTime: String?
        if !rng.oneIn(4) {
            let (sent, normalized) = Self.time(&rng)
            fields["time"] = .string(sent)
            normalizedTime = normalized
        }
        if rng.oneIn(2) {
            var attributes = JSONObject()
            for _ in 0..<rng.int(0...4) { attributes[RandomJSON.string(&rng, maximumLength: 6)] = RandomJSON.value(&rng, depth: 3) }
            fields["attributes"] = .object(attributes)
        }
        switch kind {
        case .model:
            let role = rng.pick(["policy", "reward_model", "critic", "reward_model", RandomJSON.string(&rng) + "x"])
            fields["role"] = .string(role)
            fields["level"] = .number(Double(rng.oneIn(8) ? rng.int(0...EventDecoder.maximumLevel) : rng.int(0...4)))
            if let base = maybe(.model, &rng) { fields["base"] = .string(base) }
            if rng.oneIn(2) {
                let trainable = (byKind[.dataset] ?? []) + (byKind[.label] ?? []) + rewardModels
                fields["trained_on"] = .array(distinct(from: trainable, count: 0...3, &rng).map { .string($0) })
            }
            if rng.oneIn(2) { fields["weights_sha256"] = .string(Self.digest(&rng)) }
            if role == "reward_model" { rewardModels.append(id) }
        case .output:
            fields["model"] = .string(existing(.model, &rng))
            fields["task"] = .string(RandomJSON.string(&rng) + "t")
            let content = rng.oneIn(3) ? nil : RandomJSON.string(&rng, maximumLength: 40)
            if let content { fields["content"] = .string(content) }
            if rng.oneIn(2) {
                fields["content_sha256"] = .string(content.map { SHA256Hash.of(Array($0.utf8)).hex } ?? Self.digest(&rng))
            }
        case .critique:
            fields["critic"] = .string(existing(.model, &rng))
            fields["targets"] = .array(distinct(from: byKind[.output]!, count: 1...3, &rng).map { .string($0) })
            if rng.oneIn(2) { fields["text"] = .string(RandomJSON.string(&rng, maximumLength: 30)) }
            if rng.oneIn(2) {
                fields["findings"] = .array(
                    (0..<rng.int(0...3)).map { _ in
                        var finding: JSONObject = ["claim": .string("c" + RandomJSON.string(&rng))]
                        if rng.oneIn(2) { finding["severity"] = .string(rng.pick(["low", "medium", "high"])) }
                        if rng.oneIn(2) { finding["location"] = .string(RandomJSON.string(&rng)) }
                        return .object(finding)
                    })
            }
        case .label:
            if rng.oneIn(2) {
                // "human:" and the person's id must fit the 200 characters of an id together.
                let person = String(String.UnicodeScalarView(newID(&rng, reserve: false).unicodeScalars.prefix(150)))
                fields["rater"] = .string(EventDecoder.personPrefix + person)
            } else {
                fields["rater"] = .string(existing(.model, &rng))
            }
            fields["targets"] = .array(distinct(from: byKind[.output]!, count: 1...2, &rng).map { .string($0) })
            var value = RandomJSON.value(&rng, depth: 2)
            if value == .null { value = .bool(true) }
            fields["value"] = value
            if let critiques = byKind[.critique], rng.oneIn(2) {
                fields["assisted_by"] = .array(distinct(from: critiques, count: 0...2, &rng).map { .string($0) })
            }
        case .dataset:
            let labels = byKind[.label] ?? []
            guard !labels.isEmpty else { return add(.label, &rng) }
            fields["members"] = .array(distinct(from: labels, count: 1...20, &rng).map { .string($0) })
            if let extends = maybe(.dataset, &rng) { fields["extends"] = .string(extends) }
        case .finding:
            fields["about"] = .string(rng.pick(events).id)
            fields["verdict"] = .string(rng.pick(["erroneous", "correct"]))
            fields["auditor"] = .string("a" + RandomJSON.string(&rng))
            if rng.oneIn(2) { fields["error_type"] = .string("e" + RandomJSON.string(&rng)) }
            if rng.oneIn(2) { fields["evidence"] = .string(RandomJSON.string(&rng, maximumLength: 30)) }
        }
        events.append(GeneratedEvent(kind: kind, id: id, value: .object(fields), normalizedTime: normalizedTime))
        byKind[kind, default: []].append(id)
    }

    /// A fresh id: any scalars but control characters, up to 200 of them, unique by bytes (so
    /// "é" and "e" + U+0301 are two ids).
    private mutating func newID(_ rng: inout PropertyRandom, reserve: Bool = true) -> String {
        while true {
            var id = RandomJSON.string(&rng, maximumLength: rng.oneIn(20) ? 200 : 8, ranges: Self.idRanges)
            if rng.oneIn(3) { id = rng.pick(["é", "e\u{301}", "L1-critique-", "😀", " ", "\u{2028}", "\u{200B}"]) + id }
            let scalars = id.unicodeScalars
            guard !id.isEmpty, scalars.count <= EntryID.maximumLength,
                !scalars.contains(where: { $0.properties.generalCategory == .control })
            else { continue }
            if !reserve || ids.insert(Array(id.utf8)).inserted { return id }
        }
    }

    private static let idRanges = RandomJSON.scalarRanges.filter { $0 != 0x00...0x1F && $0 != 0x7F...0x9F }

    private func existing(_ kind: EventKind, _ rng: inout PropertyRandom) -> String {
        rng.pick(byKind[kind]!)
    }

    private func maybe(_ kind: EventKind, _ rng: inout PropertyRandom) -> String? {
        guard let candidates = byKind[kind], rng.oneIn(2) else { return nil }
        return rng.pick(candidates)
    }

    private func distinct(from candidates: [String], count: ClosedRange<Int>, _ rng: inout PropertyRandom) -> [String] {
        Array(candidates.shuffled(using: &rng).prefix(rng.int(count)))
    }

    private static func digest(_ rng: inout PropertyRandom) -> String {
        Hex.encode((0..<32).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
    }

    /// An RFC 3339 time as a pipeline might send it (any offset, a fraction with trailing zeros,
    /// lowercase "t" and "z"), and the UTC form the ledger must store, computed here by plain
    /// minute arithmetic rather than the ledger's own calendar code.
    static func time(_ rng: inout PropertyRandom) -> (sent: String, normalized: String) {
        let (year, month) = (rng.int(1...9998), rng.int(1...12))
        let day = rng.int(1...daysIn(month, year))
        let (hour, minute, second) = (rng.int(0...23), rng.int(0...59), rng.int(0...59))
        let fraction = rng.oneIn(2) ? "" : String((0..<rng.int(1...9)).map { _ in Character(String(rng.int(0...9))) })
        var trimmed = fraction
        while trimmed.hasSuffix("0") { trimmed.removeLast() }
        let utc = "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(hour, 2)):\(pad(minute, 2)):\(pad(second, 2))"
        let normalized = utc + (trimmed.isEmpty ? "" : "." + trimmed) + "Z"

        let offset = rng.oneIn(3) ? 0 : rng.int(-(23 * 60 + 59)...(23 * 60 + 59))
        // Local time = UTC + offset.
        var (localYear, localMonth, localDay) = (year, month, day)
        var minutes = hour * 60 + minute + offset
        while minutes < 0 {
            minutes += 1440
            localDay -= 1
            if localDay == 0 {
                localMonth -= 1
                if localMonth == 0 { (localMonth, localYear) = (12, localYear - 1) }
                localDay = daysIn(localMonth, localYear)
            }
        }
        while minutes >= 1440 {
            minutes -= 1440
            localDay += 1
            if localDay > daysIn(localMonth, localYear) {
                (localDay, localMonth) = (1, localMonth + 1)
                if localMonth == 13 { (localMonth, localYear) = (1, localYear + 1) }
            }
        }
        let separator = rng.oneIn(4) ? "t" : "T"
        var sent = "\(pad(localYear, 4))-\(pad(localMonth, 2))-\(pad(localDay, 2))\(separator)"
        sent += "\(pad(minutes / 60, 2)):\(pad(minutes % 60, 2)):\(pad(second, 2))"
        if !fraction.isEmpty { sent += "." + fraction }
        if offset == 0 && !rng.oneIn(3) {
            sent += rng.oneIn(4) ? "z" : "Z"
        } else {
            sent += (offset < 0 || (offset == 0 && rng.oneIn(2)) ? "-" : "+") + "\(pad(abs(offset) / 60, 2)):\(pad(abs(offset) % 60, 2))"
        }
        return (sent, normalized)
    }

    private static func daysIn(_ month: Int, _ year: Int) -> Int {
        switch month {
        case 2: return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
}
