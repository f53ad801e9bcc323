import Testing

@testable import RRMAnalysis
@testable import RRMArchive
@testable import RRMFormat
@testable import RRMSimulation
@testable import RRMStore

private let appendTime = "2030-01-01T00:00:00Z"

/// The SHA-256 of "hello".
private let helloDigest = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"

/// The smallest valid event of each kind.
private enum Minimal {
    static let model: JSONObject = ["kind": "model", "id": "m1", "level": 1, "role": "policy"]
    static let output: JSONObject = ["kind": "output", "id": "o1", "model": "m1", "task": "sort"]
    static let critique: JSONObject = ["kind": "critique", "id": "c1", "critic": "m0", "targets": ["o1"]]
    static let label: JSONObject = ["kind": "label", "id": "l1", "rater": "human:alice", "targets": ["o1"], "value": 5]
    static let dataset: JSONObject = ["kind": "dataset", "id": "d1", "members": ["l1"]]
    static let finding: JSONObject = ["kind": "finding", "id": "f1", "about": "c1", "verdict": "erroneous", "auditor": "auditor:bob"]

    static func of(_ kind: EventKind) -> JSONObject {
        switch kind {
        case .model: return model
        case .output: return output
        case .critique: return critique
        case .label: return label
        case .dataset: return dataset
        case .finding: return finding
        }
    }
}

private func decode(_ object: JSONObject) throws(EventError) -> Event {
    try EventDecoder.decode(.object(object), appendTime: appendTime)
}

/// Why the event is refused, or `nil` when it decodes.
private func refusal(_ value: JSONValue) -> EventError? {
    do {
        _ = try EventDecoder.decode(value, appendTime: appendTime)
        return nil
    } catch {
        return error
    }
}

private func refusal(_ object: JSONObject) -> EventError? {
    refusal(.object(object))
}

/// A copy of `object` with `key` set to `value` (or removed for `nil`).
private func with(_ object: JSONObject, _ key: String, _ value: JSONValue?) -> JSONObject {
    var copy = object
    copy[key] = value
    return copy
}

private func body(_ event: Event) -> String {
    String(decoding: event.body, as: UTF8.self)
}

private func ids(_ count: Int, _ prefix: String = "l") -> [JSONValue] {
    (0..<count).map { .string("\(prefix)\($0)") }
}

/// Counts how often the append time is asked for.
private final class Clock {
    var reads = 0

    func time() -> String {
        reads += 1
        return appendTime
    }
}

@Suite struct EventDecoderTests {
    // MARK: - Kinds and their fields

    @Test(arguments: [
        (EventKind.model, #"{"id":"m1","kind":"model","level":1,"role":"policy","time":"2030-01-01T00:00:00Z"}"#, [Reference]()),
        (
            .output, #"{"id":"o1","kind":"output","model":"m1","task":"sort","time":"2030-01-01T00:00:00Z"}"#,
            [Reference(role: .model, id: "m1", path: "model")]
        ),
        (
            .critique, #"{"critic":"m0","id":"c1","kind":"critique","targets":["o1"],"time":"2030-01-01T00:00:00Z"}"#,
            [Reference(role: .critic, id: "m0", path: "critic"), Reference(role: .critiqueTarget, id: "o1", path: "targets[0]")]
        ),
        (
            .label, #"{"id":"l1","kind":"label","rater":"human:alice","targets":["o1"],"time":"2030-01-01T00:00:00Z","value":5}"#,
            [Reference(role: .labelTarget, id: "o1", path: "targets[0]")]
        ),
        (
            .dataset, #"{"id":"d1","kind":"dataset","members":["l1"],"time":"2030-01-01T00:00:00Z"}"#,
            [Reference(role: .member, id: "l1", path: "members[0]")]
        ),
        (
            .finding,
            #"{"about":"c1","auditor":"auditor:bob","id":"f1","kind":"finding","time":"2030-01-01T00:00:00Z","verdict":"erroneous"}"#,
            [Reference(role: .about, id: "c1", path: "about")]
        ),
    ])
    func decodesTheMinimalEventOfEveryKind(kind: EventKind, expectedBody: String, references: [Reference]) throws {
        let event = try decode(Minimal.of(kind))
        #expect(event.kind == kind)
        #expect(event.id == Minimal.of(kind)["id"]?.stringValue)
        #expect(event.time == appendTime)
        #expect(body(event) == expectedBody)
        #expect(event.references == references)
        #expect(event.declaredLevel == (kind == .model ? 1 : nil))
        #expect(event.modelRole == (kind == .model ? "policy" : nil))
    }

    @Test func allowsExactlyTheDocumentedFieldsPerKind() {
        let common: Set<String> = ["kind", "id", "time", "attributes"]
        #expect(EventDecoder.allowedFields[.model] == common.union(["level", "role", "base", "trained_on", "weights_sha256"]))
        #expect(EventDecoder.allowedFields[.output] == common.union(["model", "task", "content", "content_sha256"]))
        #expect(EventDecoder.allowedFields[.critique] == common.union(["critic", "targets", "text", "findings"]))
        #expect(EventDecoder.allowedFields[.label] == common.union(["rater", "targets", "value", "assisted_by"]))
        #expect(EventDecoder.allowedFields[.dataset] == common.union(["members", "extends"]))
        #expect(EventDecoder.allowedFields[.finding] == common.union(["about", "verdict", "auditor", "error_type", "evidence"]))
        #expect(EventDecoder.allowedFields.count == EventKind.allCases.count)
    }

    @Test func decodesAModelWithEveryOptionalField() throws {
        let digest = String(repeating: "0123456789abcdef", count: 4)
        let event = try decode([
            "kind": "model", "id": "rm2", "level": 2, "role": "reward_model", "base": "rm1",
            "trained_on": ["d1", "l7", "rm0"], "weights_sha256": .string(digest), "attributes": ["lr": 0.0001],
        ])
        #expect(event.declaredLevel == 2)
        #expect(event.modelRole == "reward_model")
        #expect(
            event.references == [
                Reference(role: .base, id: "rm1", path: "base"),
                Reference(role: .trainedOn, id: "d1", path: "trained_on[0]"),
                Reference(role: .trainedOn, id: "l7", path: "trained_on[1]"),
                Reference(role: .trainedOn, id: "rm0", path: "trained_on[2]"),
            ])
        #expect(
            body(event) == #"{"attributes":{"lr":0.0001},"base":"rm1","id":"rm2","kind":"model","level":2,"role":"reward_model","#
                + #""time":"2030-01-01T00:00:00Z","trained_on":["d1","l7","rm0"],"weights_sha256":"\#(digest)"}"#)
    }

