import Foundation
import RRMTestSupport
import Testing

@testable import RRMAnalysis
@testable import RRMArchive
@testable import RRMFormat
@testable import RRMSimulation
@testable import RRMStore

/// Schema/event.schema.json says what `EventDecoder` does: every valid event below is accepted by
/// both, every invalid one refused by both (the decoder naming the field the case is about). The
/// schema side runs Python's `jsonschema` package once for all cases; CI installs it.
@Suite struct EventSchemaTests {
    /// One event line and what the decoder must make of it.
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let json: String
        /// `nil` for a valid event; otherwise the field the decoder must name ("" for the event
        /// as a whole).
        let refusedField: String?
        var testDescription: String { name }
    }

    static func valid(_ name: String, _ json: String) -> Case {
        Case(name: name, json: json, refusedField: nil)
    }

    static func invalid(_ name: String, field: String, _ json: String) -> Case {
        Case(name: name, json: json, refusedField: field)
    }

    static let digest = String(repeating: "0123456789abcdef", count: 4)
    static let contentDigest = SHA256Hash.of(Array("print(1)".utf8)).hex
    /// 20 ids: long enough that the decoder checks repeats with a set rather than pairwise.
    static let twentyIDs = (1...20).map { "\"o\($0)\"" }.joined(separator: ",")
    static let model = #""kind":"model","id":"m1","level":0,"role":"policy""#
    static let output = #""kind":"output","id":"o1","model":"m1","task":"t""#
    static let critique = #""kind":"critique","id":"c1","critic":"m1""#
    static let label = #""kind":"label","id":"l1","rater":"human:alice""#
    static let dataset = #""kind":"dataset","id":"d1""#
    static let finding = #""kind":"finding","id":"f1","about":"c1","auditor":"human:dana""#

    static let validCases: [Case] = [
        // model
        valid("model with its required fields", "{\(model)}"),
        valid(
            "model with every field",
            #"{"kind":"model","id":"rm-2","level":2,"role":"reward_model","base":"rm-1","trained_on":["d1","l1","rm-1"],"weights_sha256":"\#(digest)","time":"2026-03-02T10:15:00Z","attributes":{"lr":0.00001,"nested":{"a":[1,{"b":null}]}}}"#
        ),
        valid("model trained on nothing", #"{\#(model),"trained_on":[]}"#),
        valid("model at the highest level", #"{"kind":"model","id":"m1","level":1000000,"role":"policy"}"#),
        valid("model level written 1.0", #"{"kind":"model","id":"m1","level":1.0,"role":"policy"}"#),
        valid("model level written 1e2", #"{"kind":"model","id":"m1","level":1e2,"role":"policy"}"#),
        valid("model level written -0", #"{"kind":"model","id":"m1","level":-0,"role":"policy"}"#),
        valid("model with empty attributes", #"{\#(model),"attributes":{}}"#),
        // output
        valid("output with its required fields", "{\(output)}"),
        valid("output with content and its digest", #"{\#(output),"content":"print(1)","content_sha256":"\#(contentDigest)"}"#),
        valid("output with empty content", #"{\#(output),"content":""}"#),
        valid("output with a digest only", #"{\#(output),"content_sha256":"\#(digest)"}"#),
        // critique
        valid("critique with its required fields", #"{\#(critique),"targets":["o1"]}"#),
        valid(
            "critique with every field",
            #"{\#(critique),"targets":["o1","o2"],"text":"Off by one.","findings":[{"claim":"loop ends early","severity":"high","location":"line 3"},{"claim":"no test for []","severity":"low"},{"claim":"slow","severity":"medium"}]}"#
        ),
        valid("critique of twenty outputs", #"{\#(critique),"targets":[\#(twentyIDs)]}"#),
        valid("critique with empty text and no findings", #"{\#(critique),"targets":["o1"],"text":"","findings":[]}"#),
        valid("critique finding with a claim only", #"{\#(critique),"targets":["o1"],"findings":[{"claim":"x"}]}"#),
        // label
        valid("label by a person", #"{\#(label),"targets":["o1"],"value":5}"#),
        valid(
            "pairwise label by a model, assisted",
            #"{"kind":"label","id":"l2","rater":"rm-0","targets":["o1","o2"],"value":"o2","assisted_by":["c1","c2"]}"#),
        valid("label valued false", #"{\#(label),"targets":["o1"],"value":false}"#),
        valid("label valued an empty object", #"{\#(label),"targets":["o1"],"value":{}}"#),
        valid("label valued an empty array", #"{\#(label),"targets":["o1"],"value":[]}"#),
        valid("label valued an empty string", #"{\#(label),"targets":["o1"],"value":""}"#),
        valid("label assisted by nothing", #"{\#(label),"targets":["o1"],"value":1,"assisted_by":[]}"#),
        // Ids are byte strings: these two spellings of "café" are two different outputs.
        valid("targets that differ only in Unicode normalization", #"{\#(label),"targets":["caf\u00e9","cafe\u0301"],"value":1}"#),
        valid("rater Human:alice is a model id", #"{"kind":"label","id":"l1","rater":"Human:alice","targets":["o1"],"value":1}"#),
        // dataset
        valid("dataset with its required fields", #"{\#(dataset),"members":["l1"]}"#),
        valid("dataset extending another", #"{\#(dataset),"members":["l1","l2"],"extends":"d0"}"#),
        valid("dataset of twenty labels", #"{\#(dataset),"members":[\#(twentyIDs)]}"#),
        // finding
        valid("finding with its required fields", #"{\#(finding),"verdict":"erroneous"}"#),
        valid(
            "finding with every field",
            #"{\#(finding),"verdict":"correct","error_type":"sycophancy","evidence":"","attributes":{"sample":"s-7"}}"#),
        // ids
        valid("id of 200 characters", #"{"kind":"model","id":"\#(String(repeating: "x", count: 200))","level":0,"role":"p"}"#),
        valid("id of 200 non-ASCII characters", #"{"kind":"model","id":"\#(String(repeating: "é", count: 200))","level":0,"role":"p"}"#),
        valid(
            "id of 200 characters beyond the BMP", #"{"kind":"model","id":"\#(String(repeating: "😀", count: 200))","level":0,"role":"p"}"#),
        valid("id with spaces and format characters", #"{"kind":"model","id":" a\u00a0b\u2028c\u200bd ","level":0,"role":"p"}"#),
        // time
        valid("time with lowercase t and z and a fraction", #"{\#(model),"time":"2026-03-02t10:15:00.250z"}"#),
        valid("time with nanoseconds and an offset", #"{\#(model),"time":"2026-03-02T10:15:00.123456789+05:30"}"#),
        valid("time on a leap day with -00:00", #"{\#(model),"time":"2024-02-29T23:59:59-00:00"}"#),
        valid("time on 2000-02-29", #"{\#(model),"time":"2000-02-29T00:00:00Z"}"#),
        valid("time in year 0000", #"{\#(model),"time":"0000-01-01T00:00:00Z"}"#),
        valid("time at the end of year 9999", #"{\#(model),"time":"9999-12-31T23:59:59Z"}"#),
        valid("time with the largest offset", #"{\#(model),"time":"2026-03-02T00:30:00+23:59"}"#),
        valid("time with a zero fraction", #"{\#(model),"time":"2026-12-31T23:59:59.000Z"}"#),
    ]

    static let invalidCases: [Case] = [
        // the event as a whole
        invalid("an array", field: "", #"["model"]"#),
        invalid("a string", field: "", #""model""#),
        invalid("missing kind", field: "kind", #"{"id":"x"}"#),
        invalid("kind not a string", field: "kind", #"{"kind":1,"id":"x"}"#),
        invalid("unknown kind", field: "kind", #"{"kind":"opinion","id":"x"}"#),
        invalid("kind in capitals", field: "kind", #"{"kind":"Model","id":"x","level":0,"role":"p"}"#),
        invalid("unknown field", field: "colour", #"{\#(model),"colour":"red"}"#),
        invalid("another kind's field", field: "task", #"{\#(model),"task":"t"}"#),
        invalid("attributes an array", field: "attributes", #"{\#(model),"attributes":[1]}"#),
        invalid("attributes null", field: "attributes", #"{\#(model),"attributes":null}"#),
        invalid("attributes a string", field: "attributes", #"{\#(model),"attributes":"lr=0.1"}"#),
        // id
        invalid("missing id", field: "id", #"{"kind":"model","level":0,"role":"p"}"#),
        invalid("id a number", field: "id", #"{"kind":"model","id":7,"level":0,"role":"p"}"#),
        invalid("empty id", field: "id", #"{"kind":"model","id":"","level":0,"role":"p"}"#),
        invalid(
            "id of 201 characters", field: "id", #"{"kind":"model","id":"\#(String(repeating: "x", count: 201))","level":0,"role":"p"}"#),
        invalid(
            "id of 201 non-ASCII characters", field: "id",
            #"{"kind":"model","id":"\#(String(repeating: "é", count: 201))","level":0,"role":"p"}"#),
        invalid("id with U+0000", field: "id", #"{"kind":"model","id":"a\u0000","level":0,"role":"p"}"#),
        invalid("id with a tab", field: "id", #"{"kind":"model","id":"a\tb","level":0,"role":"p"}"#),
        invalid("id ending in a newline", field: "id", #"{"kind":"model","id":"m1\n","level":0,"role":"p"}"#),
        invalid("id with DEL", field: "id", #"{"kind":"model","id":"a\u007f","level":0,"role":"p"}"#),
        invalid("id with a C1 control (NEL)", field: "id", #"{"kind":"model","id":"a\u0085","level":0,"role":"p"}"#),
        // time
        invalid("time a number", field: "time", #"{\#(model),"time":1767225600}"#),
        invalid("time null", field: "time", #"{\#(model),"time":null}"#),
        invalid("time with a space for T", field: "time", #"{\#(model),"time":"2026-03-02 10:15:00Z"}"#),
        invalid("time without seconds", field: "time", #"{\#(model),"time":"2026-03-02T10:15Z"}"#),
        invalid("time without an offset", field: "time", #"{\#(model),"time":"2026-03-02T10:15:00"}"#),
        invalid("time a date only", field: "time", #"{\#(model),"time":"2026-03-02"}"#),
        invalid("time in basic format", field: "time", #"{\#(model),"time":"20260302T101500Z"}"#),
        invalid("time on 2026-02-29", field: "time", #"{\#(model),"time":"2026-02-29T00:00:00Z"}"#),
        invalid("time on 1900-02-29", field: "time", #"{\#(model),"time":"1900-02-29T00:00:00Z"}"#),
        invalid("time on April 31", field: "time", #"{\#(model),"time":"2026-04-31T00:00:00Z"}"#),
        invalid("time in month 13", field: "time", #"{\#(model),"time":"2026-13-01T00:00:00Z"}"#),
        invalid("time in month 0", field: "time", #"{\#(model),"time":"2026-00-10T00:00:00Z"}"#),
        invalid("time on day 0", field: "time", #"{\#(model),"time":"2026-03-00T00:00:00Z"}"#),
        invalid("time at hour 24", field: "time", #"{\#(model),"time":"2026-03-02T24:00:00Z"}"#),
        invalid("time at minute 60", field: "time", #"{\#(model),"time":"2026-03-02T23:60:00Z"}"#),
        invalid("time with a leap second", field: "time", #"{\#(model),"time":"2016-12-31T23:59:60Z"}"#),
        invalid("time with offset +24:00", field: "time", #"{\#(model),"time":"2026-03-02T10:15:00+24:00"}"#),
        invalid("time with offset minutes 60", field: "time", #"{\#(model),"time":"2026-03-02T10:15:00+05:60"}"#),
        invalid("time with offset +0530", field: "time", #"{\#(model),"time":"2026-03-02T10:15:00+0530"}"#),
        invalid("time with offset seconds", field: "time", #"{\#(model),"time":"2026-03-02T10:15:00+05:30:00"}"#),
        invalid("time with an empty fraction", field: "time", #"{\#(model),"time":"2026-03-02T10:15:00.Z"}"#),
        invalid("time with a trailing space", field: "time", #"{\#(model),"time":"2026-03-02T10:15:00Z "}"#),
        invalid("time with a trailing newline", field: "time", #"{\#(model),"time":"2026-03-02T10:15:00Z\n"}"#),
        invalid("time with a leading space", field: "time", #"{\#(model),"time":" 2026-03-02T10:15:00Z"}"#),
        invalid("time with a five-digit year", field: "time", #"{\#(model),"time":"12026-03-02T10:15:00Z"}"#),
        invalid("time with Arabic-Indic digits", field: "time", #"{\#(model),"time":"٢٠٢٦-03-02T10:15:00Z"}"#),
        invalid("time with two Zs", field: "time", #"{\#(model),"time":"2026-03-02T10:15:00ZZ"}"#),
        // model
        invalid("model without level", field: "level", #"{"kind":"model","id":"m1","role":"policy"}"#),
        invalid("model level a string", field: "level", #"{"kind":"model","id":"m1","level":"1","role":"policy"}"#),
        invalid("model level 1.5", field: "level", #"{"kind":"model","id":"m1","level":1.5,"role":"policy"}"#),
        invalid("model level -1", field: "level", #"{"kind":"model","id":"m1","level":-1,"role":"policy"}"#),
        invalid("model level 1000001", field: "level", #"{"kind":"model","id":"m1","level":1000001,"role":"policy"}"#),
        invalid("model level true", field: "level", #"{"kind":"model","id":"m1","level":true,"role":"policy"}"#),
        invalid("model level null", field: "level", #"{"kind":"model","id":"m1","level":null,"role":"policy"}"#),
        invalid("model without role", field: "role", #"{"kind":"model","id":"m1","level":0}"#),
        invalid("model role empty", field: "role", #"{"kind":"model","id":"m1","level":0,"role":""}"#),
        invalid("model role a number", field: "role", #"{"kind":"model","id":"m1","level":0,"role":1}"#),
        invalid("model base empty", field: "base", #"{\#(model),"base":""}"#),
        invalid("model base null", field: "base", #"{\#(model),"base":null}"#),
        invalid("model base a list", field: "base", #"{\#(model),"base":["m0"]}"#),
        invalid("model trained_on a string", field: "trained_on", #"{\#(model),"trained_on":"d1"}"#),
        invalid("model trained_on a number item", field: "trained_on[0]", #"{\#(model),"trained_on":[1]}"#),
        invalid("model trained_on an empty id", field: "trained_on[1]", #"{\#(model),"trained_on":["d1",""]}"#),
        invalid("model trained_on twice the same", field: "trained_on[1]", #"{\#(model),"trained_on":["d1","d1"]}"#),
        invalid("model weights digest in capitals", field: "weights_sha256", #"{\#(model),"weights_sha256":"\#(digest.uppercased())"}"#),
        invalid("model weights digest of 63 digits", field: "weights_sha256", #"{\#(model),"weights_sha256":"\#(digest.dropLast())"}"#),
        invalid("model weights digest of 65 digits", field: "weights_sha256", #"{\#(model),"weights_sha256":"\#(digest)0"}"#),
        invalid("model weights digest not hex", field: "weights_sha256", #"{\#(model),"weights_sha256":"\#(digest.dropLast())g"}"#),
        invalid("model weights digest a number", field: "weights_sha256", #"{\#(model),"weights_sha256":12}"#),
        // output
        invalid("output without model", field: "model", #"{"kind":"output","id":"o1","task":"t"}"#),
        invalid("output model a list", field: "model", #"{"kind":"output","id":"o1","model":["m1"],"task":"t"}"#),
        invalid("output without task", field: "task", #"{"kind":"output","id":"o1","model":"m1"}"#),
        invalid("output task empty", field: "task", #"{"kind":"output","id":"o1","model":"m1","task":""}"#),
        invalid("output content a number", field: "content", #"{\#(output),"content":5}"#),
        invalid("output content null", field: "content", #"{\#(output),"content":null}"#),
        invalid("output content digest in capitals", field: "content_sha256", #"{\#(output),"content_sha256":"\#(digest.uppercased())"}"#),
        // critique
        invalid("critique without critic", field: "critic", #"{"kind":"critique","id":"c1","targets":["o1"]}"#),
        invalid(
            "critique critic with a control character", field: "critic",
            #"{"kind":"critique","id":"c1","critic":"m\u0001","targets":["o1"]}"#),
        invalid("critique without targets", field: "targets", #"{\#(critique)}"#),
        invalid("critique of no target", field: "targets", #"{\#(critique),"targets":[]}"#),
        invalid("critique targets a string", field: "targets", #"{\#(critique),"targets":"o1"}"#),
        invalid("critique target twice", field: "targets[1]", #"{\#(critique),"targets":["o1","o1"]}"#),
        invalid("critique target twice in a long list", field: "targets[20]", #"{\#(critique),"targets":[\#(twentyIDs),"o7"]}"#),
        invalid("critique text a number", field: "text", #"{\#(critique),"targets":["o1"],"text":1}"#),
        invalid("critique findings an object", field: "findings", #"{\#(critique),"targets":["o1"],"findings":{"claim":"x"}}"#),
        invalid("critique finding a string", field: "findings[0]", #"{\#(critique),"targets":["o1"],"findings":["x"]}"#),
        invalid("critique finding without claim", field: "findings[0].claim", #"{\#(critique),"targets":["o1"],"findings":[{}]}"#),
        invalid("critique finding claim empty", field: "findings[0].claim", #"{\#(critique),"targets":["o1"],"findings":[{"claim":""}]}"#),
        invalid(
            "critique finding claim a number", field: "findings[0].claim", #"{\#(critique),"targets":["o1"],"findings":[{"claim":1}]}"#),
        invalid(
            "critique finding severity unknown", field: "findings[0].severity",
            #"{\#(critique),"targets":["o1"],"findings":[{"claim":"x","severity":"critical"}]}"#),
        invalid(
            "critique finding severity in capitals", field: "findings[0].severity",
            #"{\#(critique),"targets":["o1"],"findings":[{"claim":"x","severity":"High"}]}"#),
        invalid(
            "critique finding severity null", field: "findings[0].severity",
            #"{\#(critique),"targets":["o1"],"findings":[{"claim":"x","severity":null}]}"#),
        invalid(
            "critique finding location a number", field: "findings[0].location",
            #"{\#(critique),"targets":["o1"],"findings":[{"claim":"x","location":3}]}"#),
        invalid(
            "critique finding with an unknown field", field: "findings[0].confidence",
            #"{\#(critique),"targets":["o1"],"findings":[{"claim":"x","confidence":0.9}]}"#),
        invalid(
            "critique second finding faulty", field: "findings[1].claim",
            #"{\#(critique),"targets":["o1"],"findings":[{"claim":"x"},{"severity":"low"}]}"#),
        // label
        invalid("label without rater", field: "rater", #"{"kind":"label","id":"l1","targets":["o1"],"value":1}"#),
        invalid("label rater empty", field: "rater", #"{"kind":"label","id":"l1","rater":"","targets":["o1"],"value":1}"#),
        invalid("label rater human: alone", field: "rater", #"{"kind":"label","id":"l1","rater":"human:","targets":["o1"],"value":1}"#),
        invalid("label rater a number", field: "rater", #"{"kind":"label","id":"l1","rater":7,"targets":["o1"],"value":1}"#),
        invalid(
            "person rater longer than an id", field: "rater",
            #"{"kind":"label","id":"l1","rater":"human:\#(String(repeating: "p", count: 250))","targets":["o1"],"value":1}"#),
        invalid(
            "person rater with a control character", field: "rater",
            #"{"kind":"label","id":"l1","rater":"human:a\u0007","targets":["o1"],"value":1}"#),
        invalid(
            "label model rater with a control character", field: "rater",
            #"{"kind":"label","id":"l1","rater":"rm\u0007","targets":["o1"],"value":1}"#),
        invalid(
            "label model rater of 201 characters", field: "rater",
            #"{"kind":"label","id":"l1","rater":"\#(String(repeating: "r", count: 201))","targets":["o1"],"value":1}"#),
        invalid("label without targets", field: "targets", #"{\#(label),"value":1}"#),
        invalid("label of no target", field: "targets", #"{\#(label),"targets":[],"value":1}"#),
        invalid("label of three targets", field: "targets", #"{\#(label),"targets":["o1","o2","o3"],"value":1}"#),
        invalid("label target twice", field: "targets[1]", #"{\#(label),"targets":["o1","o1"],"value":1}"#),
        invalid("label without value", field: "value", #"{\#(label),"targets":["o1"]}"#),
        invalid("label value null", field: "value", #"{\#(label),"targets":["o1"],"value":null}"#),
        invalid("label assisted_by a string", field: "assisted_by", #"{\#(label),"targets":["o1"],"value":1,"assisted_by":"c1"}"#),
        invalid("label assisted_by null item", field: "assisted_by[0]", #"{\#(label),"targets":["o1"],"value":1,"assisted_by":[null]}"#),
        invalid(
            "label assisted_by twice the same", field: "assisted_by[1]",
            #"{\#(label),"targets":["o1"],"value":1,"assisted_by":["c1","c1"]}"#),
        // dataset
        invalid("dataset without members", field: "members", #"{\#(dataset)}"#),
        invalid("dataset of no member", field: "members", #"{\#(dataset),"members":[]}"#),
        invalid("dataset member twice", field: "members[2]", #"{\#(dataset),"members":["l1","l2","l1"]}"#),
        invalid("dataset member twice in a long list", field: "members[20]", #"{\#(dataset),"members":[\#(twentyIDs),"o20"]}"#),
        invalid("dataset extends empty", field: "extends", #"{\#(dataset),"members":["l1"],"extends":""}"#),
        invalid("dataset extends a list", field: "extends", #"{\#(dataset),"members":["l1"],"extends":["d0"]}"#),
        // finding
        invalid("finding without about", field: "about", #"{"kind":"finding","id":"f1","verdict":"correct","auditor":"a"}"#),
        invalid("finding about empty", field: "about", #"{"kind":"finding","id":"f1","about":"","verdict":"correct","auditor":"a"}"#),
        invalid("finding without verdict", field: "verdict", #"{\#(finding)}"#),
        invalid("finding verdict unknown", field: "verdict", #"{\#(finding),"verdict":"wrong"}"#),
        invalid("finding verdict in capitals", field: "verdict", #"{\#(finding),"verdict":"Erroneous"}"#),
        invalid("finding verdict a boolean", field: "verdict", #"{\#(finding),"verdict":true}"#),
        invalid("finding without auditor", field: "auditor", #"{"kind":"finding","id":"f1","about":"c1","verdict":"correct"}"#),
        invalid("finding auditor empty", field: "auditor", #"{"kind":"finding","id":"f1","about":"c1","verdict":"correct","auditor":""}"#),
        invalid("finding error_type empty", field: "error_type", #"{\#(finding),"verdict":"erroneous","error_type":""}"#),
        invalid("finding error_type a number", field: "error_type", #"{\#(finding),"verdict":"erroneous","error_type":3}"#),
        invalid("finding evidence a number", field: "evidence", #"{\#(finding),"verdict":"erroneous","evidence":3}"#),
    ]

    /// Rules only rrm-ledger can check (the schema's description lists them): the decoder refuses
    /// these events, the schema accepts them. Should the schema learn one, move it to the
    /// invalid cases.
    static let beyondTheSchema: [Case] = [
        invalid(
            "content digest of other content", field: "content_sha256",
            #"{\#(output),"content":"print(2)","content_sha256":"\#(contentDigest)"}"#),
        invalid("time before year 0000 in UTC", field: "time", #"{\#(model),"time":"0000-01-01T00:30:00+01:00"}"#),
        invalid("time after year 9999 in UTC", field: "time", #"{\#(model),"time":"9999-12-31T23:30:00-01:00"}"#),
    ]

    // MARK: - Tests

    @Test func schemaIsAValidDraft202012Schema() throws {
        // schemaVerdicts records an issue when the schema is not a valid draft 2020-12 schema.
        if let verdicts = try Self.schemaVerdicts(for: []) { #expect(verdicts.isEmpty) }
    }

    @Test func decoderAndSchemaAgree() throws {
        let agreed = Self.validCases + Self.invalidCases + (try Self.schemaExamples()) + (try Self.documentedCases())
        let cases = agreed + Self.beyondTheSchema
        guard let verdicts = try Self.schemaVerdicts(for: cases) else { return }
        try #require(verdicts.count == cases.count, "python printed \(verdicts.count) verdicts for \(cases.count) cases")
        for (index, (check, schemaError)) in zip(cases, verdicts).enumerated() {
            let decoderRefusal = try Self.decoderRefusal(check.json)
            #expect(
                decoderRefusal == check.refusedField,
                "\(check.name): the decoder should \(Self.describe(check.refusedField)), but it did \(Self.describe(decoderRefusal)) \(check.json)"
            )
            let schemaShouldRefuse = index < agreed.count && check.refusedField != nil
            if schemaShouldRefuse {
                #expect(schemaError != nil, "\(check.name): the schema accepts \(check.json)")
            } else {
                #expect(schemaError == nil, "\(check.name): the schema refuses \(check.json): \(schemaError ?? "")")
            }
        }
    }

    @Test func schemaNamesExactlyTheDecodersFields() throws {
        let schema = try Self.schema()
        #expect(schema["$schema"]?.stringValue == "https://json-schema.org/draft/2020-12/schema")
        #expect(schema["unevaluatedProperties"] == .bool(false))
        #expect(Set(try #require(schema["properties"]?.objectValue).keys) == EventDecoder.commonFields)
        let kinds = try #require(schema["properties"]?["kind"]?["enum"]?.arrayValue).compactMap(\.stringValue)
        #expect(kinds == EventKind.allCases.map(\.rawValue))
        for kind in EventKind.allCases {
            let fields = try #require(schema["$defs"]?[kind.rawValue]?["properties"]?.objectValue, "no $defs/\(kind.rawValue)")
            #expect(Set(fields.keys) == EventDecoder.kindFields[kind], "fields of \(kind.rawValue)")
        }
        let branches = try #require(schema["allOf"]?.arrayValue)
        #expect(branches.compactMap { $0["if"]?["properties"]?["kind"]?["const"]?.stringValue } == kinds)
        for branch in branches {
            let kind = branch["if"]?["properties"]?["kind"]?["const"]?.stringValue ?? "?"
            #expect(branch["then"]?["$ref"]?.stringValue == "#/$defs/\(kind)")
        }
        #expect(schema["$defs"]?["entry-id"]?["maxLength"]?.numberValue == Double(EntryID.maximumLength))
        #expect(schema["$defs"]?["model"]?["properties"]?["level"]?["maximum"]?.numberValue == Double(EventDecoder.maximumLevel))
    }

    @Test func everyPropertyIsDescribed() throws {
        var undescribed: [String] = []
        func visit(_ value: JSONValue, path: String) {
            switch value {
            case .object(let object):
                if let properties = object["properties"]?.objectValue {
                    for member in properties.members where (member.value["description"]?.stringValue ?? "").isEmpty {
                        undescribed.append("\(path)/properties/\(member.key)")
                    }
                }
                // `if` subschemas only test the kind; they describe nothing.
                for member in object.members where member.key != "if" { visit(member.value, path: "\(path)/\(member.key)") }
            case .array(let elements):
                for (index, element) in elements.enumerated() { visit(element, path: "\(path)/\(index)") }
            default:
                break
            }
        }
        let schema = try Self.schema()
        visit(schema, path: "#")
        #expect(undescribed == [])
        for kind in EventKind.allCases {
            #expect(schema["$defs"]?[kind.rawValue]?["description"]?.stringValue != nil, "$defs/\(kind.rawValue) has no description")
        }
    }

    /// The example lines of docs/EVENTS.md form one batch that an empty ledger accepts, with the
    /// levels and the canonical body the document states.
    @Test func documentedExamplesAppendAsOneBatch() throws {
        let lines = try Self.documentedLines()
        #expect(lines.count >= 18)
        let temp = try TemporaryLedger()
        let summary = try temp.append(lines.joined(separator: "\n"))
        #expect(summary.total == lines.count)
        let levels = [
            "policy-0": 0, "audit-0001": 0, "policy-1": 1, "out-1-17": 1, "crit-1-17": 1, "label-1-17": 1, "label-1-17-rm": 1, "prefs-1": 1,
        ]
        for (id, level) in levels {
            #expect(try temp.ledger.entry(id: id).level == level, "level of \(id)")
        }
        let body =
            #"{"about":"crit-1-17","attributes":{"note":"café","reviewed":100,"sample_rate":0.1},"auditor":"human:dana","error_type":"missed_flaw","id":"audit-0003","kind":"finding","time":"2026-03-02T11:30:00.25Z","verdict":"erroneous"}"#
        #expect(try temp.ledger.entry(id: "audit-0003").body == body)
        #expect(try RepositoryFiles.text("docs/EVENTS.md").contains(body))
    }

    // MARK: - Support

    static func describe(_ refusal: String?) -> String {
        guard let refusal else { return "accept the event" }
        return refusal.isEmpty ? "refuse the event as a whole" : "refuse field \"\(refusal)\""
    }

    /// The field the decoder refuses the event for ("" for the event as a whole), or `nil` when
    /// it accepts it.
    static func decoderRefusal(_ json: String) throws -> String? {
        let value = try JSONParser.parse(json)
        do {
            _ = try EventDecoder.decode(value, appendTime: "2026-01-01T00:00:00Z")
            return nil
        } catch {
            return error.field
        }
    }

    static func schema() throws -> JSONValue {
        try JSONParser.parse(try RepositoryFiles.text("Schema/event.schema.json"))
    }

    /// The schema's own `examples`, each a valid event.
    static func schemaExamples() throws -> [Case] {
        let examples = try #require(try schema()["examples"]?.arrayValue)
        return examples.enumerated().map { valid("schema example \($0.offset + 1)", CanonicalJSON.string($0.element)) }
    }

    /// The lines of the ```jsonl blocks of docs/EVENTS.md, in document order.
    static func documentedLines() throws -> [String] {
        var lines: [String] = []
        var inBlock = false
        for line in try RepositoryFiles.text("docs/EVENTS.md").split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("```") {
                inBlock = line == "```jsonl"
            } else if inBlock && !line.allSatisfy(\.isWhitespace) {
                lines.append(String(line))
            }
        }
        return lines
    }

    static func documentedCases() throws -> [Case] {
        try documentedLines().enumerated().map { valid("docs/EVENTS.md example \($0.offset + 1)", $0.element) }
    }

    /// Validates each event with the schema through Python's `jsonschema`, after checking the
    /// schema itself against the draft 2020-12 metaschema. Returns, per event, `nil` when the
    /// schema accepts it or the first error; records an issue and returns `nil` when Python or
    /// `jsonschema` is missing or the schema is invalid.
    static func schemaVerdicts(for cases: [Case]) throws -> [String?]? {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rrm-ledger-schema-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let casesFile = folder.appendingPathComponent("cases.json")
        try Data(("[\n" + cases.map(\.json).joined(separator: ",\n") + "\n]\n").utf8).write(to: casesFile)
        let result = try Python.run(arguments: [
            "-c", validatorScript, RepositoryFiles.url("Schema/event.schema.json").path, casesFile.path,
        ])
        let output = result.stdout
        let errors = result.stderr.trimmingCharacters(in: .whitespacesAndNewlines)

        switch result.status {
        case 0:
            let verdicts = try #require(try JSONParser.parse(output).arrayValue, "python printed \(output)")
            return verdicts.map(\.stringValue)
        case 127:
            Issue.record("python3 was not found on PATH. Install Python 3, then run `pip install jsonschema` (CI installs it). \(errors)")
        case 3:
            Issue.record("The Python package jsonschema is missing: run `pip install jsonschema` (CI installs it). \(errors)")
        case 4:
            Issue.record("Schema/event.schema.json is not a valid draft 2020-12 schema: \(errors)")
        default:
            Issue.record("python3 failed with exit status \(result.status): \(errors)")
        }
        return nil
    }

    /// Prints a JSON array with one verdict per event: null when valid, else the first error.
    /// Exits 3 when jsonschema is missing, 4 when the schema is not a valid draft 2020-12 schema.
    static let validatorScript = #"""
        import json, sys
        try:
            from jsonschema import Draft202012Validator, validators
            from jsonschema.exceptions import SchemaError
        except ImportError as error:
            print(error, file=sys.stderr)
            sys.exit(3)

        with open(sys.argv[1], encoding="utf-8") as f:
            schema = json.load(f)
        if validators.validator_for(schema, default=None) is not Draft202012Validator:
            print("$schema does not name draft 2020-12", file=sys.stderr)
            sys.exit(4)
        try:
            Draft202012Validator.check_schema(schema)
        except SchemaError as error:
            print(f"{error.json_path}: {error.message}", file=sys.stderr)
            sys.exit(4)

        validator = Draft202012Validator(schema)
        with open(sys.argv[2], encoding="utf-8") as f:
            events = json.load(f)
        verdicts = []
        for event in events:
            errors = sorted(validator.iter_errors(event), key=lambda e: e.json_path)
            verdicts.append(f"{errors[0].json_path}: {errors[0].message}" if errors else None)
        print(json.dumps(verdicts))
        """#
}
