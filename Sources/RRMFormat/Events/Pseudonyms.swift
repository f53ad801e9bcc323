import Crypto

/// Person ids replaced by pseudonyms, in an archive (`export --pseudonymise`) or a provenance
/// document (`--prov`, `lineage --format prov-json --pseudonymise`).
///
/// A person is written `human:<id>` in a label's `rater` and a finding's `auditor`. The
/// pseudonym is `human:p-` and 16 hex digits of HMAC-SHA-256 of the original id under a random
/// key that lives only for one export: the same person has the same pseudonym throughout one
/// archive, so an auditor can still count a rater's labels, and a different one in every other
/// archive, so archives cannot be joined on it. The key is never stored or printed.
package struct Pseudonyms {
    /// The body fields holding person ids, by the kind of entry that has them.
    package static let fields: [(kind: EventKind, field: String)] = [(.label, "rater"), (.finding, "auditor")]

    /// The SQL condition, over `entry`, true for the rows `pseudonymised(_:)` changes.
    package static let sqlCondition = fields.map {
        "(kind = '\($0.kind.rawValue)' AND substr(json_extract(body, '$.\($0.field)'), 1, \(EventDecoder.personPrefix.utf8.count)) = '\(EventDecoder.personPrefix)')"
    }
    .joined(separator: " OR ")

    private static let pseudonymPrefix = EventDecoder.personPrefix + "p-"
    private static let pseudonymHexDigits = 16

    private let key = SymmetricKey(size: .bits256)

    package init() {}

    /// The pseudonym of a person id as written (`human:alice` → `human:p-` and 16 hex digits).
    package func pseudonym(of person: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: Array(person.utf8), using: key)
        return Self.pseudonymPrefix + Hex.encode(Array(code).prefix(Self.pseudonymHexDigits / 2))
    }

    /// The body with its person ids replaced, canonical; `nil` if it names no person.
    package func pseudonymised(_ body: [UInt8]) -> [UInt8]? {
        guard case .object(var members)? = try? JSONParser.parse(body), let (field, person) = Self.person(in: members) else { return nil }
        members[field] = .string(pseudonym(of: person))
        return CanonicalJSON.encode(.object(members))
    }

    /// Whether a body shown in place of a hashed original has the shape `pseudonymised(_:)`
    /// gives: canonical JSON naming a person by a pseudonym. (Its other fields cannot be checked:
    /// the chain hashes only the original.)
    package static func isPseudonymised(_ body: [UInt8]) -> Bool {
        guard case .object(let members)? = try? JSONParser.parse(body), CanonicalJSON.encode(.object(members)) == body,
            let (_, person) = person(in: members), person.hasBytePrefix(pseudonymPrefix)
        else { return false }
        return Hex.isLowercaseDigest(String(person.dropFirst(pseudonymPrefix.count)), byteCount: pseudonymHexDigits / 2)
    }

    /// Whether a body names a person in a field that pseudonymising replaces (by id or by pseudonym).
    package static func namesPerson(_ body: [UInt8]) -> Bool {
        guard case .object(let members)? = try? JSONParser.parse(body) else { return false }
        return person(in: members) != nil
    }

    /// The field naming a person in this body, and the person's id as written.
    private static func person(in members: JSONObject) -> (String, String)? {
        guard let kind = members["kind"]?.stringValue else { return nil }
        for (fieldKind, field) in fields where fieldKind.rawValue == kind {
            if let value = members[field]?.stringValue, value.hasBytePrefix(EventDecoder.personPrefix) { return (field, value) }
        }
        return nil
    }
}
