import RRMFormat
import RRMStore

/// The ledger as W3C PROV-JSON (PROV-DM, readable by the Python `prov` package): the whole
/// ledger, a level, or a lineage, streamed from one snapshot.
///
/// Every entry is an entity (`prov:label` its id) carrying its facts: level, sequence number,
/// hash and event time; a model's role and weights digest; an output's task and content digest;
/// a label's value; a dataset's member count; a finding's verdict, error type and evidence; and
/// on any audited entry the verdict and error type of its latest finding. Models are also
/// software agents, people (`human:…` raters and auditors) are persons, other auditors agents.
/// Every entry but a dataset and an untrained model has the activity that made it, ended at the
/// entry's time, with a generation at that time. Links become used, wasDerivedFrom,
/// wasAttributedTo, wasAssociatedWith, wasInformedBy (a rater informed by a critique) and
/// hadMember. An entity `rrm:extract` says what the document covers: the selection, the ledger
/// head, how many entries it holds and, for a lineage cut at `--limit`, that it is truncated.
public enum ProvenanceJSON {
    /// What the document says about itself.
    public struct Extract: Sendable {
        /// In words: "the whole ledger", "level 2", "lineage of L2-label-7 (up; evaluation)".
        public var selection: String
        /// For a lineage: how many entries it reached (of which the document holds some).
        public var reached: Int?
        /// Whether entries reached were left out (`--limit`).
        public var truncated: Bool
        /// Replace person ids with pseudonyms, as `export --pseudonymise` does.
        public var pseudonymise: Bool

        public init(selection: String, reached: Int? = nil, truncated: Bool = false, pseudonymise: Bool = false) {
            self.selection = selection
            self.reached = reached
            self.truncated = truncated
            self.pseudonymise = pseudonymise
        }
    }

    /// What was written.
    public struct Summary: Sendable {
        public let entities: Int
        public let relations: Int
        public let head: ChainHead
    }

    static let prefixes: JSONObject = [
        "rrm": "https://rrm-ledger.dev/ns#", "entry": "urn:rrm-ledger:entry:", "activity": "urn:rrm-ledger:activity:",
        "person": "urn:rrm-ledger:person:", "auditor": "urn:rrm-ledger:auditor:",
    ]

    /// Streams the document to `sink`.
    public static func write(
        from ledger: Ledger, _ selection: ProvenanceSelection, _ extract: Extract, to sink: ([UInt8]) throws -> Void
    ) throws -> Summary {
        let stream = ProvJSONStream()
        let pseudonyms = extract.pseudonymise ? Pseudonyms() : nil
        var people = Set<String>()
        var entities = 0
        let head = try ledger.readProvenance(
            selection,
            entry: { entry, latest in
                entities += 1
                try describe(entry, latest: latest, into: stream, pseudonyms: pseudonyms, people: &people)
            },
            link: { link in try relate(link, into: stream) })
        var facts: JSONObject = [
            "prov:type": qualified("rrm:Extract"), "prov:label": .string(extract.selection), "rrm:entries": number(entities),
            "rrm:head_seq": number(head.seq), "rrm:head_hash": .string(head.hash.hex), "rrm:truncated": .bool(extract.truncated),
            "rrm:pseudonymised": .bool(extract.pseudonymise),
            "rrm:bodies": "not copied: rrm:hash names each entry, and rrm-ledger show ID prints its body",
        ]
        if let reached = extract.reached { facts["rrm:reached"] = number(reached) }
        try stream.record("entity", id: "rrm:extract", facts)
        try stream.finish(prefix: prefixes, to: sink)
        return Summary(entities: entities, relations: stream.relationCount, head: head)
    }

