import RRMFormat
import RRMStore

/// Lineage as W3C PROV-JSON (the provenance standard, readable by the Python `prov` package),
/// covering the entries given and the links among them.
public enum LineagePROV {
    /// W3C PROV-JSON: entries are entities; models are also software agents; people are agents;
    /// each output, critique, label, finding and trained model has the activity that made it.
    /// Relations: wasGeneratedBy, used, wasDerivedFrom, wasAttributedTo, wasAssociatedWith,
    /// wasInformedBy (a rater informed by a critique) and hadMember (dataset members).
    public static func render(_ entries: [StoredEntry], links: [(child: Int64, role: LinkRole, parent: Int64)]) throws(LedgerError)
        -> JSONValue
    {
        var document = ProvDocument()
        let bySeq = Dictionary(uniqueKeysWithValues: entries.map { ($0.seq, $0) })
        for entry in entries {
            var attributes: JSONObject = [
                "prov:type": qualified("rrm:\(entry.kind.rawValue)"), "rrm:level": .number(Double(entry.level)),
                "rrm:seq": .number(Double(entry.seq)), "rrm:hash": .string(entry.hash.hex),
                "prov:generatedAtTime": .string(entry.time),
            ]
            if entry.kind == .dataset { attributes["prov:type"] = .array([qualified("rrm:dataset"), qualified("prov:Collection")]) }
            document.add("entity", entityID(entry.id), attributes)
            let body = try entry.bodyValue()
            switch entry.kind {
            case .model:
                document.add("agent", entityID(entry.id), ["prov:type": qualified("prov:SoftwareAgent")])
            case .label:
                if let rater = body["rater"]?.stringValue, rater.hasBytePrefix(EventDecoder.personPrefix) {
                    document.add("agent", personID(rater), ["prov:type": qualified("prov:Person")])
                    document.relation("wasAssociatedWith", ["prov:activity": activityID(entry), "prov:agent": personID(rater)])
                    document.relation("wasAttributedTo", ["prov:entity": entityID(entry.id), "prov:agent": personID(rater)])
                }
            case .finding:
                if let auditor = body["auditor"]?.stringValue {
                    document.add("agent", personID(auditor), ["prov:type": qualified("prov:Person")])
                    document.relation("wasAssociatedWith", ["prov:activity": activityID(entry), "prov:agent": personID(auditor)])
                }
            case .output, .critique, .dataset:
                break
            }
            if entry.kind != .dataset && (entry.kind != .model || body["trained_on"] != nil) {
                document.add("activity", activityID(entry), ["prov:type": qualified("rrm:\(activityName(entry.kind))")])
                document.relation("wasGeneratedBy", ["prov:entity": entityID(entry.id), "prov:activity": activityID(entry)])
            }
        }
        for link in links {
            guard let child = bySeq[link.child], let parent = bySeq[link.parent] else { continue }
            let childEntity = entityID(child.id)
            let parentEntity = entityID(parent.id)
            switch link.role {
            case .model, .critic, .rater:
                document.relation("wasAssociatedWith", ["prov:activity": activityID(child), "prov:agent": parentEntity])
                document.relation("wasAttributedTo", ["prov:entity": childEntity, "prov:agent": parentEntity])
            case .critiqueTarget, .labelTarget, .about:
                document.relation("used", ["prov:activity": activityID(child), "prov:entity": parentEntity])
                if link.role != .about {
                    document.relation("wasDerivedFrom", ["prov:generatedEntity": childEntity, "prov:usedEntity": parentEntity])
                }
            case .assistedBy:
                document.relation("used", ["prov:activity": activityID(child), "prov:entity": parentEntity])
                document.relation("wasInformedBy", ["prov:informed": activityID(child), "prov:informant": activityID(parent)])
            case .trainedOn:
                document.relation("used", ["prov:activity": activityID(child), "prov:entity": parentEntity])
                document.relation("wasDerivedFrom", ["prov:generatedEntity": childEntity, "prov:usedEntity": parentEntity])
            case .member:
                document.relation("hadMember", ["prov:collection": childEntity, "prov:entity": parentEntity])
            case .extends, .base:
                let revision: JSONObject = [
                    "prov:generatedEntity": .string(childEntity), "prov:usedEntity": .string(parentEntity),
                    "prov:type": qualified("prov:Revision"),
                ]
                document.relation("wasDerivedFrom", revision)
            }
        }
        return document.json
    }

    private static func activityName(_ kind: EventKind) -> String {
        switch kind {
        case .model: return "training"
        case .output: return "generation"
        case .critique: return "critiquing"
        case .label: return "labelling"
        case .dataset: return "collection"
        case .finding: return "audit"
        }
    }

    private static func qualified(_ name: String) -> JSONValue {
        ["$": .string(name), "type": "prov:QUALIFIED_NAME"]
    }

    /// A qualified name for an entry: `entry:` and the id, with every character outside
    /// letters, digits, `-`, `_` and `.` percent-encoded (QName local parts are restricted).
    static func entityID(_ id: String) -> String { "entry:" + encode(id) }

    private static func activityID(_ entry: StoredEntry) -> String { "activity:" + encode(entry.id) }

    private static func personID(_ rater: String) -> String {
        "person:"
            + encode(rater.hasBytePrefix(EventDecoder.personPrefix) ? String(rater.dropFirst(EventDecoder.personPrefix.count)) : rater)
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

/// A PROV-JSON document under construction: records by type, relations with blank-node ids.
private struct ProvDocument {
    private var sections: [String: JSONObject] = [:]
    private var relationCount = 0

    mutating func add(_ section: String, _ id: String, _ attributes: JSONObject) {
        var records = sections[section] ?? JSONObject()
        if records[id] == nil { records[id] = .object(attributes) }
        sections[section] = records
    }

    mutating func relation(_ type: String, _ attributes: [String: String]) {
        relationCount += 1
        var object = JSONObject()
        for (key, value) in attributes { object[key] = .string(value) }
        var records = sections[type] ?? JSONObject()
        records["_:r\(relationCount)"] = .object(object)
        sections[type] = records
    }

    mutating func relation(_ type: String, _ attributes: JSONObject) {
        relationCount += 1
        var records = sections[type] ?? JSONObject()
        records["_:r\(relationCount)"] = .object(attributes)
        sections[type] = records
    }

    var json: JSONValue {
        var document: JSONObject = [
            "prefix": [
                "rrm": "https://rrm-ledger.dev/ns#", "entry": "urn:rrm-ledger:entry:", "activity": "urn:rrm-ledger:activity:",
                "person": "urn:rrm-ledger:person:",
            ]
        ]
        for (name, records) in sections { document[name] = .object(records) }
        return .object(document)
    }
}
