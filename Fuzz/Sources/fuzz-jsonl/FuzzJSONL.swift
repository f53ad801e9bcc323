import FuzzSupport
import RRMLedger

/// The JSONL event path, as `append` takes it: lines split by `JSONLReader`, each parsed by
/// `JSONParser`, checked and normalized by `EventDecoder`, and hashed in its RFC 8785 form.
///
/// Properties: the reader splits the same lines whatever its buffer size (so whatever sizes
/// `read` returns) and as a plain split would; every line the parser accepts canonicalizes to a
/// text that re-parses to the same value and canonicalizes to itself; every event the decoder
/// accepts has a body that is canonical and decodes again to the same event and the same body.
@_cdecl("fuzz_jsonl_main")
public func fuzzJSONLMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runLibFuzzer(argc, argv) { fuzzJSONL($0, $1) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSONL(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = fuzzInput(data, size)
    let whole = readLines(input, bufferSize: input.count + 1)
    checkSameLines(whole, referenceLines(input), "JSONLReader and a plain split")
    let tiny = readLines(input, bufferSize: 1 + Int(input.first ?? 0) % 7)
    checkSameLines(tiny, whole, "JSONLReader with a small buffer and with a large one")
    for line in whole { checkLine(line) }
    return 0
}

private let appendTime = "2001-02-03T04:05:06.7Z"

private func checkSameLines(_ a: [[UInt8]], _ b: [[UInt8]], _ what: String) {
    guard a != b else { return }
    let index = zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, b.count)
    func show(_ lines: [[UInt8]]) -> String {
        index < lines.count ? "\(Array(lines[index].prefix(24)))… (\(lines[index].count) bytes)" : "none"
    }
    fuzzCheck(false, "\(what) split differently: \(a.count) vs \(b.count) lines; line \(index + 1): \(show(a)) vs \(show(b))")
}

private func readLines(_ input: [UInt8], bufferSize: Int) -> [[UInt8]] {
    var reader = JSONLReader(source: MemoryByteSource(bytes: input), bufferSize: bufferSize)
    var lines: [[UInt8]] = []
    do {
        try reader.forEachLine { _, line in
            lines.append(Array(line))
            return true
        }
    } catch {
        fuzzCheck(false, "JSONLReader threw on \(input.count) bytes: \(error)")
    }
    return lines
}

/// JSONLReader's documented rules, written plainly: LF ends a line, a CR before it is dropped,
/// blank lines (spaces and tabs only) are skipped, a UTF-8 BOM at the very start is skipped.
private func referenceLines(_ input: [UInt8]) -> [[UInt8]] {
    let body = input.starts(with: [0xEF, 0xBB, 0xBF]) ? input.dropFirst(3) : input[...]
    return body.split(separator: 0x0A, omittingEmptySubsequences: false).compactMap { piece in
        var line = Array(piece)
        if line.last == 0x0D { line.removeLast() }
        return line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) ? nil : line
    }
}

private func checkLine(_ line: [UInt8]) {
    guard let value = try? JSONParser.parse(line) else { return }
    let canonical = CanonicalJSON.encode(value)
    guard let reparsed = try? JSONParser.parse(canonical) else {
        fuzzCheck(false, "the canonical form of an accepted line does not parse: \(String(decoding: canonical, as: UTF8.self))")
        return
    }
    fuzzCheck(reparsed == value, "the canonical form parses to another value: \(String(decoding: canonical, as: UTF8.self))")
    fuzzCheck(
        CanonicalJSON.encode(reparsed) == canonical, "canonicalization is not idempotent: \(String(decoding: canonical, as: UTF8.self))")
    let pretty = value.prettyPrinted()
    fuzzCheck((try? JSONParser.parse(pretty)) == value, "the pretty form parses to another value: \(pretty)")

    guard let event = try? EventDecoder.decode(value, appendTime: appendTime) else { return }
    let body = String(decoding: event.body, as: UTF8.self)
    guard let bodyValue = try? JSONParser.parse(event.body) else {
        fuzzCheck(false, "an event's body does not parse: \(body)")
        return
    }
    fuzzCheck(CanonicalJSON.encode(bodyValue) == event.body, "an event's body is not canonical: \(body)")
    fuzzCheck(bodyValue["time"] == .string(event.time), "the body's time is not the event's: \(body)")
    let again: Event
    do {
        again = try EventDecoder.decode(bodyValue, appendTime: "1999-12-31T23:59:59Z")
    } catch {
        fuzzCheck(false, "an event's own body is refused (\(error)): \(body)")
        return
    }
    fuzzCheck(again.body == event.body, "re-decoding the body changes it: \(body) -> \(String(decoding: again.body, as: UTF8.self))")
    fuzzCheck(
        again.kind == event.kind && again.id == event.id && again.time == event.time && again.references == event.references
            && again.declaredLevel == event.declaredLevel && again.modelRole == event.modelRole,
        "re-decoding the body gives another event: \(body)")
}
