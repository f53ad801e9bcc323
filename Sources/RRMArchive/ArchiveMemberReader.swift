import Foundation
import RRMFormat

/// Decompresses an archive and walks its tar members on a thread of its own, handing whole
/// members to the reader through a bounded channel (at most a few members, so memory stays
/// flat). It enforces the member order of the format: the manifest, entries members numbered
/// from 1, then at most one checkpoint; and that nothing follows the tar's end.
final class ArchiveMemberReader: @unchecked Sendable {
    enum Member: Sendable {
        case manifest([UInt8])
        /// A piece of an entries member (members are handed over in pieces of up to 1 MiB).
        case entries([UInt8])
        /// The end of an entries member: the pieces so far must end with a whole line.
        case entriesEnd
        case checkpoint([UInt8])
        case end
    }

    private let path: String
    private let channel = BoundedChannel<Result<Member, ArchiveError>>(capacity: 8)
    private let done = DispatchGroup()

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
        done.enter()
        Thread { [self] in
            defer {
                close(descriptor)
                channel.close()
                done.leave()
            }
            do {
                try readMembers(gzip)
            } catch let error as ArchiveError {
                channel.send(.failure(error))
            } catch {
                channel.send(.failure(.io(path: path, detail: "\(error)")))
            }
        }.start()
    }

    /// The next member; `.end` once, then the channel is closed.
    func next() throws -> Member {
        guard let message = channel.receive() else {
            throw ArchiveError.malformed(path: path, .endedUnexpectedly)
        }
        return try message.get()
    }

    /// Stops reading (the reader gave up) and waits for the thread.
    func stop() {
        channel.close()
        done.wait()
    }

    private func readMembers(_ gzip: GzipReader) throws {
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
                try tar.forEachPiece(of: member, limit: ArchiveFormat.chunkBytes) { piece in
                    open = channel.send(.success(.entries(piece)))
                    return open
                }
                guard open else { return }
                message = .entriesEnd
            } else if member.name == ArchiveFormat.checkpointMember && !sawCheckpoint {
                sawCheckpoint = true
                message = .checkpoint(try tar.contents(of: member, limit: ArchiveFormat.smallMemberBytes))
            } else {
                throw ArchiveError.malformed(path: path, .unexpectedMember(name: member.name))
            }
            guard channel.send(.success(message)) else { return }
        }
        if first { throw ArchiveError.malformed(path: path, .empty) }
        var probe = [UInt8](repeating: 0, count: 1)
        if try probe.withUnsafeMutableBytes({ try gzip.read(into: $0) }) > 0 {
            throw ArchiveError.malformed(path: path, .dataAfterTar)
        }
        channel.send(.success(.end))
    }
}
