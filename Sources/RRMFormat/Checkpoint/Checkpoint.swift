/// A tree head in the C2SP tlog-checkpoint form, the text a log signs so an auditor can hold it
/// to its past:
///
///     <origin>
///     <tree size, decimal, no leading zeros>
///     <root hash, base64 of 32 bytes>
///     [<extension line>...]
///
/// Every line ends in "\n" and none is empty. The text is the body of a `SignedNote`.
public struct Checkpoint: Sendable, Hashable {
    /// The log's identity, e.g. `example.com/ledger`; by the specification's advice it is also
    /// the name of the key that signs.
    public let origin: String
    /// The number of leaves in the tree.
    public let size: Int64
    /// The RFC 6962 / RFC 9162 Merkle tree root at `size`.
    public let rootHash: SHA256Hash
    /// Optional opaque lines after the root hash (the specification advises against them).
    public let extensions: [String]

    /// A checkpoint from its parts.
    ///
    /// - Throws: `CheckpointError` when a part could not be written as a valid line: an empty or
    ///   multi-line origin or extension, a control character, or a negative size.
    public init(origin: String, size: Int64, rootHash: SHA256Hash, extensions: [String] = []) throws(CheckpointError) {
        guard size >= 0 else { throw .sizeOutOfRange(String(size)) }
        for (offset, line) in ([origin] + extensions).enumerated() {
            let number = offset == 0 ? 1 : offset + 3
            try Self.checkLine(Array(line.utf8)[...], line: number)
        }
        self.origin = origin
        self.size = size
        self.rootHash = rootHash
        self.extensions = extensions
    }

    /// Reads a checkpoint strictly: exactly the form above, nothing tolerated.
    ///
    /// - Throws: `CheckpointError` naming the first thing that is wrong, with its line.
    public init(parsing text: String) throws(CheckpointError) {
        let bytes = Array(text.utf8)
        guard bytes.last == 0x0A else { throw .missingFinalNewline }
        let lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast()
        for (offset, line) in lines.enumerated() {
            try Self.checkLine(line, line: offset + 1)
        }
        guard lines.count >= 3 else { throw .tooFewLines(lines.count) }
        let lineTexts = lines.map { String(decoding: $0, as: UTF8.self) }
        self.origin = lineTexts[0]
        self.size = try Self.parseSize(lineTexts[1])
        guard let hash = NoteKey.decodeBase64(lineTexts[2]) else { throw .rootHashNotBase64 }
        guard let rootHash = SHA256Hash(bytes: hash) else { throw .rootHashWrongLength(hash.count) }
        self.rootHash = rootHash
        self.extensions = Array(lineTexts.dropFirst(3))
    }

    /// The checkpoint text, each line ending in "\n": the note text to sign.
    public var text: String {
        var out = "\(origin)\n\(size)\n\(rootHash.base64)\n"
        for line in extensions {
            out += line
            out += "\n"
        }
        return out
    }

    /// The tree size: ASCII digits only, no sign, no leading zero (but "0" for the empty tree),
    /// at most 2^63 − 1 (the largest `Int64`, the type of every tree size: no ledger holds more).
    private static func parseSize(_ text: String) throws(CheckpointError) -> Int64 {
        guard text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { throw .sizeNotDecimal(text) }
        guard text == "0" || !text.hasPrefix("0") else { throw .sizeWithLeadingZero(text) }
        guard let size = Int64(text) else { throw .sizeOutOfRange(text) }
        return size
    }

    /// A line must be non-empty and free of control characters (a carriage return named as such).
    private static func checkLine(_ bytes: ArraySlice<UInt8>, line: Int) throws(CheckpointError) {
        guard !bytes.isEmpty else { throw .emptyLine(line: line) }
        for byte in bytes where byte < 0x20 {
            throw byte == 0x0D ? .carriageReturn(line: line) : .controlCharacter(byte, line: line)
        }
    }
}

/// Why a checkpoint text was refused. Line numbers count from 1: the origin is line 1, the size
/// line 2, the root hash line 3, extension lines from 4.
public enum CheckpointError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The text does not end in a newline.
    case missingFinalNewline
    /// Fewer than the three lines origin, size and root hash.
    case tooFewLines(Int)
    /// An empty line (an empty origin, size, root hash or extension line).
    case emptyLine(line: Int)
    /// A carriage return: the text was saved with CRLF line endings.
    case carriageReturn(line: Int)
    /// A control character other than newline (a newline inside an origin or extension given to
    /// `init(origin:size:rootHash:extensions:)` counts as one).
    case controlCharacter(UInt8, line: Int)
    /// The size line has something other than the digits 0-9 (a sign, spaces, hex).
    case sizeNotDecimal(String)
    /// The size line has a leading zero.
    case sizeWithLeadingZero(String)
    /// The size is above 2^63 − 1 (or, given as a part, negative).
    case sizeOutOfRange(String)
    /// The root hash line is not canonical standard base64.
    case rootHashNotBase64
    /// The root hash is not 32 bytes.
    case rootHashWrongLength(Int)

    public var description: String {
        switch self {
        case .missingFinalNewline: return "malformed checkpoint: it does not end in a newline"
        case .tooFewLines(let count): return "malformed checkpoint: \(count) lines, expected origin, tree size and root hash"
        case .emptyLine(let line): return "malformed checkpoint: the \(Self.lineName(line)) (line \(line)) is empty"
        case .carriageReturn(let line): return "malformed checkpoint: line \(line) contains a carriage return (CRLF line endings?)"
        case .controlCharacter(let byte, let line): return "malformed checkpoint: line \(line) contains control character 0x\(hex2(byte))"
        case .sizeNotDecimal(let text): return "malformed checkpoint: tree size \"\(text)\" is not a decimal number"
        case .sizeWithLeadingZero(let text): return "malformed checkpoint: tree size \"\(text)\" has a leading zero"
        case .sizeOutOfRange(let text): return "malformed checkpoint: tree size \"\(text)\" is outside 0…2^63 − 1"
        case .rootHashNotBase64: return "malformed checkpoint: the root hash is not standard base64"
        case .rootHashWrongLength(let count): return "malformed checkpoint: the root hash is \(count) bytes, expected 32"
        }
    }

    private static func lineName(_ line: Int) -> String {
        switch line {
        case 1: return "origin"
        case 2: return "tree size"
        case 3: return "root hash"
        default: return "extension line"
        }
    }
}
