import Foundation
import RRMFormat

/// Decompresses an archive and walks its tar members on a thread of its own, handing whole
/// members to the reader through a bounded channel (at most a few members, so memory stays
/// flat). It enforces the member order of the format: the manifest, entries members numbered
/// from 1, then at most one checkpoint; and that nothing follows the tar's end.
final class ArchiveMemberReader {
    enum Member: Sendable {
        case manifest([UInt8])
        /// A piece of an entries member (members are handed over in pieces of up to 1 MiB).
        case entries([UInt8])
        /// The end of the entries member named: the pieces so far must end with a whole line.
        case entriesEnd(name: String)
        case checkpoint([UInt8])
        case end
    }

    private let path: String
    private let producer: ProducerThread<Member>

    init(path: String, limits: GzipReader.Limits) throws {
        self.path = path
        let descriptor = Foundation.open(path, O_RDONLY)
        guard descriptor >= 0 else { throw ArchiveError.io(path: path, detail: String(cString: strerror(errno))) }
        let gzip: GzipReader
        do {
            gzip = try GzipReader(descriptor: descriptor, path: path, limits: limits)
        } catch {
            close(descriptor)
            throw error
        }
        producer = ProducerThread(capacity: 8) { sink in
            defer { close(descriptor) }
            do {
                try Self.readMembers(gzip, path: path, into: sink)
            } catch let error as ArchiveError {
                throw error
            } catch {
                throw ArchiveError.io(path: path, detail: "\(error)")
            }
        }
    }

    /// The next member; `.end` once, then the reader's error if it failed, or else
    /// `ArchiveError.malformed` for reading past the end.
    func next() throws -> Member {
        guard let member = producer.next() else {
            try producer.join()
            throw ArchiveError.malformed(path: path, .endedUnexpectedly)
        }
        return member
    }

    /// Stops reading (the reader gave up) and waits for the thread.
    func stop() {
        producer.cancel()
    }

    private static func readMembers(_ gzip: GzipReader, path: String, into sink: ProducerThread<Member>.Sink) throws {
        var tar = TarReader(path: path) { try gzip.read(into: $0) }
        var nextChunk = 1
        var sawCheckpoint = false
        var first = true
        while let member = try tar.next() {
            let message: Member
            if first {
                guard member.name == ArchiveFormat.manifestMember else {
                    throw ArchiveError.malformed(path: path, .firstMember(name: member.name))
                }
                message = .manifest(try tar.contents(of: member, limit: ArchiveFormat.smallMemberBytes))
                first = false
            } else if let number = ArchiveFormat.entriesMemberNumber(member.name) {
                guard number == nextChunk, !sawCheckpoint else {
                    throw ArchiveError.malformed(
                        path: path, .outOfOrder(name: member.name, expected: ArchiveFormat.entriesMember(nextChunk)))
                }
                nextChunk += 1
                var open = true
                try tar.forEachPiece(of: member, limit: ArchiveFormat.maximumEntriesMemberBytes) { piece in
                    open = sink.send(.entries(piece))
                    return open
                }
                guard open else { return }
                message = .entriesEnd(name: member.name)
            } else if member.name == ArchiveFormat.checkpointMember && !sawCheckpoint {
                sawCheckpoint = true
                message = .checkpoint(try tar.contents(of: member, limit: ArchiveFormat.smallMemberBytes))
            } else {
                throw ArchiveError.malformed(path: path, .unexpectedMember(name: member.name))
            }
            guard sink.send(message) else { return }
        }
        if first { throw ArchiveError.malformed(path: path, .empty) }
        // Nothing may follow the end marker. Zero bytes there are tar's record padding (GNU tar
        // pads to 10,240 bytes): an archive repacked by tar, named as such. Reading stops after
        // `maximumTrailingZeros` of them, so a stream of zeros cannot keep the reader busy.
        var probe = [UInt8](repeating: 0, count: 1 << 16)
        var zeros = 0
        while zeros < ArchiveFormat.maximumTrailingZeros {
            let count = try probe.withUnsafeMutableBytes { try gzip.read(into: $0) }
            if count == 0 { break }
            guard probe[..<count].allSatisfy({ $0 == 0 }) else { throw ArchiveError.malformed(path: path, .dataAfterTar) }
            zeros += count
        }
        if zeros > 0 { throw ArchiveError.malformed(path: path, .paddingAfterTar(bytes: zeros)) }
        sink.send(.end)
    }
}
