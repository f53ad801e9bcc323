import Crypto
import Foundation
import RRMFormat

/// Parses, validates, canonicalizes and digests a JSONL stream on a thread of its own, so the
/// writer's thread does only what needs the database: resolving references, chaining, inserting.
/// On two cores the two halves of an append run side by side.
enum EventDecodingThread {
    /// Starts decoding `source`. The chunks come in input order; a line that fails ends them,
    /// and `join()` then throws its `LedgerError`, after the chunk of the lines before it.
    static func start(source: ByteSource) -> ProducerThread<[DecodedEvent]> {
        ProducerThread(capacity: DecodedEvent.chunksInFlight, stackSize: DecodedEvent.decodingStackSize) { sink in
            try decodeAll(source, into: sink)
        }
    }

    private static func decodeAll(_ source: ByteSource, into sink: ProducerThread<[DecodedEvent]>.Sink) throws(LedgerError) {
        var reader = JSONLReader(source: source)
        var pending: [DecodedEvent] = []
        pending.reserveCapacity(DecodedEvent.chunkSize)
        do {
            try reader.forEachLine { line, bytes in
                pending.append(try decode(line: line, bytes: bytes))
                if pending.count == DecodedEvent.chunkSize {
                    guard sink.send(pending) else { return false }
                    pending.removeAll(keepingCapacity: true)
                }
                return true
            }
            if !pending.isEmpty { sink.send(pending) }
        } catch {
            if !pending.isEmpty { sink.send(pending) }
            switch error {
            case let error as LedgerError: throw error
            case let error as InputError: throw LedgerError(error)
            default: throw .internalFailure(detail: "\(error)")
            }
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
