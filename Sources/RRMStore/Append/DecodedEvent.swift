import RRMFormat

/// An event decoded from one input line, its body digest already computed: what the writer
/// consumes, in chunks, from whichever thread decoded it (`EventDecodingThread` for JSONL, the
/// archive's import for its entries).
package struct DecodedEvent: Sendable {
    /// The 1-based line (or entry) of the input, for `LedgerError.badEvent`.
    package let line: Int
    /// The event as `EventDecoder` validated it, with its canonical body.
    package let event: Event
    /// SHA-256 of `event.body`.
    package let bodyDigest: SHA256Hash

    package init(line: Int, event: Event, bodyDigest: SHA256Hash) {
        self.line = line
        self.event = event
        self.bodyDigest = bodyDigest
    }
}

extension DecodedEvent {
    /// Events per chunk: large enough to amortize the hand-off, small enough to stay in cache.
    package static let chunkSize = 256
    /// Chunks in flight to the writer; bounds memory whatever the input's size.
    package static let chunksInFlight = 16
    /// The stack of a thread that decodes events: deep JSON nesting is refused at 256 levels
    /// (`JSONParser.maximumDepth`); keep ample room for the parser's recursion.
    package static let decodingStackSize = 8 << 20
}

/// One line as the decoding thread hands it to the writer: its event, or why it was refused.
/// A refused line travels in order with the events, so the writer meets the first fault in
/// input order, and a check of every line (`append --check`) can go on past it.
package enum DecodedLine: Sendable {
    case event(DecodedEvent)
    /// The line's `LedgerError.badEvent`.
    case refused(LedgerError)
}
