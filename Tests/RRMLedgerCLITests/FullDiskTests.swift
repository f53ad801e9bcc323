import Foundation
import RRMLedger
import Testing

/// Full disk (docs/RELIABILITY.md section 3), on a real file system that runs out of space: a
/// small tmpfs mounted for the test, filled to leave from nothing to several MiB free, then one
/// large append. The kernel's ENOSPC reaches SQLite wherever it first writes (the -shm file, the
/// -wal file, the checkpoint into the main file), which a page limit set inside SQLite
/// (`PRAGMA max_page_count`) would not show. Mounting needs root (CAP_SYS_ADMIN); elsewhere the
/// suite is skipped.
@Suite(.enabled(if: SmallDisk.canMount, "mounting a tmpfs needs root"))
struct FullDiskTests {
    @Test func anAppendThatFindsTheDiskFullChangesNothingAndSaysSo() throws {
        let cli = try CLIProcess()
        let base = TestBatch(name: "b0", size: 200)
        #expect(try cli.run(["init", "--ledger", "base.sqlite"]).status == 0)
        #expect(try cli.run(["append", "--ledger", "base.sqlite", "-"], stdin: base.text).status == 0)
        // About 1.7 MiB in the -wal file, and as much again in the main file at checkpoint.
        let batch = TestBatch(name: "big", size: 4_000, earlierModel: "b0-m")
        try cli.write(batch.text, to: "big.jsonl")
        let baseHead = try cli.run(["head", "--ledger", "base.sqlite"]).stdout

        let disk = try SmallDisk(megabytes: 8)
        let ledger = disk.path("l.sqlite")
        var refused = 0
        var appended = 0
        var changed = 0
        var refusedForSHM = 0
        var appendedKeptInWAL = 0
        var lost = 0
        // Below 32 KiB free, even the -shm file does not fit; below about 2 MiB, the batch does
        // not; below about 4 MiB, the batch fits in the -wal file but the checkpoint into the
        // main file does not (the entries stay in the -wal file, committed).
        let kib = 1_024
        let freeSpace = [0, 4, 8, 16, 24, 28, 32, 36, 48, 64, 128, 256, 512, 1_024, 1_536, 2_048, 2_560, 3_072, 4_096, 6_144].map {
            $0 * kib
        }
        for free in freeSpace {
            try disk.empty()
            try FileManager.default.copyItem(atPath: cli.path("base.sqlite"), toPath: ledger)
            try disk.fill(leaving: free)
            let before = FileManager.default.contents(atPath: ledger)
            let result = try cli.run(["append", "--ledger", ledger, "big.jsonl"])
            if result.status == 0 {
                appended += 1
                // The checkpoint into the main file may not have fitted: the entries then stay
                // in the -wal file, committed.
                if (fileSize(ledger + "-wal") ?? 0) > 0 { appendedKeptInWAL += 1 }
                let verify = try cli.run(["verify", "--ledger", ledger])
                #expect(verify.status == 0 && verify.stdout.hasPrefix("ok: 4,200 entries verified"), "free \(free): \(verify.stdout)")
                #expect(try BatchCensus(path: ledger).holdsWhole(batch), "free \(free)")
                continue
            }
            refused += 1
            if result.stderr.contains("no room for the ledger's -shm file") { refusedForSHM += 1 }
            #expect(result.status == 74, "free \(free): \(result.stderr)")
            #expect(result.stdout.isEmpty)
            #expect(
                result.stderr.hasPrefix("rrm-ledger: error: cannot write to \(ledger): the disk is full")
                    && result.stderr.hasSuffix("; the ledger is unchanged\n"), "free \(free): \(result.stderr)")
            // Unchanged: the same bytes; at most an empty -wal file beside them.
            let unchanged = FileManager.default.contents(atPath: ledger) == before && (fileSize(ledger + "-wal") ?? 0) == 0
            if !unchanged { changed += 1 }
            // The ledger verifies while the disk is still full, with the head it had.
            let verify = try cli.run(["verify", "--ledger", ledger])
            #expect(
                verify.status == 0 && verify.stdout.hasPrefix("ok: 200 entries verified"), "free \(free): \(verify.stdout)\(verify.stderr)")
            #expect(try cli.run(["head", "--ledger", ledger]).stdout == baseHead, "free \(free)")
            // Once there is room again, the same batch goes in.
            try FileManager.default.removeItem(atPath: disk.path("filler"))
            let census = try BatchCensus(path: ledger)
            lost += base.size - (census.counts["b0"]?.entries ?? 0)
            #expect(census.counts.count == 1, "free \(free): \(census.counts)")
            #expect(try cli.run(["append", "--ledger", ledger, "big.jsonl"]).status == 0, "free \(free)")
            #expect(try cli.run(["verify", "--ledger", ledger]).stdout.hasPrefix("ok: 4,200 entries verified"), "free \(free)")
        }
        let figures = Reliability.report(
            "full-disk",
            [
                "cases": freeSpace.count, "injected": freeSpace.count, "refused-disk-full": refused,
                "of-which-no-room-for-shm": refusedForSHM,
                "appended-whole": appended, "of-which-kept-in-wal": appendedKeptInWAL, "changed-by-refused": changed, "lost-entries": lost,
            ])
        #expect(changed == 0 && lost == 0, "\(figures)")
        #expect(refused > 0 && appended > 0, "\(figures)")
    }
}

/// A tmpfs of a few MiB mounted on a new temporary folder, unmounted and removed with the value.
final class SmallDisk {
    let folder: URL

    init(megabytes: Int) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("rrm-ledger-full-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        guard runTool(["mount", "-t", "tmpfs", "-o", "size=\(megabytes)m,mode=0755", "tmpfs", folder.path]) == 0 else {
            try? FileManager.default.removeItem(at: folder)
            throw CocoaError(.fileWriteNoPermission)
        }
    }

    deinit {
        if runTool(["umount", folder.path]) != 0 { _ = runTool(["umount", "-l", folder.path]) }
        try? FileManager.default.removeItem(at: folder)
    }

    func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    /// Bytes an unprivileged write can still use.
    var available: Int {
        var info = statvfs()
        guard statvfs(folder.path, &info) == 0 else { return 0 }
        return Int(info.f_bavail) * Int(info.f_frsize)
    }

    /// Removes every file on the disk.
    func empty() throws {
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) {
            try FileManager.default.removeItem(atPath: path(name))
        }
    }

    /// Fills the disk with a file of zeros until about `free` bytes are left.
    func fill(leaving free: Int) throws {
        FileManager.default.createFile(atPath: path("filler"), contents: nil)
        let filler = try FileHandle(forWritingTo: URL(fileURLWithPath: path("filler")))
        defer { try? filler.close() }
        var remaining = available - free
        let chunk = Data(count: 65_536)
        while remaining > 0 {
            let size = min(remaining, chunk.count)
            do { try filler.write(contentsOf: chunk.prefix(size)) } catch { break }
            remaining -= size
        }
    }

    /// Whether this process may mount a tmpfs (root, or CAP_SYS_ADMIN): tried once.
    static let canMount: Bool = {
        guard Reliability.isRoot else { return false }
        return (try? SmallDisk(megabytes: 1)) != nil
    }()
}
