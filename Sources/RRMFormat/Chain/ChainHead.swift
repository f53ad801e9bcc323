/// The newest entry's sequence number and hash: what an auditor writes down to detect later
/// truncation or rewriting (`rrm-ledger verify --expect-head SEQ:HASH`).
public struct ChainHead: Sendable, Equatable, CustomStringConvertible {
    /// Number of entries; 0 for an empty ledger.
    public let seq: Int64
    /// Hash of entry `seq`; 32 zero bytes for an empty ledger.
    public let hash: SHA256Hash

    public init(seq: Int64, hash: SHA256Hash) {
        self.seq = seq
        self.hash = hash
    }

    /// The head of a ledger with no entries.
    public static let empty = ChainHead(seq: 0, hash: ChainHash.genesis)

    /// `SEQ:HASH` with the hash in lowercase hex, the form `verify --expect-head` takes.
    public var description: String { "\(seq):\(hash.hex)" }

    /// Parses `SEQ:HASH`; `nil` when the text is not in that form.
    public init?(parsing text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let seq = Int64(parts[0]), seq >= 0,
            let hash = SHA256Hash(hex: parts[1])
        else { return nil }
        self.init(seq: seq, hash: hash)
    }
}
