/// The rules for an entry id: unique (the ledger enforces that), non-empty, at most 200
/// characters, none of them a control character.
enum EntryID {
    /// Longest id accepted, in Unicode scalar values.
    static let maximumLength = 200

    /// Why `id` is not a valid entry id, or `nil` when it is.
    static func problem(with id: String) -> String? {
        if id.isEmpty { return "is empty" }
        // Fast path: printable ASCII, the common case, needs no Unicode property lookup.
        if id.utf8.count <= maximumLength && id.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return nil }
        var count = 0
        for scalar in id.unicodeScalars {
            count += 1
            if count > maximumLength { return "is longer than \(maximumLength) characters" }
            if scalar.properties.generalCategory == .control {
                return "contains the control character U+\(hex4(scalar.value).uppercased())"
            }
        }
        return nil
    }
}
