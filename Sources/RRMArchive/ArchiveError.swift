/// Why an archive could not be written, read or trusted. The command line maps each to a
/// documented exit code: a malformed or hostile archive is bad data (65), an archive that reads
/// well but does not verify is a verification failure (1).
public enum ArchiveError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file is not a well-formed archive: gzip, tar or manifest problems, hostile members.
    case malformed(path: String, Malformation)
    /// The archive is well formed but its contents do not verify; one line per fault.
    case verificationFailed(path: String, faults: [String])
    /// The archive cannot be made or imported here: a slice without a checkpoint, a slice to
    /// import, an increment that does not extend this ledger.
    case notImportable(path: String, detail: String)
    /// The archive file could not be read or written.
    case io(path: String, detail: String)

    public var description: String {
        switch self {
        case .malformed(let path, let malformation): return "\(path) is not a valid rrm-ledger archive: \(malformation)"
        case .verificationFailed(let path, let faults):
            return "\(path) FAILED verification (\(faults.count) fault\(faults.count == 1 ? "" : "s")): " + (faults.first ?? "")
        case .notImportable(let path, let detail): return "\(path): \(detail)"
        case .io(let path, let detail): return "\(path): \(detail)"
        }
    }
}

extension ArchiveError {
    /// What makes an archive malformed: one case per cause, so that callers and tests match the
    /// cause, and the words are in one place.
    public enum Malformation: Sendable, Equatable, CustomStringConvertible {
        // The gzip layer (Gzip.swift).
        case gzipTruncated
        case gzipCorrupt(zlibMessage: String)
        case inflateFailed(code: Int32)
        case dataAfterGzip
        /// A decompression bomb: more bytes, or a higher ratio, than `GzipReader.Limits` allow.
        case expandsBeyond(bytes: Int)
        // The tar layer (Tar.swift).
        case tarEndsInside(String)
        case tarChecksum
        case notUstar
        case refusedMember(name: String, MemberRefusal)
        case duplicateMember(name: String)
        case unreadableSize(name: String)
        case tooLarge(name: String, bytes: Int, limit: Int)
        case dataAfterTar
        /// Zero bytes after the end marker: the record padding `tar` adds, so a repacked archive.
        case paddingAfterTar(bytes: Int)
        case empty
        // The members and their order (ArchiveMemberReader.swift, ArchiveStream.swift).
        case manifestNotFirst
        case firstMember(name: String)
        case outOfOrder(name: String, expected: String)
        case manifestTwice
        case unexpectedMember(name: String)
        case endedUnexpectedly
        case partialLine(name: String, bytes: Int)
        case checkpointMissing
        case checkpointUndescribed
        case checkpointNotSigned(String)
        // The contents (ArchiveFormat.swift, ArchiveManifest.swift).
        /// A field of the manifest breaks its rule (ARCHIVES.md section 3).
        case manifest(String)
        /// Line `line` of entries member `member` is not an entry line (version 1, section 3), or
        /// not a body or an annotation where one may stand (version 2, section 8.2).
        case line(member: String, line: Int, problem: String)
        case baseFrontier(treeSize: Int64)
        /// An entry's body, read for import, is not JSON, or not an event a ledger accepts.
        case bodyNotJSON(seq: Int64, column: Int, reason: String)
        case bodyNotAnEvent(seq: Int64, id: String?, problem: String)

        /// Tar members an archive never holds, refused before anything is read from them.
        public enum MemberRefusal: Sendable, Equatable {
            case hardLink, symbolicLink, deviceOrFIFO, directory, absolutePath, climbsOut
            /// A GNU tar long-name or long-link header (type `L` or `K`): the archive was repacked
            /// by GNU tar in its own format, with a name longer than ustar holds.
            case gnuLongName
            /// A pax extended or global header (type `x` or `g`): the archive was repacked in pax format.
            case paxHeader
            /// Any other tar type flag than a regular file's.
            case tarType(Character)
        }

        /// What a refused tar layer should have been, and how to repack an extracted archive so
        /// that it is: the usual cause is an archive unpacked and packed again with `tar`, whose
        /// default format (GNU or pax) and folder member rrm-ledger does not read (ARCHIVES.md section 1).
        static let expectedTar =
            "; rrm-ledger archives are gzip'd POSIX ustar (IEEE 1003.1-1988) of regular files only, as rrm-ledger export writes them,"
            + " with no GNU or pax headers, no folder member and no padding after the end marker; to repack an extracted one,"
            + " list its files in order, with 512-byte records (-b 1): "
            + "tar --format=ustar -b 1 -czf NEW.tar.gz \(ArchiveFormat.manifestMember) \(ArchiveFormat.folder)/entries-*.jsonl [\(ArchiveFormat.checkpointMember)]"

