/// Turns one parsed JSON object into an `Event`, checking everything that the wire format
/// (docs/EVENTS.md, Schema/event.schema.json) says about fields, types and values. Checks that
/// need the ledger (references exist and have the right kind) happen at append time.
public enum EventDecoder {
    /// Fields every event may carry.
    static let commonFields: Set<String> = ["kind", "id", "time", "attributes"]

    /// Fields each kind may carry beyond the common ones.
    static let kindFields: [EventKind: Set<String>] = [
        .model: ["level", "role", "base", "trained_on", "weights_sha256"],
        .output: ["model", "task", "content", "content_sha256"],
        .critique: ["critic", "targets", "text", "findings"],
        .label: ["rater", "targets", "value", "assisted_by"],
        .dataset: ["members", "extends"],
        .finding: ["about", "verdict", "auditor", "error_type", "evidence"],
    ]

    /// Every field each kind may carry.
    static let allowedFields: [EventKind: Set<String>] = kindFields.mapValues { $0.union(commonFields) }

    /// The prefix that marks a label's rater as a person rather than a model version.
    public static let personPrefix = "human:"

    /// Highest model level accepted; a guard against typos, far above any real recursion.
    public static let maximumLevel = 1_000_000

    /// Largest canonical body accepted: the line limit. Canonical form can be longer than the
    /// line it came from (`1e20` becomes 21 digits), and an archive escapes the body once more,
    /// so without this bound a line the reader accepts could make an archive member no reader
    /// accepts (docs/ARCHIVES.md, section 2).
    public static let maximumBodyBytes = JSONLReader.maximumLineBytes

    /// Validates and normalizes one event.
    /// - Parameters:
    ///   - value: the parsed JSON line.
    ///   - appendTime: the time to record when the event has none.
    /// - Throws: `EventError` naming the field at fault.
    public static func decode(_ value: JSONValue, appendTime: @autoclosure () -> String) throws(EventError) -> Event {
        guard case .object(var fields) = value else {
            throw EventError(field: "", "an event must be a JSON object, not \(value.typeDescription)")
        }
        guard let kindValue = fields["kind"] else { throw EventError(field: "kind", "is missing") }
        guard let kindText = kindValue.stringValue else {
            throw EventError(field: "kind", "must be a string, not \(kindValue.typeDescription)")
        }
        guard let kind = EventKind(rawValue: kindText) else {
            let known = EventKind.allCases.map(\.rawValue).joined(separator: ", ")
            throw EventError(field: "kind", "unknown kind \"\(kindText)\" (expected one of \(known))")
        }
        let allowed = allowedFields[kind]!
        for member in fields.members where !allowed.contains(member.key) {
            throw EventError(field: member.key, "is not a field of \(kind.withArticle) event (put free-form data in \"attributes\")")
        }
        var reader = FieldReader(fields: fields)
        let id = try reader.id("id")
        let time: String
        let timeWasAssigned: Bool
        if let given = try reader.optionalString("time") {
            do { time = try Timestamp.normalize(given) } catch { throw EventError(field: "time", "\"\(given)\" \(error.reason)") }
            timeWasAssigned = false
        } else {
            time = appendTime()
            timeWasAssigned = true
        }
        fields["time"] = .string(time)
        if let attributes = fields["attributes"], attributes.objectValue == nil {
            throw EventError(field: "attributes", "must be an object, not \(attributes.typeDescription)")
        }

        var declaredLevel: Int?
        var modelRole: String?
        switch kind {
        case .model:
            declaredLevel = try reader.level("level")
            modelRole = try reader.nonEmptyString("role")
            try reader.optionalReference("base", role: .base)
            try reader.optionalReferenceList("trained_on", role: .trainedOn)
            _ = try reader.optionalDigest("weights_sha256")
        case .output:
            try reader.reference("model", role: .model)
            _ = try reader.nonEmptyString("task")
            let content = try reader.optionalString("content")
            if let digest = try reader.optionalDigest("content_sha256"), let content,
                SHA256Hash.of(content.utf8).hex != digest
            {
                throw EventError(field: "content_sha256", "does not match the SHA-256 of \"content\"")
            }
        case .critique:
            try reader.reference("critic", role: .critic)
            try reader.referenceList("targets", role: .critiqueTarget, count: 1...Int.max)
            _ = try reader.optionalString("text")
            try reader.critiqueFindings("findings")
        case .label:
            let rater = try reader.nonEmptyString("rater")
            if rater.hasBytePrefix(personPrefix) {
                guard rater.utf8.count > personPrefix.utf8.count else {
                    throw EventError(field: "rater", "\"\(rater)\" names no person after \"\(personPrefix)\"")
                }
                if let problem = EntryID.problem(with: rater) { throw EventError(field: "rater", "person id \(problem)") }
            } else {
                try reader.reference("rater", role: .rater)
            }
            try reader.referenceList("targets", role: .labelTarget, count: 1...2)
            guard let labelValue = fields["value"] else { throw EventError(field: "value", "is missing") }
            if labelValue == .null { throw EventError(field: "value", "must not be null") }
            try reader.optionalReferenceList("assisted_by", role: .assistedBy)
        case .dataset:
            try reader.referenceList("members", role: .member, count: 1...Int.max)
            try reader.optionalReference("extends", role: .extends)
        case .finding:
            try reader.reference("about", role: .about)
            let verdict = try reader.nonEmptyString("verdict")
            guard verdict == "erroneous" || verdict == "correct" else {
                throw EventError(field: "verdict", "must be \"erroneous\" or \"correct\", not \"\(verdict)\"")
            }
            _ = try reader.nonEmptyString("auditor")
            _ = try reader.optionalNonEmptyString("error_type")
            _ = try reader.optionalString("evidence")
        }
        let body = CanonicalJSON.encode(.object(fields))
        guard body.count <= maximumBodyBytes else {
            throw EventError(
                field: "", "its canonical form is \(body.count) bytes, over the limit of \(maximumBodyBytes) (16 MiB)")
        }
        return Event(
            kind: kind, id: id, time: time, timeWasAssigned: timeWasAssigned, references: reader.references,
            declaredLevel: declaredLevel, modelRole: modelRole, body: body)
    }
}