    @Test func decodesAnOutputWithEveryOptionalField() throws {
        let event = try decode(
            with(with(with(Minimal.output, "content", "hello"), "content_sha256", .string(helloDigest)), "attributes", [:]))
        #expect(event.references == [Reference(role: .model, id: "m1", path: "model")])
        #expect(
            body(event) == #"{"attributes":{},"content":"hello","content_sha256":"\#(helloDigest)","id":"o1","kind":"output","#
                + #""model":"m1","task":"sort","time":"2030-01-01T00:00:00Z"}"#)
        #expect(event.declaredLevel == nil)
    }

    @Test func decodesACritiqueWithEveryOptionalField() throws {
        let event = try decode([
            "kind": "critique", "id": "c1", "critic": "m0", "targets": ["o1", "o2"], "text": "Bug on line 3",
            "findings": [
                ["claim": "off by one", "severity": "high", "location": "line 3"], ["claim": "no tests"],
                ["claim": "slow", "severity": "low"],
            ],
        ])
        #expect(
            event.references == [
                Reference(role: .critic, id: "m0", path: "critic"),
                Reference(role: .critiqueTarget, id: "o1", path: "targets[0]"),
                Reference(role: .critiqueTarget, id: "o2", path: "targets[1]"),
            ])
        _ = try decode(with(Minimal.critique, "findings", []))  // an empty list of findings is allowed
        for severity in ["low", "medium", "high"] {
            #expect(refusal(with(Minimal.critique, "findings", [["claim": "x", "severity": .string(severity)]])) == nil)
        }
    }

    @Test func decodesALabelWithEveryOptionalField() throws {
        let event = try decode([
            "kind": "label", "id": "l1", "rater": "m-critic", "targets": ["o1", "o2"], "value": ["preferred": "o2"],
            "assisted_by": ["c1", "c2"],
        ])
        #expect(
            event.references == [
                Reference(role: .rater, id: "m-critic", path: "rater"),
                Reference(role: .labelTarget, id: "o1", path: "targets[0]"),
                Reference(role: .labelTarget, id: "o2", path: "targets[1]"),
                Reference(role: .assistedBy, id: "c1", path: "assisted_by[0]"),
                Reference(role: .assistedBy, id: "c2", path: "assisted_by[1]"),
            ])
        #expect(
            body(event) == #"{"assisted_by":["c1","c2"],"id":"l1","kind":"label","rater":"m-critic","targets":["o1","o2"],"#
                + #""time":"2030-01-01T00:00:00Z","value":{"preferred":"o2"}}"#)
        // A label's value may be any JSON value but null.
        for value: JSONValue in [false, 0, "", [], [:], "A", 0.5] {
            #expect(refusal(with(Minimal.label, "value", value)) == nil)
        }
    }

    @Test func decodesADatasetAndAFindingWithEveryOptionalField() throws {
        let dataset = try decode(["kind": "dataset", "id": "d2", "members": ["l1", "l2", "l3"], "extends": "d1"])
        #expect(
            dataset.references == [
                Reference(role: .member, id: "l1", path: "members[0]"),
                Reference(role: .member, id: "l2", path: "members[1]"),
                Reference(role: .member, id: "l3", path: "members[2]"),
                Reference(role: .extends, id: "d1", path: "extends"),
            ])
        let finding = try decode(with(with(with(Minimal.finding, "verdict", "correct"), "error_type", "sycophancy"), "evidence", ""))
        #expect(finding.references == [Reference(role: .about, id: "c1", path: "about")])
        #expect(
            body(finding) == #"{"about":"c1","auditor":"auditor:bob","error_type":"sycophancy","evidence":"","id":"f1","#
                + #""kind":"finding","time":"2030-01-01T00:00:00Z","verdict":"correct"}"#)
    }

    @Test(arguments: [
        (EventKind.model, "kind"), (.model, "id"), (.model, "level"), (.model, "role"),
        (.output, "kind"), (.output, "id"), (.output, "model"), (.output, "task"),
        (.critique, "id"), (.critique, "critic"), (.critique, "targets"),
        (.label, "id"), (.label, "rater"), (.label, "targets"), (.label, "value"),
        (.dataset, "id"), (.dataset, "members"),
        (.finding, "id"), (.finding, "about"), (.finding, "verdict"), (.finding, "auditor"),
    ])
    func refusesAMissingRequiredField(kind: EventKind, field: String) {
        #expect(refusal(with(Minimal.of(kind), field, nil)) == EventError(field: field, "is missing"))
    }

    @Test(arguments: EventKind.allCases)
    func refusesUnknownFieldsByName(kind: EventKind) {
        let articles: [EventKind: String] = [
            .model: "a model", .output: "an output", .critique: "a critique", .label: "a label", .dataset: "a dataset",
            .finding: "a finding",
        ]
        let reason = "is not a field of \(articles[kind]!) event (put free-form data in \"attributes\")"
        #expect(refusal(with(Minimal.of(kind), "bogus", 1)) == EventError(field: "bogus", reason))
        // The first unknown field in canonical key order is named.
        #expect(refusal(with(with(Minimal.of(kind), "zeta", 1), "alpha", 2)) == EventError(field: "alpha", reason))
        // Free-form data belongs in attributes, which every kind accepts.
        #expect(refusal(with(Minimal.of(kind), "attributes", ["bogus": 1])) == nil)
    }

    @Test func refusesAnotherKindsFieldAndAMisspelledOne() {
        #expect(
            refusal(with(Minimal.output, "level", 1))
                == EventError(
                    field: "level", "is not a field of an output event (put free-form data in \"attributes\")"))
        #expect(
            refusal(with(Minimal.critique, "target", ["o1"]))
                == EventError(
                    field: "target", "is not a field of a critique event (put free-form data in \"attributes\")"))
        // Fields are checked before values: an unknown field is reported even when the id is missing.
        #expect(refusal(with(with(Minimal.model, "id", nil), "extra", 1))?.field == "extra")
    }

    @Test func refusesEventsThatAreNotObjectsOrHaveNoValidKind() {
        #expect(refusal(.array([])) == EventError(field: "", "an event must be a JSON object, not an array"))
        #expect(refusal(.string("model")) == EventError(field: "", "an event must be a JSON object, not a string"))
        #expect(refusal(.null) == EventError(field: "", "an event must be a JSON object, not null"))
        #expect(refusal(.number(1)) == EventError(field: "", "an event must be a JSON object, not a number"))
        #expect(refusal(.bool(true)) == EventError(field: "", "an event must be a JSON object, not a boolean"))
        #expect(refusal(JSONObject()) == EventError(field: "kind", "is missing"))
        #expect(refusal(with(Minimal.model, "kind", 1)) == EventError(field: "kind", "must be a string, not a number"))
        for kind in ["Model", "models", "", "reward_model"] {
            #expect(
                refusal(with(Minimal.model, "kind", .string(kind)))
                    == EventError(
                        field: "kind", "unknown kind \"\(kind)\" (expected one of model, output, critique, label, dataset, finding)"))
        }
    }

    @Test(arguments: [
        (Minimal.model, "id", JSONValue.number(5), "must be a string, not a number"),
        (Minimal.model, "role", .bool(true), "must be a string, not a boolean"),
        (Minimal.model, "base", .number(1), "must be a string, not a number"),
        (Minimal.model, "trained_on", .string("d1"), "must be an array of ids, not a string"),
        (Minimal.model, "weights_sha256", .number(1), "must be a string, not a number"),
        (Minimal.output, "model", .null, "must be a string, not null"),
        (Minimal.output, "task", .number(3), "must be a string, not a number"),
        (Minimal.output, "content", .array([]), "must be a string, not an array"),
        (Minimal.output, "content_sha256", .object([:]), "must be a string, not an object"),
        (Minimal.critique, "critic", .array(["m0"]), "must be a string, not an array"),
        (Minimal.critique, "targets", .object([:]), "must be an array of ids, not an object"),
        (Minimal.critique, "targets", .string("o1"), "must be an array of ids, not a string"),
        (Minimal.critique, "text", .number(1), "must be a string, not a number"),
        (Minimal.critique, "findings", .string("x"), "must be an array, not a string"),
        (Minimal.critique, "findings", .object([:]), "must be an array, not an object"),
        (Minimal.label, "rater", .number(1), "must be a string, not a number"),
        (Minimal.label, "targets", .null, "must be an array of ids, not null"),
        (Minimal.label, "value", .null, "must not be null"),
        (Minimal.label, "assisted_by", .string("c1"), "must be an array of ids, not a string"),
        (Minimal.dataset, "members", .string("l1"), "must be an array of ids, not a string"),
        (Minimal.dataset, "extends", .array(["d0"]), "must be a string, not an array"),
        (Minimal.finding, "about", .object([:]), "must be a string, not an object"),
        (Minimal.finding, "verdict", .number(1), "must be a string, not a number"),
        (Minimal.finding, "auditor", .null, "must be a string, not null"),
        (Minimal.finding, "error_type", .number(1), "must be a string, not a number"),
        (Minimal.finding, "evidence", .bool(false), "must be a string, not a boolean"),
        (Minimal.finding, "time", .number(1), "must be a string, not a number"),
        (Minimal.finding, "time", .null, "must be a string, not null"),
        (Minimal.dataset, "attributes", .array([]), "must be an object, not an array"),
        (Minimal.dataset, "attributes", .string("x"), "must be an object, not a string"),
        (Minimal.dataset, "attributes", .null, "must be an object, not null"),
    ])
    func refusesWrongTypes(event: JSONObject, field: String, value: JSONValue, reason: String) {
        #expect(refusal(with(event, field, value)) == EventError(field: field, reason))
    }

    @Test(arguments: [
        (Minimal.model, "role", "must not be empty"),
        (Minimal.output, "task", "must not be empty"),
        (Minimal.label, "rater", "must not be empty"),
        (Minimal.finding, "verdict", "must not be empty"),
        (Minimal.finding, "auditor", "must not be empty"),
        (Minimal.finding, "error_type", "must not be empty"),
        (Minimal.model, "id", "id is empty"),
        (Minimal.model, "base", "id is empty"),
        (Minimal.output, "model", "id is empty"),
        (Minimal.critique, "critic", "id is empty"),
        (Minimal.dataset, "extends", "id is empty"),
        (Minimal.finding, "about", "id is empty"),
    ])
    func refusesEmptyStrings(event: JSONObject, field: String, reason: String) {
        #expect(refusal(with(event, field, "")) == EventError(field: field, reason))
    }

    @Test func acceptsEmptyFreeText() {
        #expect(refusal(with(Minimal.output, "content", "")) == nil)
        #expect(refusal(with(Minimal.critique, "text", "")) == nil)
        #expect(refusal(with(Minimal.finding, "evidence", "")) == nil)
    }

    // MARK: - Ids

    @Test(arguments: [
        ("", "is empty"),
        (String(repeating: "a", count: 201), "is longer than 200 characters"),
        (String(repeating: "é", count: 201), "is longer than 200 characters"),
        (String(repeating: "😀", count: 201), "is longer than 200 characters"),
        // 101 characters but 201 Unicode scalars.
        (String(repeating: "e\u{301}", count: 100) + "x", "is longer than 200 characters"),
        (String(repeating: "a", count: 200) + "\u{1}", "is longer than 200 characters"),
        ("a\tb", "contains the control character U+0009"),
        ("\u{0}", "contains the control character U+0000"),
        ("a\u{1F}", "contains the control character U+001F"),
        ("line\n", "contains the control character U+000A"),
        ("\u{7F}", "contains the control character U+007F"),
        ("x\u{85}", "contains the control character U+0085"),
        ("é\u{9F}", "contains the control character U+009F"),
        ("\u{1}" + String(repeating: "a", count: 250), "contains the control character U+0001"),
    ])
    func refusesInvalidIDs(id: String, problem: String) {
        #expect(EntryID.problem(with: id) == problem)
        #expect(refusal(with(Minimal.model, "id", .string(id))) == EventError(field: "id", "id \(problem)"))
        #expect(refusal(with(Minimal.output, "model", .string(id))) == EventError(field: "model", "id \(problem)"))
        #expect(refusal(with(Minimal.critique, "targets", ["o1", .string(id)])) == EventError(field: "targets[1]", "id \(problem)"))
    }

    @Test(arguments: [
        "a",
        " ",
        "model/v1:rm#3 final",
        String(repeating: "a", count: 200),
        String(repeating: "é", count: 200),
        String(repeating: "😀", count: 200),
        // 200 Unicode scalars in 100 characters.
        String(repeating: "e\u{301}", count: 100),
        "\u{A0}\u{200B}\u{2028}\u{FEFF}",
        "\u{10FFFD}",
    ])
    func acceptsValidIDs(id: String) throws {
        #expect(EntryID.problem(with: id) == nil)
        #expect(try decode(with(Minimal.model, "id", .string(id))).id == id)
        #expect(EntryID.maximumLength == 200)
    }

    // MARK: - Reference lists

    @Test func checksHowManyIDsAListHolds() throws {
        #expect(refusal(with(Minimal.label, "targets", [])) == EventError(field: "targets", "must list 1 to 2 id(s), not 0"))
        #expect(
            refusal(with(Minimal.label, "targets", ["o1", "o2", "o3"])) == EventError(field: "targets", "must list 1 to 2 id(s), not 3"))
        #expect(try decode(with(Minimal.label, "targets", ["o1", "o2"])).references.count == 2)
        #expect(refusal(with(Minimal.critique, "targets", [])) == EventError(field: "targets", "must list at least 1 id(s), not 0"))
        #expect(try decode(with(Minimal.critique, "targets", .array(ids(50, "o")))).references.count == 51)
        #expect(refusal(with(Minimal.dataset, "members", [])) == EventError(field: "members", "must list at least 1 id(s), not 0"))
        // Optional lists may be empty.
        #expect(try decode(with(Minimal.model, "trained_on", [])).references == [])
        #expect(
            try decode(with(Minimal.label, "assisted_by", [])).references == [Reference(role: .labelTarget, id: "o1", path: "targets[0]")])
    }

    @Test func refusesNonStringIDsInAListByPath() {
        #expect(refusal(with(Minimal.label, "targets", ["o1", 2])) == EventError(field: "targets[1]", "must be a string id, not a number"))
        #expect(refusal(with(Minimal.dataset, "members", [.null])) == EventError(field: "members[0]", "must be a string id, not null"))
        #expect(
            refusal(with(Minimal.model, "trained_on", ["d1", ["d2"]]))
                == EventError(field: "trained_on[1]", "must be a string id, not an array"))
        #expect(refusal(with(Minimal.label, "assisted_by", [""])) == EventError(field: "assisted_by[0]", "id is empty"))
    }

    @Test func refusesAnIDListedTwiceByThePathOfTheRepeat() {
        #expect(refusal(with(Minimal.label, "targets", ["o1", "o1"])) == EventError(field: "targets[1]", "\"o1\" is listed twice"))
        #expect(
            refusal(with(Minimal.critique, "targets", ["a", "b", "c", "b"])) == EventError(field: "targets[3]", "\"b\" is listed twice"))
        #expect(
            refusal(with(Minimal.label, "assisted_by", ["c1", "c2", "c1"])) == EventError(field: "assisted_by[2]", "\"c1\" is listed twice")
        )
        #expect(refusal(with(Minimal.model, "trained_on", ["d", "d"])) == EventError(field: "trained_on[1]", "\"d\" is listed twice"))
        // Up to 16 ids are compared pairwise, longer lists through a set: both find the repeat.
        #expect(
            refusal(with(Minimal.dataset, "members", .array(ids(15) + ["l3"])))
                == EventError(field: "members[15]", "\"l3\" is listed twice"))
        #expect(
            refusal(with(Minimal.dataset, "members", .array(ids(16) + ["l0"])))
                == EventError(field: "members[16]", "\"l0\" is listed twice"))
        #expect(
            refusal(with(Minimal.dataset, "members", .array(ids(39) + ["l38"])))
                == EventError(field: "members[39]", "\"l38\" is listed twice"))
        #expect(refusal(with(Minimal.dataset, "members", .array(ids(1000)))) == nil)
        // Ids differing only in case are different ids.
        #expect(refusal(with(Minimal.label, "targets", ["o1", "O1"])) == nil)
        // The same id in two different lists is not a repeat.
        #expect(refusal(with(Minimal.label, "assisted_by", ["o1"])) == nil)
    }

    /// Ids are compared by their bytes, as SQLite's UNIQUE index compares them: "é" precomposed
    /// and "e" + U+0301 are two different entries, which one list may name together, on both the
    /// pairwise path and the set path.
    @Test func treatsCanonicallyEquivalentIDsAsDifferent() throws {
        let (nfc, nfd) = ("\u{E9}", "e\u{301}")
        let label = try decode(with(Minimal.label, "targets", [.string(nfc), .string(nfd)]))
        #expect(label.references.map { Array($0.id.utf8) } == [Array(nfc.utf8), Array(nfd.utf8)])
        let dataset = try decode(with(Minimal.dataset, "members", .array(ids(20) + [.string(nfd), .string(nfc)])))
        #expect(dataset.references.suffix(2).map { Array($0.id.utf8) } == [Array(nfd.utf8), Array(nfc.utf8)])
        // A repeat of the same bytes is still one.
        #expect(
            refusal(with(Minimal.label, "targets", [.string(nfd), .string(nfd)]))
                == EventError(
                    field: "targets[1]", "\"\(nfd)\" is listed twice"))
        #expect(
            refusal(with(Minimal.dataset, "members", .array(ids(20) + [.string(nfc), .string(nfd), .string(nfc)])))
                == EventError(
                    field: "members[22]", "\"\(nfc)\" is listed twice"))
    }

    // MARK: - Values of particular fields

    @Test func distinguishesPersonsFromModelsAsRaters() throws {
        #expect(try decode(with(Minimal.label, "rater", "human:alice")).references.map(\.role) == [.labelTarget])
        #expect(try decode(with(Minimal.label, "rater", "human:a")).references.map(\.role) == [.labelTarget])
        #expect(refusal(with(Minimal.label, "rater", "human:")) == EventError(field: "rater", #""human:" names no person after "human:""#))
        // A person's id follows the rules of entry ids, "human:" included.
        #expect(try decode(with(Minimal.label, "rater", .string("human:" + String(repeating: "a", count: 194)))).references.count == 1)
        #expect(
            refusal(with(Minimal.label, "rater", .string("human:" + String(repeating: "a", count: 195))))
                == EventError(
                    field: "rater", "person id is longer than 200 characters"))
        #expect(
            refusal(with(Minimal.label, "rater", "human:al\u{7}ice"))
                == EventError(
                    field: "rater", "person id contains the control character U+0007"))
        // The prefix is matched by bytes: a combining mark after the colon still names a person.
        #expect(try decode(with(Minimal.label, "rater", "human:\u{301}x")).references.map(\.role) == [.labelTarget])
        // Anything else names a model version, and must be a valid id.
        for rater in ["Human:alice", "human", "humans:x", "rm-3", " human:alice"] {
            #expect(
                try decode(with(Minimal.label, "rater", .string(rater))).references.first
                    == Reference(role: .rater, id: rater, path: "rater"))
        }
        #expect(
            refusal(with(Minimal.label, "rater", .string("m\u{1}")))
                == EventError(field: "rater", "id contains the control character U+0001"))
        #expect(
            refusal(with(Minimal.label, "rater", .string(String(repeating: "m", count: 201))))
                == EventError(
                    field: "rater", "id is longer than 200 characters"))
    }

    @Test func acceptsOnlyTheTwoVerdicts() throws {
        #expect(try decode(with(Minimal.finding, "verdict", "erroneous")).kind == .finding)
        #expect(try decode(with(Minimal.finding, "verdict", "correct")).kind == .finding)
        for verdict in ["wrong", "Correct", "ERRONEOUS", "correct "] {
            #expect(
                refusal(with(Minimal.finding, "verdict", .string(verdict)))
                    == EventError(
                        field: "verdict", "must be \"erroneous\" or \"correct\", not \"\(verdict)\""))
        }
    }

    @Test func checksEachCritiqueFinding() {
        func findings(_ items: JSONValue...) -> JSONObject { with(Minimal.critique, "findings", .array(items)) }
        #expect(refusal(findings("x")) == EventError(field: "findings[0]", "must be an object, not a string"))
        #expect(refusal(findings(["claim": "a"], [])) == EventError(field: "findings[1]", "must be an object, not an array"))
        #expect(refusal(findings([:])) == EventError(field: "findings[0].claim", "is missing"))
        #expect(refusal(findings(["claim": ""])) == EventError(field: "findings[0].claim", "must not be empty"))
        #expect(refusal(findings(["claim": 1])) == EventError(field: "findings[0].claim", "must be a string, not a number"))
        for severity in ["critical", "HIGH", "", "Low"] {
            #expect(
                refusal(findings(["claim": "a"], ["claim": "b", "severity": .string(severity)]))
                    == EventError(
                        field: "findings[1].severity", "must be low, medium or high, not \"\(severity)\""))
        }
        #expect(
            refusal(findings(["claim": "a", "severity": 3])) == EventError(field: "findings[0].severity", "must be a string, not a number"))
        #expect(
            refusal(findings(["claim": "a", "location": 3])) == EventError(field: "findings[0].location", "must be a string, not a number"))
        let unknown = "is not a field of a critique finding (claim, severity, location)"
        #expect(refusal(findings(["claim": "a", "tag": "x"])) == EventError(field: "findings[0].tag", unknown))
        #expect(refusal(findings(["claim": "a", "zz": 1, "aa": 2])) == EventError(field: "findings[0].aa", unknown))
        // Unknown keys are reported before a missing claim.
        #expect(refusal(findings(["note": "x"])) == EventError(field: "findings[0].note", unknown))
    }

    @Test func checksContentAgainstItsDigest() throws {
        let output = with(Minimal.output, "content", "hello")
        #expect(refusal(with(output, "content_sha256", .string(helloDigest))) == nil)
        let otherDigest = String(repeating: "0", count: 64)
        #expect(
            refusal(with(output, "content_sha256", .string(otherDigest)))
                == EventError(
                    field: "content_sha256", #"does not match the SHA-256 of "content""#))
        // The digest covers the UTF-8 bytes of the content.
        let unicode = with(Minimal.output, "content", "caf\u{E9} 😀")
        #expect(refusal(with(unicode, "content_sha256", "043764df773ac7ceea6175e1498893e6ee33e79885288417cc1d75cba6094827")) == nil)
        // Without content, a digest is kept as given; without a digest, content needs none.
        #expect(refusal(with(Minimal.output, "content_sha256", .string(otherDigest))) == nil)
        #expect(refusal(output) == nil)
        // Digests are written in lowercase, even when the uppercase one names the right bytes.
        #expect(
            refusal(with(output, "content_sha256", .string(helloDigest.uppercased())))
                == EventError(
                    field: "content_sha256", "must be 64 lowercase hex digits (a SHA-256 digest)"))
    }

    @Test(arguments: [
        String(repeating: "a", count: 63),
        String(repeating: "a", count: 65),
        String(repeating: "A", count: 64),
        String(repeating: "g", count: 64),
        String(repeating: "a", count: 62) + "0x",
        String(repeating: "a", count: 63) + " ",
        "",
    ])
    func refusesMalformedWeightDigests(digest: String) {
        #expect(
            refusal(with(Minimal.model, "weights_sha256", .string(digest)))
                == EventError(
                    field: "weights_sha256", "must be 64 lowercase hex digits (a SHA-256 digest)"))
    }

    @Test func acceptsLevelsThatAreIntegersFromZeroToAMillion() throws {
        for (value, level) in [(JSONValue.number(0), 0), (1, 1), (2.0, 2), (-0.0, 0), (1_000_000, 1_000_000)] {
            #expect(try decode(with(Minimal.model, "level", value)).declaredLevel == level)
        }
        #expect(EventDecoder.maximumLevel == 1_000_000)
    }

    @Test(arguments: [
        (JSONValue.number(1.5), "1.5"),
        (.number(-1), "-1"),
        (.number(1_000_001), "1000001"),
        (.number(1e300), "1e+300"),
        (.string("1"), #""1""#),
        (.null, "null"),
        (.bool(true), "true"),
        (.array([1]), "[1]"),
    ])
    func refusesLevelsThatAreNotSuchIntegers(value: JSONValue, shown: String) {
        #expect(
            refusal(with(Minimal.model, "level", value)) == EventError(field: "level", "must be an integer from 0 to 1000000, not \(shown)")
        )
    }

    // MARK: - Time and the canonical body

    @Test func recordsTheAppendTimeWhenTheEventHasNone() throws {
        let clock = Clock()
        let event = try EventDecoder.decode(.object(Minimal.label), appendTime: clock.time())
        #expect(clock.reads == 1)
        #expect(event.time == appendTime)
        #expect(body(event).contains(#""time":"2030-01-01T00:00:00Z""#))
    }

    @Test func normalizesAGivenTimeAndNeverAsksForTheAppendTime() throws {
        let clock = Clock()
        let event = try EventDecoder.decode(.object(with(Minimal.model, "time", "2026-01-01T01:00:00.500+01:00")), appendTime: clock.time())
        #expect(clock.reads == 0)
        #expect(event.time == "2026-01-01T00:00:00.5Z")
        #expect(body(event) == #"{"id":"m1","kind":"model","level":1,"role":"policy","time":"2026-01-01T00:00:00.5Z"}"#)
    }

    @Test func refusesAnInvalidTimeQuotingIt() {
        #expect(
            refusal(with(Minimal.model, "time", "2026-02-30T00:00:00Z"))
                == EventError(field: "time", #""2026-02-30T00:00:00Z" day 30 is out of range"#))
        #expect(
            refusal(with(Minimal.model, "time", "2026-01-01T00:00:00"))
                == EventError(
                    field: "time", #""2026-01-01T00:00:00" has no time zone offset (Z or ±HH:MM)"#))
        #expect(refusal(with(Minimal.model, "time", "")) == EventError(field: "time", #""" is too short for an RFC 3339 date-time"#))
    }

    @Test func writesTheNormalizedEventAsCanonicalJSONKeepingAttributes() throws {
        let line = #"""
            {"kind":"label","id":"l1","rater":"human:a","targets":["o1"],"value":{"b":2,"a":1.50},
             "attributes":{"z":[1e21,-0,1E-7],"a":"\u00e9\n","nested":{"y":null,"x":true}},"time":"2026-01-01T01:00:00+01:00"}
            """#
        let event = try EventDecoder.decode(try JSONParser.parse(line), appendTime: appendTime)
        let expected =
            #"{"attributes":{"a":"é\n","nested":{"x":true,"y":null},"z":[1e+21,0,1e-7]},"id":"l1","kind":"label","#
            + #""rater":"human:a","targets":["o1"],"time":"2026-01-01T00:00:00Z","value":{"a":1.5,"b":2}}"#
        #expect(event.body == Array(expected.utf8))
        // The body decodes to the same event again.
        let again = try EventDecoder.decode(try JSONParser.parse(event.body), appendTime: "unused")
        #expect(again.body == event.body)
        #expect(again.time == event.time)
        #expect(again.references == event.references)
    }

    // MARK: - Links

    @Test func namesEachLinkRolesFieldAndClass() {
        let table: [(LinkRole, String, String, LinkClass, String)] = [
            (.base, "base", "base", .version, "a model"),
            (.trainedOn, "trained_on", "trained_on", .training, "a dataset, a label or a reward model"),
            (.model, "model", "model", .training, "a model"),
            (.critic, "critic", "critic", .training, "a model"),
            (.critiqueTarget, "critique_target", "targets", .evaluation, "an output"),
            (.rater, "rater", "rater", .training, "a model"),
            (.labelTarget, "label_target", "targets", .evaluation, "an output"),
            (.assistedBy, "assisted_by", "assisted_by", .evaluation, "a critique"),
            (.member, "member", "members", .training, "a label"),
            (.extends, "extends", "extends", .training, "a dataset"),
            (.about, "about", "about", .audit, "an entry"),
        ]
        #expect(table.map(\.0) == LinkRole.allCases)
        for (role, rawValue, field, linkClass, expectation) in table {
            #expect(role.rawValue == rawValue)
            #expect(role.field == field)
            #expect(role.linkClass == linkClass)
            #expect(role.expectation == expectation)
        }
    }

    @Test(arguments: LinkRole.allCases)
    func acceptsReferencedEntriesOfTheRightKind(role: LinkRole) {
        let models: [String?] = [nil, "policy", "critic", "reward_model"]
        for kind in EventKind.allCases {
            for modelRole in kind == .model ? models : [nil] {
                let expected: Bool
                switch role {
                case .base, .model, .critic, .rater: expected = kind == .model
                case .trainedOn: expected = kind == .dataset || kind == .label || modelRole == "reward_model"
                case .critiqueTarget, .labelTarget: expected = kind == .output
                case .assistedBy: expected = kind == .critique
                case .member: expected = kind == .label
                case .extends: expected = kind == .dataset
                case .about: expected = true
                }
                #expect(role.accepts(kind: kind, modelRole: modelRole) == expected, "\(role) → \(kind) \(modelRole ?? "-")")
            }
        }
        // The role only matters for models.
        #expect(LinkRole.trainedOn.accepts(kind: .output, modelRole: "reward_model") == false)
    }

    @Test func acceptsTableCountsMatchTheDocumentedLinks() {
        var accepted: [LinkRole: Int] = [:]
        for role in LinkRole.allCases {
            for kind in EventKind.allCases where role.accepts(kind: kind, modelRole: nil) {
                accepted[role, default: 0] += 1
            }
        }
        #expect(
            accepted == [
                .base: 1, .model: 1, .critic: 1, .rater: 1, .trainedOn: 2, .critiqueTarget: 1, .labelTarget: 1,
                .assistedBy: 1, .member: 1, .extends: 1, .about: 6,
            ])
    }

    // MARK: - Levels

    @Test func carriesLevelsOnlyAlongLinksThatDetermineThem() {
        let determining: Set<LinkRole> = [.model, .critiqueTarget, .labelTarget, .member, .extends, .about]
        for role in LinkRole.allCases {
            #expect(LevelRule.determinesLevel(role) == determining.contains(role), "\(role)")
        }
    }

    @Test func derivesLevelsFromWhatAnEventReferences() throws {
        // A model declares its level, whatever it references.
        let model = try decode(with(with(Minimal.model, "level", 3), "base", "m0"))
        #expect(LevelRule.level(of: model, referencedLevels: [7]) == 3)
        let trained = try decode(with(with(Minimal.model, "level", 0), "trained_on", ["d1", "d2"]))
        #expect(LevelRule.level(of: trained, referencedLevels: [4, 5]) == 0)
        // An output sits at its model's level.
        #expect(LevelRule.level(of: try decode(Minimal.output), referencedLevels: [2]) == 2)
        // A critique at its highest target, not its critic.
        let critique = try decode(with(Minimal.critique, "targets", ["o1", "o2"]))
        #expect(LevelRule.level(of: critique, referencedLevels: [5, 1, 2]) == 2)
        #expect(LevelRule.level(of: critique, referencedLevels: [0, 1, 0]) == 1)
        // A label at its highest target, not its rater or the critiques that assisted it.
        let label = try decode(["kind": "label", "id": "l", "rater": "m9", "targets": ["o1", "o2"], "value": 1, "assisted_by": ["c1"]])
        #expect(LevelRule.level(of: label, referencedLevels: [9, 0, 1, 4]) == 1)
        #expect(LevelRule.level(of: try decode(Minimal.label), referencedLevels: [3]) == 3)
        // A dataset at its highest member or the dataset it extends.
        let dataset = try decode(["kind": "dataset", "id": "d", "members": ["l1", "l2", "l3"], "extends": "d0"])
        #expect(LevelRule.level(of: dataset, referencedLevels: [0, 2, 1, 4]) == 4)
        #expect(LevelRule.level(of: dataset, referencedLevels: [0, 2, 1, 1]) == 2)
        // A finding at the level of what it judges.
        #expect(LevelRule.level(of: try decode(Minimal.finding), referencedLevels: [6]) == 6)
        // Level 0 when nothing determines it.
        #expect(LevelRule.level(of: try decode(Minimal.finding), referencedLevels: []) == 0)
        #expect(
            LevelRule.level(
                of: try decode(["kind": "label", "id": "l", "rater": "m9", "targets": ["o1"], "value": 1]), referencedLevels: [9, 0]) == 0)
    }
}
