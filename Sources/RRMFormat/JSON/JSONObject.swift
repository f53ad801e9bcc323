/// A JSON object's members, kept sorted by key in RFC 8785 order (UTF-16 code units) with no
/// key twice. Sorting once, when the object is built, makes canonical encoding a plain walk and
/// lookups a binary search, and needs no hashing: events are small objects read once.
public struct JSONObject: Sendable, Equatable {
    public typealias Member = (key: String, value: JSONValue)

    /// The members in canonical key order.
    public private(set) var members: [Member]

    /// An empty object.
    public init() {
        members = []
    }

    /// An object from members in any order; when a key repeats, the last value wins.
    public init(_ unordered: [Member]) {
        members = []
        members.reserveCapacity(unordered.count)
        for member in unordered { self[member.key] = member.value }
    }

    /// An object with a dictionary's members.
    public init(_ dictionary: [String: JSONValue]) {
        self.init(dictionary.map { (key: $0.key, value: $0.value) })
    }

    /// Members already in canonical order with unique keys (the parser checks both).
    init(sortedUniqueMembers: [Member]) {
        members = sortedUniqueMembers
    }

    public var count: Int { members.count }
    public var isEmpty: Bool { members.isEmpty }
    public var keys: [String] { members.map(\.key) }

    /// The value for `key`; setting `nil` removes the member.
    public subscript(key: String) -> JSONValue? {
        get {
            let index = insertionIndex(of: key)
            return index < members.count && members[index].key.isByteEqual(to: key) ? members[index].value : nil
        }
        set {
            let index = insertionIndex(of: key)
            let present = index < members.count && members[index].key.isByteEqual(to: key)
            switch (present, newValue) {
            case (true, let value?): members[index].value = value
            case (true, nil): members.remove(at: index)
            case (false, let value?): members.insert((key, value), at: index)
            case (false, nil): break
            }
        }
    }

    /// Binary search for the first member whose key does not precede `key`.
    private func insertionIndex(of key: String) -> Int {
        var low = 0
        var high = members.count
        while low < high {
            let middle = (low + high) / 2
            if JSONObject.precedes(members[middle].key, key) { low = middle + 1 } else { high = middle }
        }
        return low
    }

    public static func == (a: JSONObject, b: JSONObject) -> Bool {
        a.members.count == b.members.count
            && zip(a.members, b.members).allSatisfy { $0.key.isByteEqual(to: $1.key) && $0.value == $1.value }
    }

    /// RFC 8785 key order: lexicographic by UTF-16 code units.
    ///
    /// UTF-8 byte order is code point order, which agrees with UTF-16 order except between a
    /// character in U+E000…U+FFFF (lead byte 0xEE or 0xEF) and one above U+FFFF (lead byte
    /// 0xF0…0xF4). So compare bytes, and only where the first difference is between two such
    /// lead bytes fall back to comparing UTF-16.
    public static func precedes(_ a: String, _ b: String) -> Bool {
        var a = a
        var b = b
        let firstDifference: (UInt8, UInt8)? = a.withUTF8 { x in
            b.withUTF8 { y in
                let shared = min(x.count, y.count)
                var index = 0
                while index < shared && x[index] == y[index] { index += 1 }
                return index < shared ? (x[index], y[index]) : nil
            }
        }
        guard let (x, y) = firstDifference else { return a.utf8.count < b.utf8.count }
        if x >= 0xEE && y >= 0xEE { return a.utf16.lexicographicallyPrecedes(b.utf16) }
        return x < y
    }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(elements.map { (key: $0.0, value: $0.1) })
    }
}
