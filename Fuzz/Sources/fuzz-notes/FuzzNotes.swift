import FuzzSupport
import RRMLedger

/// The readers of signed text an auditor is handed: `SignedNote`, `Checkpoint`, `NoteVerifier`
/// and the two proof files. Every input goes to all of them (so what one corpus finds feeds the
/// others), and what each accepts is verified with the seeds' key.
///
/// Properties: each reader throws its error or accepts; an accepted note, checkpoint or proof
/// file is in its one written form (serializing it gives the input back, byte for byte); an
/// accepted verifier key's text reads back as the same key.
@_cdecl("fuzz_notes_main")
public func fuzzNotesMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runLibFuzzer(argc, argv) { fuzzNotes($0, $1) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNotes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = fuzzInput(data, size)
    let text = String(decoding: input, as: UTF8.self)
    let isUTF8 = Array(text.utf8) == input

    if let note = try? SignedNote(parsing: input) {
        fuzzCheck(isUTF8, "a note of invalid UTF-8 was accepted")
        fuzzCheck(Array(note.serialized.utf8) == input, "a note does not serialize to itself: \(note.serialized)")
        if let verifier { _ = try? note.verify(with: [verifier]) }
        if let checkpoint = try? Checkpoint(parsing: note.text), let verifier {
            _ = try? VerifiedCheckpoint.open(text, verifier: verifier, origin: checkpoint.origin)
        }
    }
    if let checkpoint = try? Checkpoint(parsing: text) {
        fuzzCheck(checkpoint.text == text, "a checkpoint does not serialize to itself: \(checkpoint.text)")
        fuzzCheck((try? Checkpoint(parsing: checkpoint.text)) == checkpoint, "a checkpoint reads back as another")
    }
    if let key = try? NoteVerifier(parsing: text) {
        fuzzCheck((try? NoteVerifier(parsing: key.keyText)) == key, "a verifier key does not read back from its text: \(key.keyText)")
    }
    if let bundle = try? InclusionProofBundle(parsing: text) {
        fuzzCheck(bundle.text == text, "an inclusion proof does not serialize to itself: \(bundle.text)")
        _ = bundle.entryHash
        if let verifier { _ = try? bundle.verify(with: verifier, origin: nil) }
    }
    if let bundle = try? ConsistencyProofBundle(parsing: text) {
        fuzzCheck(bundle.text == text, "a consistency proof does not serialize to itself: \(bundle.text)")
        if let verifier { _ = try? bundle.verify(with: verifier, origin: nil) }
    }
    return 0
}

private let verifier = try? NoteVerifier(parsing: FuzzKeys.verifierKey)
