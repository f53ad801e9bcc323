/// Ids and JSON member names are byte strings: SQLite's UNIQUE index and RFC 8785 treat "é"
/// (U+00E9) and "e" + U+0301 as two different names. Swift's `String` equality and hashing follow
/// Unicode canonical equivalence and would merge them, so wherever ids or keys are compared or
/// used as dictionary keys, they are compared by their UTF-8 bytes instead.
package struct ExactString: Hashable, Sendable {
    let string: String

    package init(_ string: String) {
        self.string = string
    }

    package static func == (a: ExactString, b: ExactString) -> Bool {
        a.string.isByteEqual(to: b.string)
    }

    package func hash(into hasher: inout Hasher) {
        var copy = string
        copy.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}

extension String {
    /// Equality of the UTF-8 bytes, not canonical equivalence.
    func isByteEqual(to other: String) -> Bool {
        var a = self
        var b = other
        return a.withUTF8 { x in b.withUTF8 { y in x.count == y.count && x.elementsEqual(y) } }
    }

    /// Whether the UTF-8 bytes start with `prefix`'s bytes (`hasPrefix` compares characters).
    package func hasBytePrefix(_ prefix: String) -> Bool {
        utf8.starts(with: prefix.utf8)
    }
}
