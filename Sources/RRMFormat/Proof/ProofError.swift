/// Why a proof file, a signed checkpoint or an auditor's trusted checkpoint was refused, in two
/// families: the text is not of the documented form (`isVerificationFailure` false), or it is
/// well formed but does not verify (a signature by another key, a checkpoint of another log, a
/// proof that does not lead to the signed root).
public enum ProofError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The text is not a proof of the documented form (docs/FORMAT.md section 8); the line
    /// counts from 1 when there is one.
    case malformed(line: Int?, String)
    /// The signed note is malformed, or its signature does not verify.
    case note(SignedNoteError)
    /// The signed note's text is not a checkpoint.
    case checkpoint(CheckpointError)
    /// A genuine checkpoint, but of another log.
    case originMismatch(expected: String, found: String)
    /// The Merkle proof does not lead to the signed root.
    case merkle(MerkleProofError)
    /// A consistency proof's old checkpoint disagrees with its `old_size` or `old_root` line.
    case oldCheckpointMismatch(String)

    /// Whether the text was well formed but does not verify (exit 1), rather than malformed (exit 65).
    public var isVerificationFailure: Bool {
        switch self {
        case .malformed, .checkpoint: return false
        case .note(let error):
            switch error {
            case .badSignature, .ambiguousKey, .wrongKeyHash, .unknownKeysOnly: return true
            default: return false
            }
        case .originMismatch, .merkle, .oldCheckpointMismatch: return true
        }
    }

    public var description: String {
        switch self {
        case .malformed(let line, let detail): return "malformed proof: \(line.map { "line \($0): " } ?? "")\(detail)"
        case .note(let error): return error.description
        case .checkpoint(let error): return error.description
        case .originMismatch(let expected, let found):
            return "the checkpoint is for origin \"\(found)\", not \"\(expected)\": it belongs to another log"
        case .merkle(let error): return "the proof does not verify: \(error)"
        case .oldCheckpointMismatch(let detail): return "the old checkpoint disagrees with the proof: \(detail)"
        }
    }
}
