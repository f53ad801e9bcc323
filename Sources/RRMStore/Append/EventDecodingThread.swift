import Crypto
import Foundation
import RRMFormat

/// Parses, validates, canonicalizes and digests a JSONL stream on a thread of its own, so the
/// writer's thread does only what needs the database: resolving references, chaining, inserting.
/// On two cores the two halves of an append run side by side.
enum EventDecodingThread {
    /// Starts decoding `source`. The lines come in input order, each as its event or as its
    /// refusal; a refused line ends them unless `goingPastFaults` (a check of every line). An
    /// input that cannot be read, or a line too long to hold, ends them, and `join()` then throws
    /// its `LedgerError`.
    ///
    /// Before each read of the source, which may wait for a producer that has paused, the lines
    /// decoded so far are handed on: a streaming append commits them on time whatever comes next.
    static func start(source: ByteSource, goingPastFaults: Bool = false) -> ProducerThread<[DecodedLine]> {
        ProducerThread(capacity: DecodedEvent.chunksInFlight, stackSize: DecodedEvent.decodingStackSize) { sink in
            try decodeAll(source, goingPastFaults: goingPastFaults, into: sink)
        }
    }

    /// The consumer cancelled; what the producer throws then is dropped.
    private struct Cancelled: Error {}

    private static func decodeAll(
        _ source: ByteSource, goingPastFaults: Bool, into sink: ProducerThread<[DecodedLine]>.Sink
    ) throws {
        var reader = JSONLReader(source: source)
        var pending: [DecodedLine] = []
        pending.reserveCapacity(DecodedEvent.chunkSize)
        func handOn() throws {
            guard !pending.isEmpty else { return }
            guard sink.send(pending) else { throw Cancelled() }
            pending.removeAll(keepingCapacity: true)
        }
        do {
            try reader.forEachLine(beforeReading: handOn) { line, bytes in
                do throws(LedgerError) {
                    pending.append(.event(try decode(line: line, bytes: bytes)))
                } catch {
                    pending.append(.refused(error))
                    if !goingPastFaults { return false }
                }
                if pending.count == DecodedEvent.chunkSize { try handOn() }
                return true
            }
            try handOn()
        } catch is Cancelled {
            return
        } catch {
            try? handOn()
            switch error {
            case let error as LedgerError: throw error
            case let error as InputError: throw LedgerError(error)
            default: throw LedgerError.internalFailure(detail: "\(error)")
            }
        }
    }

    /// Decodes one line into an event, or throws `LedgerError.badEvent` naming the line.
    static func decode(line: Int, bytes: UnsafeBufferPointer<UInt8>) throws(LedgerError) -> DecodedEvent {
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            throw .badEvent(line: line, id: nil, field: nil, problem: "invalid JSON at column \(error.offset + 1): \(error.reason)")
        }
        let event: Event
        do {
            event = try EventDecoder.decode(value, appendTime: Timestamp.now())
        } catch {
            throw .badEvent(line: line, id: value["id"]?.stringValue, field: error.field.isEmpty ? nil : error.field, problem: error.reason)
        }
        let digest = event.body.withUnsafeBytes { ChainHash.bodyDigest($0) }
        return DecodedEvent(line: line, event: event, bodyDigest: digest)
    }
}
