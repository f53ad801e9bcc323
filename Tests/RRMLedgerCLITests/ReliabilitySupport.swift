import Foundation
import GRDB
import RRMLedger

/// Knobs and figures shared by the reliability tests (docs/RELIABILITY.md).
enum Reliability {
    /// A count from the environment (for longer runs than CI affords), else `value`.
    static func knob(_ name: String, default value: Int) -> Int {
        ProcessInfo.processInfo.environment[name].flatMap { Int($0) }.map { max(0, $0) } ?? value
    }

    /// The seed of every random choice: `RRM_RELIABILITY_SEED`, else a fixed one, so a failure
    /// can be replayed.
    static var seed: UInt64 {
        ProcessInfo.processInfo.environment["RRM_RELIABILITY_SEED"].flatMap { UInt64($0) } ?? 20_260_701
    }

    /// Prints one line of figures on standard output, `reliability: NAME key=value …`, for a
    /// runner to collect; returns the same line for `#expect` messages.
    @discardableResult
    static func report(_ name: String, _ figures: KeyValuePairs<String, Int>) -> String {
        let line = "reliability: \(name) " + figures.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        print(line)
        return line
    }

    /// Whether this process runs as root (mounting a tmpfs, switching to another user).
    static var isRoot: Bool { getuid() == 0 }
}

/// A batch of valid events of every kind that links within itself and, when given, to a model
/// committed earlier (so references are resolved from SQLite too). Every id starts with
/// `name` and "-", which is how `BatchCensus` counts the batch.
struct TestBatch {
    let name: String
    let size: Int
    let text: String