        /// The member order an archive must keep, for an archive whose members were reordered.
        static let expectedOrder =
            "; the members must be in the order rrm-ledger export writes them: \(ArchiveFormat.manifestMember), then "
            + "\(ArchiveFormat.folder)/entries-000001.jsonl, -000002, …, then \(ArchiveFormat.checkpointMember) if there is one "
            + "(docs/ARCHIVES.md section 1)"

        public var description: String {
            switch self {
            case .gzipTruncated: return "the gzip stream is truncated (it ends before its trailer)"
            case .gzipCorrupt(let message): return "the gzip stream is corrupt (\(message))"
            case .inflateFailed(let code): return "zlib inflate failed (code \(code))"
            case .dataAfterGzip: return "there is data after the end of the gzip stream"
            case .expandsBeyond(let bytes): return "it expands beyond \(bytes) bytes: refused as a decompression bomb"
            case .tarEndsInside(let what): return "the tar stream ends inside \(what)"
            case .tarChecksum: return "a tar header's checksum is wrong (the archive is corrupt)"
            case .notUstar: return "a member is not a POSIX ustar member (its header has no \"ustar\" magic)" + Self.expectedTar
            case .refusedMember(let name, let refusal):
                switch refusal {
                case .hardLink: return "member \(name) is a hard link: refused"
                case .symbolicLink: return "member \(name) is a symbolic link: refused"
                case .deviceOrFIFO: return "member \(name) is a device or FIFO: refused"
                case .directory: return "member \(name) is a directory: refused" + Self.expectedTar
                case .absolutePath: return "member \(name) has an absolute path: refused"
                case .climbsOut: return "member \(name) climbs out with \"..\": refused"
                case .gnuLongName:
                    return "member \(name) is a GNU tar long-name header: the archive was repacked in GNU tar format" + Self.expectedTar
                case .paxHeader: return "member \(name) is a pax extended header: the archive was repacked in pax format" + Self.expectedTar
                case .tarType(let type): return "member \(name) has tar type '\(type)', not a regular file: refused" + Self.expectedTar
                }
            case .duplicateMember(let name): return "member \(name) appears twice"
            case .unreadableSize(let name): return "member \(name) has an unreadable size"
            case .tooLarge(let name, let bytes, let limit): return "member \(name) is \(bytes) bytes, more than the \(limit) allowed"
            case .dataAfterTar: return "there is data after the end of the tar archive"
            case .paddingAfterTar(let bytes) where bytes >= ArchiveFormat.maximumTrailingZeros:
                return
                    "more than \(ArchiveFormat.maximumTrailingZeros) zero bytes follow the tar archive's end marker (rrm-ledger archives end at the marker)"
            case .paddingAfterTar(let bytes):
                return "\(bytes) zero bytes follow the tar archive's end marker, the record padding tar adds when it repacks an archive "
                    + "(rrm-ledger archives end at the marker)" + Self.expectedTar
            case .empty: return "the archive is empty"
            case .manifestNotFirst: return "the archive does not start with \(ArchiveFormat.manifestMember)" + Self.expectedOrder
            case .firstMember(let name): return "the first member is \(name), not \(ArchiveFormat.manifestMember)" + Self.expectedOrder
            case .outOfOrder(let name, let expected):
                return "member \(name) is out of order (expected \(expected))" + Self.expectedOrder
            case .manifestTwice: return "the manifest appears twice"
            case .unexpectedMember(let name): return "unexpected member \(name)"
            case .endedUnexpectedly: return "the archive ended unexpectedly"
            case .partialLine(let name, let bytes):
                return "member \(name) does not end with a whole line (\(bytes) bytes after its last newline)"
            case .checkpointMissing: return "the manifest promises a checkpoint, but the archive has none"
            case .checkpointUndescribed: return "the archive has a checkpoint the manifest does not describe"
            case .checkpointNotSigned(let error): return "the checkpoint member is not a signed checkpoint (\(error))"
            case .manifest(let problem): return problem
            case .line(let member, let line, let problem): return "\(member), line \(line): \(problem)"
            case .baseFrontier(let size): return "the base frontier does not fit a tree of \(size) entries"
            case .bodyNotJSON(let seq, let column, let reason): return "entry \(seq): its body is not JSON (column \(column): \(reason))"
            case .bodyNotAnEvent(let seq, let id, let problem):
                let named = id.map { " (id \"\($0)\")" } ?? ""
                return "entry \(seq)\(named): its body is not an event a ledger accepts: \(problem)"
            }
        }
    }
}
