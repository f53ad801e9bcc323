import Crypto
import Foundation
import RRMFormat

/// An event decoded from one input line, its body digest already computed. (`SHA256.Digest` is
/// an immutable value that swift-crypto 3 does not mark `Sendable`.)
struct DecodedEvent: @unchecked Sendable {
    let line: Int
    let event: Event
    let bodyDigest: SHA256.Digest
}

/// What the decoding thread hands the writer: a chunk of events in input order, or the first
/// line that failed (after which nothing more comes).
enum DecodedChunk: Sendable {
    case events([DecodedEvent])
    case failure(LedgerError)
}

/// Parses, validates, canonicalizes and digests a JSONL stream on a thread of its own, so the
/// writer's thread does only what needs the database: resolving references, chaining, inserting.
/// On two cores the two halves of an append run side by side.
final class EventDecodingThread: @unchecked Sendable {
    /// Events per chunk: large enough to amortize the hand-off, small enough to stay in cache.
    static let chunkSize = 256
    /// Chunks in flight; bounds memory whatever the input's size.
    static let chunksInFlight = 16

    let chunks = BoundedChannel<DecodedChunk>(capacity: chunksInFlight)
    private let source: ByteSource
    private let finished = DispatchSemaphore(value: 0)

    init(source: ByteSource) {
        self.source = source
    }

    func start() {
        let thread = Thread { [self] in
            decodeAll()
            chunks.close()
            finished.signal()
        }
        thread.stackSize = 8 << 20  // deep JSON nesting is refused at 256 levels; keep ample room
        thread.start()
    }

    /// Stops the thread early (the writer failed) and waits for it to end.
    func cancelAndWait() {
        chunks.close()
        finished.wait()
    }

    /// Waits for the thread to end after the writer drained the channel.
    func wait() {
        finished.wait()
    }

    private func decodeAll() {
        var reader = JSONLReader(source: source)
        var pending: [DecodedEvent] = []
        pending.reserveCapacity(Self.chunkSize)
        do {
            try reader.forEachLine { line, bytes in
                pending.append(try Self.decode(line: line, bytes: bytes))
                if pending.count == Self.chunkSize {
                    guard chunks.send(.events(pending)) else { return false }
                    pending.removeAll(keepingCapacity: true)
                }
                return true
            }
            if !pending.isEmpty { chunks.send(.events(pending)) }
        } catch let error as LedgerError {
            if !pending.isEmpty { chunks.send(.events(pending)) }
            chunks.send(.failure(error))
        } catch let error as InputError {
            if !pending.isEmpty { chunks.send(.events(pending)) }
            chunks.send(.failure(LedgerError(error)))
        } catch {
            chunks.send(.failure(.internalFailure(detail: "\(error)")))
        }
    }

    /// Decodes one line into an event, or throws `LedgerError.badEvent` naming the line.
    static func decode(line: Int, bytes: UnsafeBufferPointer<UInt8>) throws(LedgerError) -> DecodedEvent {
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            throw .badEvent(line: line, id: nil, problem: "invalid JSON at column \(error.offset + 1): \(error.reason)")
        }
        let event: Event
        do {
            event = try EventDecoder.decode(value, appendTime: Timestamp.now())
        } catch {
            throw .badEvent(line: line, id: value["id"]?.stringValue, problem: error.description)
        }
        let digest = event.body.withUnsafeBytes { ChainHash.bodyDigest($0) }
        return DecodedEvent(line: line, event: event, bodyDigest: digest)
    }
}