    init(name: String, size: Int, earlierModel: String? = nil) {
        precondition(size >= 1 && !name.contains("-"))
        self.name = name
        self.size = size
        var lines = [#"{"kind":"model","id":"\#(name)-m","level":0,"role":"critic"}"#]
        for index in 1..<max(1, size) {
            let entry = "\(name)-\(index)"
            switch index % 4 {
            case 1:
                let model = earlierModel.flatMap { index % 8 == 1 ? $0 : nil } ?? "\(name)-m"
                lines.append(#"{"kind":"output","id":"\#(entry)","model":"\#(model)","task":"task \#(index)"}"#)
            case 2:
                lines.append(
                    #"{"kind":"critique","id":"\#(entry)","critic":"\#(name)-m","targets":["\#(name)-\#(index - 1)"],"text":"The loop bound is off by one in entry \#(index - 1)."}"#
                )
            case 3:
                lines.append(
                    #"{"kind":"label","id":"\#(entry)","rater":"human:rater\#(index % 5)","targets":["\#(name)-\#(index - 2)"],"value":\#(index % 7),"assisted_by":["\#(name)-\#(index - 1)"]}"#
                )
            default:
                lines.append(
                    #"{"kind":"finding","id":"\#(entry)","about":"\#(name)-\#(index - 2)","verdict":"erroneous","auditor":"human:auditor","error_type":"sycophancy"}"#
                )
            }
        }
        text = lines.joined(separator: "\n") + "\n"
    }
}

/// How many entries of each test batch a ledger holds, and where: one query, grouped by the
/// id prefix before the first "-".
struct BatchCensus {
    struct Count: Equatable {
        let entries: Int
        let first: Int64
        let last: Int64

        /// The entries form one unbroken run of sequence numbers.
        var isContiguous: Bool { last - first + 1 == Int64(entries) }
    }

    let counts: [String: Count]

    init(path: String) throws {
        var configuration = Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        var counts: [String: Count] = [:]
        try queue.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT substr(id, 1, instr(id, '-') - 1) AS batch, count(*) AS entries, min(seq) AS first, max(seq) AS last
                    FROM entry GROUP BY batch
                    """)
            for row in rows { counts[row["batch"]] = Count(entries: row["entries"], first: row["first"], last: row["last"]) }
        }
        try queue.close()
        self.counts = counts
    }

    /// The batch is there entirely, once, contiguous.
    func holdsWhole(_ batch: TestBatch) -> Bool {
        guard let count = counts[batch.name] else { return false }
        return count.entries == batch.size && count.isContiguous
    }

    /// The batch is not there at all.
    func lacks(_ batch: TestBatch) -> Bool { counts[batch.name] == nil }
}

/// One `rrm-ledger` process that a test can kill or freeze at any moment.
final class RunningCommand {
    let process: Process
    private let output = Pipe()
    private let errors = Pipe()
    let started = Date()

    init(_ cli: CLIProcess, _ arguments: [String]) throws {
        process = cli.start(arguments)
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = errors
        try process.run()
    }

    var pid: pid_t { process.processIdentifier }

    /// Sends `signal` unless the process has already ended.
    func send(_ signal: Int32) {
        if process.isRunning { kill(pid, signal) }
    }

    /// Freezes the process (SIGSTOP) and returns once it is stopped or has ended: from then on
    /// its files change no more until `resume()`.
    func freeze() {
        send(SIGSTOP)
        while process.isRunning {
            // The third field of /proc/PID/stat is the state: "T" once stopped.
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return }
            let state = stat[stat.index(after: close)...].split(separator: " ").first
            if state == "T" || state == "Z" { return }
            usleep(50)
        }
    }

    func resume() { send(SIGCONT) }

    /// Whether the process has the file at `path` open now (from /proc/PID/fd).
    func hasOpen(_ path: String) -> Bool {
        let target = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        let folder = "/proc/\(pid)/fd"
        guard let descriptors = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return false }
        return descriptors.contains { (try? FileManager.default.destinationOfSymbolicLink(atPath: "\(folder)/\($0)")) == target }
    }

    /// Waits for the end; `killed` is true when SIGKILL ended it.
    func finish() -> (status: Int32, killed: Bool, stdout: String, stderr: String, seconds: Double) {
        let stdout = output.fileHandleForReading.readDataToEndOfFile()
        let stderr = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let killed = process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL
        return (
            process.terminationStatus, killed, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self),
            Date().timeIntervalSince(started)
        )
    }
}

/// Sleeps for `seconds` (sub-millisecond precision).
func pause(_ seconds: Double) {
    guard seconds > 0 else { return }
    usleep(useconds_t(seconds * 1_000_000))
}

/// A count as the command line prints it: thousands separated by commas.
func grouped(_ value: Int) -> String {
    let digits = String(value)
    var out = ""
    for (index, character) in digits.enumerated() {
        if index > 0 && (digits.count - index) % 3 == 0 { out.append(",") }
        out.append(character)
    }
    return out
}

/// A file's identity and last change (inode, size, modification time to the nanosecond), or
/// nil when it does not exist: two equal stamps mean nobody wrote the file in between.
func fileStamp(_ path: String) -> [Int]? {
    var info = stat()
    guard stat(path, &info) == 0 else { return nil }
    return [Int(info.st_ino), Int(info.st_size), Int(info.st_mtim.tv_sec), Int(info.st_mtim.tv_nsec)]
}

/// The size of a file, or nil when there is none.
func fileSize(_ path: String) -> Int? {
    (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int
}

/// Runs a system tool (found on PATH) with its output discarded; returns its exit status.
func runTool(_ arguments: [String]) -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    guard (try? process.run()) != nil else { return -1 }
    process.waitUntilExit()
    return process.terminationStatus
}

/// Runs `sql` on the ledger at `path` as a careful forger would: the append-only triggers
/// dropped and foreign keys off for the edit, the triggers put back as they were afterwards, so
/// that only the edit is left to find (`verify --deep` reports missing triggers themselves).
func forgeLedger(_ path: String, _ sql: String) throws {
    try forgeLedger(path) { db in try db.execute(sql: sql) }
}

/// `forgeLedger(_:_:)` with the edit made by `change`, in one transaction.
func forgeLedger(_ path: String, _ change: (Database) throws -> Void) throws {
    try DatabaseQueue(path: path).writeWithoutTransaction { db in
        let triggers = try String.fetchAll(
            db, sql: "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%is_append_only%' ORDER BY name")
        defer { for trigger in triggers { try? db.execute(sql: trigger) } }
        for name in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%is_append_only%'") {
            try db.execute(sql: "DROP TRIGGER \(name.quotedDatabaseIdentifier)")
        }
        try db.execute(sql: "PRAGMA foreign_keys = OFF")
        try db.inTransaction {
            try change(db)
            return .commit
        }
    }
}
