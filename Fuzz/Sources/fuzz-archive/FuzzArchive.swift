import FuzzSupport
import RRMLedger

/// The archive reader (`ArchiveVerifier`, over `ArchiveStream`, the member reader, tar and gzip)
/// on a file of hostile bytes: it must return a report or throw `ArchiveError`, never crash,
/// hang or allocate without bound (tools/fuzz runs it with libFuzzer's time and memory limits).
///
/// So that mutations reach past the gzip and tar checksums, the input is read in one of three
/// ways, chosen by its first bytes:
///
/// - a gzip stream (starts 1F 8B): written to the file as it is;
/// - a ustar archive ("ustar" at offset 257): gzipped (stored blocks), then written;
/// - anything else: `name LF contents` members separated by NUL bytes (the first eight), made
///   into a tar with correct header checksums, gzipped, then written.
@_cdecl("fuzz_archive_main")
public func fuzzArchiveMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runLibFuzzer(argc, argv) { fuzzArchive($0, $1) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzArchive(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = fuzzInput(data, size)
    let file: [UInt8]
    if input.starts(with: [0x1F, 0x8B]) {
        file = input
    } else if input.count >= 512 && input[257..<262].elementsEqual("ustar".utf8) {
        file = ArchiveWrapping.gzipStored(input)
    } else {
        // Past a handful of members the reader has refused the archive: more only cost time.
        file = ArchiveWrapping.gzipStored(ArchiveWrapping.tar(Array(ArchiveWrapping.members(input).prefix(8))))
    }
    writeFile(file, to: archivePath)
    do {
        let report = try ArchiveVerifier.verify(path: archivePath, verifier: verifier)
        fuzzCheck(report.faultCount >= report.faults.count, "a report lists more faults than it counts")
    } catch let error as ArchiveError {
        _ = error.description
    } catch {
        fuzzCheck(false, "the archive reader threw something other than ArchiveError: \(error)")
    }
    return 0
}

private let archivePath = scratchFile(named: "archive.tar.gz")

/// The key that signed the seed archives' checkpoints (Fuzz/corpus/notes/key.pub), so that
/// signature checks run too.
private let verifier = try? NoteVerifier(parsing: FuzzKeys.verifierKey)
