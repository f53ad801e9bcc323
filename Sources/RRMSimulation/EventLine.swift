import RRMFormat

/// Builds one JSONL event line by appending members, for generators that write millions of
/// events and need not pay for a JSON tree. The ledger canonicalizes whatever it is sent, so
/// member order here does not matter.
struct EventLine {
    private(set) var bytes: [UInt8] = []
    private var empty = true

    init(kind: String, id: String, time: String) {
        bytes.reserveCapacity(320)
        bytes.append(UInt8(ascii: "{"))
        string("kind", kind)
        string("id", id)
        string("time", time)
    }

    private mutating func key(_ name: String) {
        if !empty { bytes.append(UInt8(ascii: ",")) }
        empty = false
        CanonicalJSON.appendString(name, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
    }

    mutating func string(_ name: String, _ value: String) {
        key(name)
        CanonicalJSON.appendString(value, to: &bytes)
    }

    mutating func integer(_ name: String, _ value: Int) {
        key(name)
        bytes.append(contentsOf: String(value).utf8)
    }

    mutating func strings(_ name: String, _ values: [String]) {
        key(name)
        bytes.append(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            CanonicalJSON.appendString(value, to: &bytes)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    mutating func json(_ name: String, _ value: JSONValue) {
        key(name)
        CanonicalJSON.encode(value, into: &bytes)
    }

    /// The finished line, newline included.
    mutating func finish() -> [UInt8] {
        bytes.append(UInt8(ascii: "}"))
        bytes.append(0x0A)
        return bytes
    }
}
