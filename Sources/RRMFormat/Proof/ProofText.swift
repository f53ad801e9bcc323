/// The line-by-line reading both proof forms share (docs/FORMAT.md section 8.5): a header line,
/// `name value` lines, proof hashes in base64 one per line up to a blank line, then one or more
/// signed notes separated by blank lines. Strict: every deviation is `ProofError.malformed` with
/// its line, so that one proof has one written form.
struct ProofText {
    /// The largest proof file read: room for an event body of 16 MiB, the longest line append accepts.
    static let maxBytes = 17 << 20

    /// Most proof hashes: a tree of up to 2^63 − 1 leaves needs at most 63 (consistency: 64), so 65 is ample.
    static let maxHashes = 65

    private let lines: [Substring]
    /// Index of the next line to read.
    private var position = 0

    /// Splits the text into lines, refusing what no proof contains.
    init(_ text: String, header: String) throws(ProofError) {
        guard text.utf8.count <= Self.maxBytes else {
            throw .malformed(line: nil, "\(text.utf8.count) bytes, more than the limit of \(Self.maxBytes)")
        }
        guard text.utf8.last == 0x0A else { throw .malformed(line: nil, "it does not end in a newline") }
        // Split on the byte: "\r\n" is one Character, so splitting on the Character "\n" would
        // hide a CRLF ending the text inside the piece after the last newline.
        var lines = text.utf8.split(separator: 0x0A, omittingEmptySubsequences: false).map { Substring($0) }
        lines.removeLast()
        for (offset, line) in lines.enumerated() where line.utf8.contains(0x0D) {
            throw .malformed(line: offset + 1, "a carriage return (CRLF line endings?)")
        }
        self.lines = lines
        guard lines.first.map(String.init) == header else {
            throw .malformed(line: 1, "the first line must be \"\(header)\"")
        }
        position = 1
    }

    /// The number of the next line, counting from 1.
    var lineNumber: Int { position + 1 }

    /// The value of the next line, which must be `name value`.
    mutating func field(_ name: String) throws(ProofError) -> Substring {
        guard position < lines.count else { throw .malformed(line: lineNumber, "missing the \"\(name)\" line") }
        let line = lines[position]
        let prefix = name + " "
        guard line.utf8.starts(with: prefix.utf8) else { throw .malformed(line: lineNumber, "expected \"\(name) …\"") }
        position += 1
        return Substring(line.utf8.dropFirst(prefix.utf8.count))
    }

    /// A field holding a decimal number without sign or leading zero, at most 2^63 − 1.
    mutating func number(_ name: String) throws(ProofError) -> Int64 {
        let line = lineNumber
        let text = try field(name)
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), text == "0" || !text.hasPrefix("0"),
            let value = Int64(text)
        else { throw .malformed(line: line, "\(name) \"\(text)\" is not a decimal number from 0 to 2^63 − 1 without leading zeros") }
        return value
    }

    /// A field holding a 32-byte hash in canonical standard base64.
    mutating func base64Hash(_ name: String) throws(ProofError) -> SHA256Hash {
        let line = lineNumber
        return try Self.digest(base64: try field(name), line: line, what: name)
    }

    /// The proof hashes: one base64 hash per line, up to and including a blank line.
    mutating func hashes() throws(ProofError) -> [SHA256Hash] {
        var hashes: [SHA256Hash] = []
        while true {
            guard position < lines.count else {
                throw .malformed(line: lineNumber, "missing the blank line between the proof hashes and the checkpoint")
            }
            let line = lines[position]
            position += 1
            if line.isEmpty { return hashes }
            guard hashes.count < Self.maxHashes else { throw .malformed(line: lineNumber - 1, "more than \(Self.maxHashes) proof hashes") }
            hashes.append(try Self.digest(base64: line, line: lineNumber - 1, what: "proof hash"))
        }
    }

    /// The rest of the text as signed notes, each a text, a blank line and signature lines
    /// ("— " …), separated by one blank line. Each note ends in a newline, as it was signed.
    mutating func signedNotes(atMost limit: Int) throws(ProofError) -> [String] {
        var notes: [String] = []
        while position < lines.count {
            guard notes.count < limit else { throw .malformed(line: lineNumber, "unexpected text after the checkpoint") }
            let start = position
            while position < lines.count && !lines[position].isEmpty { position += 1 }
            guard position > start else { throw .malformed(line: lineNumber, "an empty line where a checkpoint should start") }
            guard position < lines.count else { throw .malformed(line: lineNumber, "the checkpoint has no signature lines") }
            position += 1
            let signaturesStart = position
            while position < lines.count && lines[position].utf8.starts(with: "\u{2014} ".utf8) { position += 1 }
            guard position > signaturesStart else { throw .malformed(line: lineNumber, "the checkpoint has no signature lines") }
            notes.append(lines[start..<position].joined(separator: "\n") + "\n")
            if position < lines.count {
                guard lines[position].isEmpty, position + 1 < lines.count else {
                    throw .malformed(line: lineNumber, "expected a blank line, then another checkpoint")
                }
                position += 1
            }
        }
        guard !notes.isEmpty else { throw .malformed(line: lineNumber, "missing the signed checkpoint") }
        return notes
    }

    /// A 32-byte hash from canonical standard base64.
    static func digest(base64 text: Substring, line: Int, what: String) throws(ProofError) -> SHA256Hash {
        guard let bytes = NoteKey.decodeBase64(text) else { throw .malformed(line: line, "the \(what) is not standard base64") }
        guard let digest = SHA256Hash(bytes: bytes) else {
            throw .malformed(line: line, "the \(what) is \(bytes.count) bytes, not \(SHA256Hash.byteCount)")
        }
        return digest
    }

    /// Appends the hashes, one base64 line each, then the blank line that ends them.
    static func write(hashes: [SHA256Hash], into out: inout String) {
        for hash in hashes {
            out += hash.base64
            out += "\n"
        }
        out += "\n"
    }
}