/// Reads typed fields out of an event object, collecting references as it goes.
private struct FieldReader {
    let fields: JSONObject
    var references: [Reference] = []

    func string(_ name: String) throws(EventError) -> String {
        guard let value = fields[name] else { throw EventError(field: name, "is missing") }
        guard let text = value.stringValue else { throw EventError(field: name, "must be a string, not \(value.typeDescription)") }
        return text
    }

    func optionalString(_ name: String) throws(EventError) -> String? {
        guard fields[name] != nil else { return nil }
        return try string(name)
    }

    func nonEmptyString(_ name: String) throws(EventError) -> String {
        let text = try string(name)
        if text.isEmpty { throw EventError(field: name, "must not be empty") }
        return text
    }

    func optionalNonEmptyString(_ name: String) throws(EventError) -> String? {
        guard fields[name] != nil else { return nil }
        return try nonEmptyString(name)
    }

    func id(_ name: String, path: String? = nil) throws(EventError) -> String {
        let text = try string(name)
        if let problem = EntryID.problem(with: text) { throw EventError(field: path ?? name, "id \(problem)") }
        return text
    }

    func level(_ name: String) throws(EventError) -> Int {
        guard let value = fields[name] else { throw EventError(field: name, "is missing") }
        guard let number = value.wholeNumberValue, number <= EventDecoder.maximumLevel else {
            throw EventError(field: name, "must be an integer from 0 to \(EventDecoder.maximumLevel), not \(CanonicalJSON.string(value))")
        }
        return Int(number)
    }

    func optionalDigest(_ name: String) throws(EventError) -> String? {
        guard let digest = try optionalString(name) else { return nil }
        guard Hex.isLowercaseDigest(digest) else {
            throw EventError(field: name, "must be 64 lowercase hex digits (a SHA-256 digest)")
        }
        return digest
    }

    mutating func reference(_ name: String, role: LinkRole) throws(EventError) {
        references.append(Reference(role: role, id: try id(name), path: name))
    }

    mutating func optionalReference(_ name: String, role: LinkRole) throws(EventError) {
        guard fields[name] != nil else { return }
        try reference(name, role: role)
    }

    mutating func referenceList(_ name: String, role: LinkRole, count: ClosedRange<Int>) throws(EventError) {
        guard let value = fields[name] else { throw EventError(field: name, "is missing") }
        guard let elements = value.arrayValue else {
            throw EventError(field: name, "must be an array of ids, not \(value.typeDescription)")
        }
        guard count.contains(elements.count) else {
            let expected =
                count.upperBound == Int.max
                ? "at least \(count.lowerBound)"
                : count.lowerBound == count.upperBound ? "exactly \(count.lowerBound)" : "\(count.lowerBound) to \(count.upperBound)"
            throw EventError(field: name, "must list \(expected) id(s), not \(elements.count)")
        }
        let firstIndex = references.count
        // Short lists (targets, assisted_by) are checked for repeats pairwise; long ones (members) with a set.
        var seen = elements.count > 16 ? Set<ExactString>(minimumCapacity: elements.count) : nil
        for (index, element) in elements.enumerated() {
            guard let text = element.stringValue else {
                throw EventError(field: "\(name)[\(index)]", "must be a string id, not \(element.typeDescription)")
            }
            if let problem = EntryID.problem(with: text) { throw EventError(field: "\(name)[\(index)]", "id \(problem)") }
            let repeated =
                seen != nil ? !seen!.insert(ExactString(text)).inserted : references[firstIndex...].contains { $0.id.isByteEqual(to: text) }
            if repeated { throw EventError(field: "\(name)[\(index)]", "\"\(text)\" is listed twice") }
            references.append(Reference(role: role, id: text, path: "\(name)[\(index)]"))
        }
    }

    mutating func optionalReferenceList(_ name: String, role: LinkRole) throws(EventError) {
        guard fields[name] != nil else { return }
        try referenceList(name, role: role, count: 0...Int.max)
    }

    /// A critique's `findings`: objects with `claim`, optional `severity` and `location`.
    func critiqueFindings(_ name: String) throws(EventError) {
        guard let value = fields[name] else { return }
        guard let elements = value.arrayValue else { throw EventError(field: name, "must be an array, not \(value.typeDescription)") }
        for (index, element) in elements.enumerated() {
            let path = "\(name)[\(index)]"
            guard let object = element.objectValue else {
                throw EventError(field: path, "must be an object, not \(element.typeDescription)")
            }
            if let unknown = object.keys.filter({ !["claim", "severity", "location"].contains($0) }).sorted().first {
                throw EventError(field: "\(path).\(unknown)", "is not a field of a critique finding (claim, severity, location)")
            }
            let item = FieldReader(fields: object)
            do throws(EventError) {
                _ = try item.nonEmptyString("claim")
                if let severity = try item.optionalString("severity"), !["low", "medium", "high"].contains(severity) {
                    throw EventError(field: "severity", "must be low, medium or high, not \"\(severity)\"")
                }
                _ = try item.optionalString("location")
            } catch {
                throw EventError(field: "\(path).\(error.field)", error.reason)
            }
        }
    }
}
