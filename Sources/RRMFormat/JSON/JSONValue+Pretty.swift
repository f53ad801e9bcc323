extension JSONValue {
    /// Indented JSON for people to read: keys in canonical order, two spaces per level, numbers
    /// and strings exactly as in the canonical form.
    public func prettyPrinted(indent: String = "  ") -> String {
        var out: [UInt8] = []
        appendPretty(to: &out, indent: Array(indent.utf8), depth: 0)
        return String(decoding: out, as: UTF8.self)
    }

    private func appendPretty(to out: inout [UInt8], indent: [UInt8], depth: Int) {
        func newline(_ depth: Int) {
            out.append(0x0A)
            for _ in 0..<depth { out.append(contentsOf: indent) }
        }
        switch self {
        case .array(let elements) where !elements.isEmpty:
            out.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                newline(depth + 1)
                element.appendPretty(to: &out, indent: indent, depth: depth + 1)
            }
            newline(depth)
            out.append(UInt8(ascii: "]"))
        case .object(let object) where !object.isEmpty:
            out.append(UInt8(ascii: "{"))
            for (index, member) in object.members.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                newline(depth + 1)
                CanonicalJSON.appendString(member.key, to: &out)
                out.append(contentsOf: ": ".utf8)
                member.value.appendPretty(to: &out, indent: indent, depth: depth + 1)
            }
            newline(depth)
            out.append(UInt8(ascii: "}"))
        default:
            CanonicalJSON.encode(self, into: &out)
        }
    }
}
