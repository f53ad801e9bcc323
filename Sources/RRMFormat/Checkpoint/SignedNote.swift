/// A text with signature lines (C2SP signed-note): the envelope a checkpoint travels in, so that
/// an auditor who holds the log's verifier key can tell a genuine tree head from a forged one.
///
///     <text, each line ending in "\n">
///     <blank line>
///     — <key name> <base64(4-byte key hash ‖ signature)>
///
/// Parsing checks only the form; `verify(with:)` checks the signatures.
public struct SignedNote: Sendable, Equatable {
    /// The signed text, ending in a newline, without the blank line that follows it.
    public let text: String
    /// The signature lines in order, verified or not.
    public let signatures: [NoteSignature]

    private init(text: String, signatures: [NoteSignature]) {
        self.text = text
        self.signatures = signatures
    }

    /// Reads a signed note, checking its form but not its signatures.
    ///
    /// - Throws: `SignedNoteError` naming the first thing that is wrong, with its line.
    public init(parsing note: [UInt8], limits: NoteLimits = .standard) throws(SignedNoteError) {
        guard note.count <= limits.maxNoteBytes else { throw .noteTooLarge(bytes: note.count, limit: limits.maxNoteBytes) }
        guard String(validating: note, as: UTF8.self) != nil else { throw .invalidUTF8 }
        try Self.checkLines(note[...], limits: limits)
        guard note.last == 0x0A else { throw .missingFinalNewline }
        // The text ends at the last blank line: signature lines are never empty.
        guard let split = Self.lastBlankLine(in: note) else { throw .missingBlankLine }
        let textBytes = note[...split]
        let signatureBytes = note[(split + 2)...]
        guard !signatureBytes.isEmpty else { throw .noSignatures }
        let lines = signatureBytes.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast()
        guard lines.count <= limits.maxSignatures else { throw .tooManySignatures(count: lines.count, limit: limits.maxSignatures) }
        let firstLine = textBytes.lazy.filter { $0 == 0x0A }.count + 2
        var signatures: [NoteSignature] = []
        for (offset, line) in lines.enumerated() {
            signatures.append(try Self.parseSignatureLine(line, line: firstLine + offset))
        }
        self.init(text: String(decoding: textBytes, as: UTF8.self), signatures: signatures)
    }

    /// Reads a signed note given as a string.
    ///
    /// - Throws: `SignedNoteError`, as `init(parsing:limits:)` on bytes.
    public init(parsing note: String, limits: NoteLimits = .standard) throws(SignedNoteError) {
        try self.init(parsing: Array(note.utf8), limits: limits)
    }

    /// The note as it is written: the text, a blank line, then one line per signature.
    public var serialized: String {
        var out = text
        out += "\n"
        for signature in signatures {
            out += signature.line
            out += "\n"
        }
        return out
    }

    /// A note of `text` signed by each of `signers`.
    ///
    /// - Throws: `SignedNoteError` when the text is not a valid note text (it must end in a
    ///   newline and contain no control characters but newlines) or there is no signer.
    public static func sign(_ text: String, with signers: [NoteSigner], limits: NoteLimits = .standard) throws(SignedNoteError)
        -> SignedNote
    {
        guard text.utf8.last == 0x0A else { throw .textWithoutFinalNewline }
        try checkLines(Array(text.utf8)[...], limits: limits)
        guard !signers.isEmpty else { throw .noSignatures }
        return try SignedNote(text: text, signatures: []).cosigned(by: signers, limits: limits)
    }

    /// This note with signatures by `signers` added after the existing ones; an existing
    /// signature by the same key (name and key hash) is replaced.
    ///
    /// - Throws: `SignedNoteError` when the result would exceed the limits.
    public func cosigned(by signers: [NoteSigner], limits: NoteLimits = .standard) throws(SignedNoteError) -> SignedNote {
        var added: [NoteSignature] = []
        for signer in signers where !added.contains(where: { $0.keyName == signer.name && $0.keyHash == signer.keyHash }) {
            do {
                added.append(try signer.sign(text))
            } catch {
                throw .signingFailed(keyName: signer.name)
            }
        }
        let kept = signatures.filter { old in !added.contains { $0.keyName == old.keyName && $0.keyHash == old.keyHash } }
        let note = SignedNote(text: text, signatures: kept + added)
        // Re-read what is about to be handed out: never emit a note this code would refuse.
        return try SignedNote(parsing: note.serialized, limits: limits)
    }

    /// Checks the signatures against the known verifiers.
    ///
    /// Signatures by unknown keys are ignored (they may be witnesses' cosignatures); every
    /// signature by a known key must verify, and at least one must exist.
    ///
    /// - Throws: `SignedNoteError.badSignature`, `.wrongKeyHash`, `.unknownKeysOnly`,
    ///   `.ambiguousKey` or `.noSignatures`.
    public func verify(with verifiers: [NoteVerifier]) throws(SignedNoteError) -> VerifiedNote {
        let message = Array(text.utf8)
        let firstLine = message.lazy.filter { $0 == 0x0A }.count + 2
        var signers: [NoteVerifier] = []
        var unverified: [NoteSignature] = []
        for (offset, signature) in signatures.enumerated() {
            let matches = Set(verifiers.filter { $0.name == signature.keyName && $0.keyHash == signature.keyHash })
            guard let verifier = matches.first else {
                if !unverified.contains(signature) { unverified.append(signature) }
                continue
            }
            guard matches.count == 1 else { throw .ambiguousKey(keyName: signature.keyName, keyHash: signature.keyHash) }
            guard verifier.verify(message: message, signature: signature.signature) else {
                throw .badSignature(keyName: signature.keyName, keyHash: signature.keyHash, line: firstLine + offset)
            }
            if !signers.contains(verifier) { signers.append(verifier) }
        }
        guard signers.isEmpty else { return VerifiedNote(text: text, signers: signers, unverifiedSignatures: unverified) }
        guard !signatures.isEmpty else { throw .noSignatures }
        for signature in signatures {
            let sameName = verifiers.filter { $0.name == signature.keyName }.map(\.keyHash)
            if !sameName.isEmpty {
                throw .wrongKeyHash(keyName: signature.keyName, found: signature.keyHash, expected: Array(Set(sameName)).sorted())
            }
        }
        throw .unknownKeysOnly(keys: unverified.map(\.description))
    }