    /// The entry's entity with its facts, its activity and generation, and the agents it names.
    private static func describe(
        _ entry: StoredEntry, latest: LatestVerdict?, into stream: ProvJSONStream, pseudonyms: Pseudonyms?, people: inout Set<String>
    ) throws {
        var facts: JSONObject = [
            "prov:type": qualified("rrm:\(entry.kind.rawValue)"), "prov:label": .string(entry.id), "rrm:level": number(entry.level),
            "rrm:seq": number(entry.seq), "rrm:hash": .string(entry.hash.hex), "rrm:time": .string(entry.time),
        ]
        if entry.kind == .dataset { facts["prov:type"] = .array([qualified("rrm:dataset"), qualified("prov:Collection")]) }
        let body = try entry.bodyValue()
        func copy(_ field: String) {
            if let value = body[field] { facts["rrm:\(field)"] = literal(value) }
        }
        var person: (field: String, id: String)?
        switch entry.kind {
        case .model:
            copy("role")
            copy("weights_sha256")
        case .output:
            copy("task")
            copy("content_sha256")
        case .critique:
            facts["rrm:claims"] = number(body["findings"]?.arrayValue?.count ?? 0)
        case .label:
            copy("value")
            if let rater = body["rater"]?.stringValue, rater.hasBytePrefix(EventDecoder.personPrefix) {
                let shown = pseudonyms?.pseudonym(of: rater) ?? rater
                facts["rrm:rater"] = .string(shown)
                person = ("rater", shown)
            }
        case .dataset:
            facts["rrm:members"] = number(body["members"]?.arrayValue?.count ?? 0)
        case .finding:
            copy("verdict")
            copy("error_type")
            copy("evidence")
            if let auditor = body["auditor"]?.stringValue {
                let shown = auditor.hasBytePrefix(EventDecoder.personPrefix) ? (pseudonyms?.pseudonym(of: auditor) ?? auditor) : auditor
                facts["rrm:auditor"] = .string(shown)
                person = ("auditor", shown)
            }
        }
        if let latest {
            facts["rrm:latest_finding"] = .string(latest.findingID)
            if let verdict = latest.verdict { facts["rrm:latest_verdict"] = .string(verdict) }
            if let errorType = latest.errorType { facts["rrm:latest_error_type"] = .string(errorType) }
        }
        try stream.record("entity", id: entityID(entry.id), facts)
        if entry.kind == .model {
            try stream.record(
                "agent", id: entityID(entry.id), ["prov:type": qualified("prov:SoftwareAgent"), "prov:label": .string(entry.id)])
        }
        let made = entry.kind != .dataset && (entry.kind != .model || body["trained_on"] != nil)
        if made {
            let activity = activityID(entry.id)
            try stream.record(
                "activity", id: activity,
                ["prov:type": qualified("rrm:\(activityName(entry.kind))"), "prov:endTime": .string(entry.time)])
            try stream.relation(
                "wasGeneratedBy",
                ["prov:entity": .string(entityID(entry.id)), "prov:activity": .string(activity), "prov:time": .string(entry.time)])
        }
        if let (_, shown) = person {
            let isPerson = shown.hasBytePrefix(EventDecoder.personPrefix)
            let agent = isPerson ? personID(shown) : "auditor:" + encode(shown)
            if people.insert(agent).inserted {
                try stream.record(
                    "agent", id: agent, ["prov:type": qualified(isPerson ? "prov:Person" : "prov:Agent"), "prov:label": .string(shown)])
            }
            if made {
                try stream.relation("wasAssociatedWith", ["prov:activity": .string(activityID(entry.id)), "prov:agent": .string(agent)])
            }
            if entry.kind == .label {
                try stream.relation("wasAttributedTo", ["prov:entity": .string(entityID(entry.id)), "prov:agent": .string(agent)])
            }
        }
    }

    /// The relations one link stands for.
    private static func relate(_ link: ProvenanceLink, into stream: ProvJSONStream) throws {
        let child = JSONValue.string(entityID(link.childID))
        let parent = JSONValue.string(entityID(link.parentID))
        let activity = JSONValue.string(activityID(link.childID))
        switch link.role {
        case .model, .critic, .rater:
            try stream.relation("wasAssociatedWith", ["prov:activity": activity, "prov:agent": parent])
            try stream.relation("wasAttributedTo", ["prov:entity": child, "prov:agent": parent])
        case .critiqueTarget, .labelTarget, .about:
            try stream.relation("used", ["prov:activity": activity, "prov:entity": parent])
            if link.role != .about { try stream.relation("wasDerivedFrom", ["prov:generatedEntity": child, "prov:usedEntity": parent]) }
        case .assistedBy:
            try stream.relation("used", ["prov:activity": activity, "prov:entity": parent])
            try stream.relation("wasInformedBy", ["prov:informed": activity, "prov:informant": .string(activityID(link.parentID))])
        case .trainedOn:
            try stream.relation("used", ["prov:activity": activity, "prov:entity": parent])
            try stream.relation("wasDerivedFrom", ["prov:generatedEntity": child, "prov:usedEntity": parent])
        case .member:
            try stream.relation("hadMember", ["prov:collection": child, "prov:entity": parent])
        case .extends, .base:
            try stream.relation(
                "wasDerivedFrom", ["prov:generatedEntity": child, "prov:usedEntity": parent, "prov:type": qualified("prov:Revision")])
        }
    }

    private static func activityName(_ kind: EventKind) -> String {
        switch kind {
        case .model: "training"
        case .output: "generation"
        case .critique: "critiquing"
        case .label: "labelling"
        case .dataset: "collection"
        case .finding: "audit"
        }
    }

    /// A PROV-JSON attribute value: strings, numbers and booleans as they are; anything else
    /// (an object or list a label's value may be) as its canonical JSON text.
    private static func literal(_ value: JSONValue) -> JSONValue {
        switch value {
        case .string, .number, .bool: value
        default: .string(CanonicalJSON.string(value))
        }
    }

    private static func number(_ value: some BinaryInteger) -> JSONValue { .number(Double(value)) }

    private static func qualified(_ name: String) -> JSONValue {
        ["$": .string(name), "type": "prov:QUALIFIED_NAME"]
    }

    /// A qualified name for an entry: `entry:` and the id, with every character outside
    /// letters, digits, `-`, `_` and `.` percent-encoded (QName local parts are restricted).
    static func entityID(_ id: String) -> String { "entry:" + encode(id) }

    private static func activityID(_ id: String) -> String { "activity:" + encode(id) }

    private static func personID(_ person: String) -> String {
        "person:" + encode(String(person.dropFirst(EventDecoder.personPrefix.count)))
    }

    private static func encode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."):
                out.append(Character(Unicode.Scalar(byte)))
            default:
                out += "%" + hex2(byte).uppercased()
            }
        }
        return out
    }
}