    /// Reads a signed note and checks its signatures: the text is to be trusted only if this returns.
    ///
    /// - Throws: `SignedNoteError`, from parsing or from `verify(with:)`.
    public static func open(_ note: [UInt8], verifiers: [NoteVerifier], limits: NoteLimits = .standard) throws(SignedNoteError)
        -> VerifiedNote
    {
        try SignedNote(parsing: note, limits: limits).verify(with: verifiers)
    }

    /// Reads a signed note given as a string and checks its signatures.
    ///
    /// - Throws: `SignedNoteError`, from parsing or from `verify(with:)`.
    public static func open(_ note: String, verifiers: [NoteVerifier], limits: NoteLimits = .standard) throws(SignedNoteError)
        -> VerifiedNote
    {
        try open(Array(note.utf8), verifiers: verifiers, limits: limits)
    }

    /// Refuses control characters other than newline (a carriage return named as such) and
    /// lines longer than the limit.
    private static func checkLines(_ bytes: ArraySlice<UInt8>, limits: NoteLimits) throws(SignedNoteError) {
        var line = 1
        var lineStart = bytes.startIndex
        for index in bytes.indices {
            let byte = bytes[index]
            if byte == 0x0A {
                line += 1
                lineStart = index + 1
                continue
            }
            if byte == 0x0D { throw .carriageReturn(line: line) }
            if byte < 0x20 { throw .controlCharacter(byte, line: line) }
            if index - lineStart >= limits.maxLineBytes {
                let lineEnd = bytes[index...].firstIndex(of: 0x0A) ?? bytes.endIndex
                throw .lineTooLong(line: line, bytes: lineEnd - lineStart, limit: limits.maxLineBytes)
            }
        }
    }

    /// The index of the first newline of the last "\n\n" in the note.
    private static func lastBlankLine(in note: [UInt8]) -> Int? {
        var index = note.count - 2
        while index >= 0 {
            if note[index] == 0x0A && note[index + 1] == 0x0A { return index }
            index -= 1
        }
        return nil
    }

    /// One signature line: em dash, space, key name, space, base64 of key hash and signature.
    private static func parseSignatureLine(_ bytes: ArraySlice<UInt8>, line: Int) throws(SignedNoteError) -> NoteSignature {
        let prefix: [UInt8] = [0xE2, 0x80, 0x94, 0x20]  // "— "
        guard bytes.starts(with: prefix) else { throw .signatureLineWithoutEmDash(line: line) }
        let rest = bytes.dropFirst(prefix.count)
        let space = rest.firstIndex(of: 0x20) ?? rest.endIndex
        let name = String(decoding: rest[..<space], as: UTF8.self)
        guard NoteKey.isValidName(name) else { throw .invalidKeyName(line: line) }
        let encoded = space < rest.endIndex ? String(decoding: rest[(space + 1)...], as: UTF8.self) : ""
        guard !encoded.isEmpty, let decoded = NoteKey.decodeBase64(encoded) else { throw .invalidSignatureBase64(line: line) }
        guard decoded.count >= 5 else { throw .signatureTooShort(line: line, bytes: decoded.count) }
        let hash = decoded.prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        return NoteSignature(keyName: name, keyHash: hash, signature: Array(decoded.dropFirst(4)))
    }
}

/// A note whose signatures were checked: its text may be trusted as far as its signers are.
public struct VerifiedNote: Sendable, Equatable {
    /// The signed text.
    public let text: String
    /// The known keys whose signatures verified, in the order they appear (each once).
    public let signers: [NoteVerifier]
    /// The signatures by keys the verifier does not know (each distinct line once).
    public let unverifiedSignatures: [NoteSignature]
}

/// The bounds a reader puts on a note, so a hostile file cannot make it work without end.
///
/// The specification requires accepting at least 16 signatures; it sets no line length.
public struct NoteLimits: Sendable, Equatable {
    /// The most signature lines accepted; 100, as golang.org/x/mod/sumdb/note.
    public var maxSignatures: Int
    /// The longest line accepted, in bytes without the newline: room for a post-quantum
    /// signature (ML-DSA-87's 4,627 bytes are 6,176 in base64).
    public var maxLineBytes: Int
    /// The largest note accepted, in bytes.
    public var maxNoteBytes: Int

    /// Limits from their values.
    public init(maxSignatures: Int = 100, maxLineBytes: Int = 8192, maxNoteBytes: Int = 1 << 20) {
        self.maxSignatures = maxSignatures
        self.maxLineBytes = maxLineBytes
        self.maxNoteBytes = maxNoteBytes
    }

    /// The defaults: 100 signatures, 8,192-byte lines, 1 MiB notes.
    public static let standard = NoteLimits()
}
