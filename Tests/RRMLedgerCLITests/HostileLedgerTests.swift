import Foundation
import GRDB
import RRMLedger
import Testing

/// Every value read from a ledger file is hostile input (docs/RELIABILITY.md section 10): a
/// ledger edited with SQLite, its schema's CHECK, NOT NULL and STRICT edited out, so that a row
/// holds what the schema forbids, makes no command trap, and every command that fails says
/// what is wrong on one line with a documented exit code. The cases are generated: every
/// column of every table a command reads, given every hostile value, and rows added outside
/// the entries; each case runs the `verify` that must notice it and a seeded sample of the
/// other commands (`RRM_HOSTILE_COMMANDS` of them, all with 21).
@Suite struct HostileLedgerTests {
    /// The values a forger writes, each somewhere the schema forbids it.
    static let values: [(name: String, value: DatabaseValue)] = [
        ("NULL", .null), ("-1", (-1).databaseValue), ("0", 0.databaseValue), ("2^63-1", Int64.max.databaseValue),
        ("-2^63", Int64.min.databaseValue), ("2^62+1", ((Int64(1) << 62) + 1).databaseValue), ("1.5", 1.5.databaseValue),
        ("text", "abc".databaseValue), ("blob", Data([0, 1]).databaseValue),
        ("31-byte blob", Data(repeating: 0x11, count: 31).databaseValue),
        ("1 MiB text", String(repeating: "x", count: 1 << 20).databaseValue),
    ]

    /// A column that commands read, the rows of it a case edits, and the `verify` that must
    /// notice the edit (`nil`: nothing verifies it, such as a checkpoint's unsigned signing time).
    struct Target {
        let table: String
        let column: String
        let rows: String
        let detectedBy: [String]?
    }

    static let plain = ["verify"]
    static let deep = ["verify", "--deep"]

    static let targets: [Target] =
        ["seq", "id", "kind", "time", "body", "prev_hash", "hash"].flatMap { column in
            ["seq = 3", "seq = 5"].map { Target(table: "entry", column: column, rows: $0, detectedBy: plain) }
        } + [
            Target(table: "checkpoint", column: "size", rows: "size = 5", detectedBy: plain),
            Target(table: "checkpoint", column: "root", rows: "size = 5", detectedBy: deep),
            Target(table: "checkpoint", column: "note", rows: "size = 5", detectedBy: deep),
            Target(table: "checkpoint", column: "signed_at", rows: "size = 5", detectedBy: nil),
            Target(table: "edge", column: "child", rows: "child = 3", detectedBy: deep),
            Target(table: "edge", column: "role", rows: "child = 3", detectedBy: deep),
            Target(table: "edge", column: "parent", rows: "child = 3", detectedBy: deep),
            Target(table: "entry_level", column: "seq", rows: "seq = 3", detectedBy: deep),
            Target(table: "entry_level", column: "level", rows: "seq = 3", detectedBy: deep),
            Target(table: "merkle_node", column: "level", rows: "level = 1 AND idx = 0", detectedBy: deep),
            Target(table: "merkle_node", column: "idx", rows: "level = 1 AND idx = 0", detectedBy: deep),
            Target(table: "merkle_node", column: "hash", rows: "level = 1 AND idx = 0", detectedBy: deep),
            // Receipts are not hashed, but plain verify checks every row's shape (ReceiptCheck).
            Target(table: "receipt", column: "first_seq", rows: "first_seq = 1", detectedBy: plain),
            Target(table: "receipt", column: "last_seq", rows: "first_seq = 1", detectedBy: plain),
            Target(table: "receipt", column: "received_at", rows: "first_seq = 1", detectedBy: plain),
            // What `verify --deep` does not yet compare (the schema's own objects and reference
            // rows, issue 13): here only the absence of traps is required.
            Target(table: "ledger_info", column: "value", rows: "key = 'origin'", detectedBy: nil),
            Target(table: "ledger_info", column: "value", rows: "key = 'derived_schema'", detectedBy: nil),
            Target(table: "link_role", column: "role", rows: "role = 'critic'", detectedBy: nil),
            Target(table: "link_role", column: "link_class", rows: "role = 'critic'", detectedBy: nil),
        ]

    /// One ledger edit: its name, the SQL with its argument, and the `verify` that must notice it.
    struct Case: Sendable {
        let name: String
        let sql: String
        let argument: DatabaseValue
        let detectedBy: [String]?
    }

    /// Rows added where no row may be: entries and checkpoints numbered outside 1…head, derived
    /// rows of an entry that does not exist (the ledger holds entries 1…5).
    static let insertions: [Case] =
        [Int64(0), -1, Int64.min, (Int64(1) << 62) + 1, Int64.max].map { seq in
            Case(
                name: "entry inserted at seq \(seq)",
                sql: "INSERT INTO entry SELECT ?, 'phantom', kind, time, body, prev_hash, hash FROM entry WHERE seq = 5",
                argument: seq.databaseValue, detectedBy: plain)
        }
        + [Int64(0), -1, (Int64(1) << 62) + 1, Int64.max].map { size in
            Case(
                name: "checkpoint inserted at size \(size)",
                sql: "INSERT INTO checkpoint SELECT ?, root, note, signed_at FROM checkpoint WHERE size = 5",
                argument: size.databaseValue, detectedBy: plain)
        } + [
            Case(name: "level of entry 6", sql: "INSERT INTO entry_level VALUES (?, 0)", argument: 6.databaseValue, detectedBy: plain),
            Case(name: "edge from entry 6", sql: "INSERT INTO edge VALUES (?, 'model', 1)", argument: 6.databaseValue, detectedBy: plain),
            Case(
                name: "edge to entry 0", sql: "INSERT INTO edge VALUES (2, 'model', ?)", argument: 0.databaseValue, detectedBy: plain),
            Case(
                name: "Merkle node beyond the tree", sql: "INSERT INTO merkle_node SELECT 1, ?, hash FROM merkle_node WHERE level = 1",
                argument: 2.databaseValue, detectedBy: plain),
        ]

    static var cases: [Case] {
        targets.flatMap { target in
            values.map { value in
                Case(
                    name: "\(target.table).\(target.column) = \(value.name) where \(target.rows)",
                    sql: "UPDATE \(target.table) SET \(target.column) = ? WHERE \(target.rows)", argument: value.value,
                    detectedBy: target.detectedBy)
            }
        } + insertions
    }

    /// Every command that reads a ledger, with what it needs (the template has them all).
    static let commands: [[String]] = [
        ["verify"], ["verify", "--deep"], ["head"], ["show", "crit-1"], ["log"], ["stats"], ["lineage", "crit-1"], ["report"],
        ["trace", "crit-1"], ["audit-plan", "--budget", "2"], ["export", "--out", "a.tgz"], ["checkpoint", "--key", "k.key"],
        ["prove", "inclusion", "crit-1"], ["prove", "consistency", "2"], ["audit", "--key", "k.pub", "--state", "state"],
        ["rebuild"], ["append", "more.jsonl"], ["lineage", "crit-1", "--format", "dot"], ["lineage", "crit-1", "--format", "prov-json"],
        ["export", "--prov", "--out", "p.json"], ["datasette-metadata"],
    ]

    /// The files of a small valid ledger with a checkpoint, a key, an auditor's state and a
    /// batch to append, its schema loosened as a forger loosens it.
    static func template() throws -> CLIProcess {
        let cli = try CommandLineTests().populated()
        #expect(try cli.run(["keygen", "--ledger", "l.sqlite", "--out", "k"]).status == 0)
        #expect(try cli.run(["checkpoint", "--ledger", "l.sqlite", "--key", "k.key"]).status == 0)
        #expect(try cli.run(["audit", "--ledger", "l.sqlite", "--key", "k.pub", "--state", "state"]).status == 0)
        try cli.write(
            #"{"kind":"output","id":"out-9","model":"policy-0","task":"t","time":"2026-01-01T00:00:09Z"}"# + "\n", to: "more.jsonl")
        try loosenSchema(of: cli.path("l.sqlite"))
        return cli
    }

    /// Edits the CHECK and NOT NULL constraints and STRICT out of every table's definition
    /// (PRAGMA writable_schema) and drops the append-only triggers: what `sqlite3` lets anyone
    /// with the file do, so that a row can hold any value of any type.
    static func loosenSchema(of path: String) throws {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = false
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        try queue.writeWithoutTransaction { db in
            let tables = try Row.fetchAll(
                db, sql: "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND sql IS NOT NULL AND name NOT LIKE 'entry_search%'"
            )
            try db.execute(sql: "PRAGMA writable_schema = ON")
            for table in tables {
                let name: String = table["name"]
                let sql: String = table["sql"]
                try db.execute(sql: "UPDATE sqlite_master SET sql = ? WHERE name = ?", arguments: [loosened(sql), name])
            }
            try db.execute(sql: "PRAGMA writable_schema = OFF")
        }
        try queue.close()
        let reopened = try DatabaseQueue(path: path, configuration: configuration)
        try reopened.writeWithoutTransaction { db in
            for trigger in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'trigger'") {
                try db.execute(sql: "DROP TRIGGER \(trigger)")
            }
            try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
        }
        try reopened.close()
    }

    /// A table definition without its CHECK clauses, NOT NULL constraints and STRICT.
    static func loosened(_ sql: String) -> String {
        var out = ""
        var rest = Substring(sql)
        while let check = rest.range(of: "CHECK (") {
            out += rest[..<check.lowerBound]
            var depth = 1
            var index = check.upperBound
            while depth > 0, index < rest.endIndex {
                if rest[index] == "(" { depth += 1 } else if rest[index] == ")" { depth -= 1 }
                index = rest.index(after: index)
            }
            rest = rest[index...]
        }
        out += rest
        return out.replacingOccurrences(of: "NOT NULL", with: "").replacingOccurrences(of: ") STRICT", with: ")")
            .replacingOccurrences(of: "STRICT,", with: "")
    }

    /// What went wrong with one command on one case, or `nil`.
    static func problem(_ command: [String], _ result: HardeningTests.RaceResult, mustDetect: Bool) -> String? {
        if result.signalled { return "ended by a signal or hung (status \(result.status)): \(result.stderr.suffix(300))" }
        let documented: Set<Int32> = [0, 1, 65, 66, 69, 73]
        guard documented.contains(result.status) else { return "exit \(result.status): \(result.stderr.prefix(300))" }
        if mustDetect && result.status == 0 { return "did not notice the edit: \(result.stdout.suffix(300))" }
        if command.first == "verify" && result.status == 1 {
            let lines = result.stdout.split(separator: "\n")
            guard lines.contains(where: { $0.hasPrefix("FAULT ") }), lines.last?.hasPrefix("FAILED: ") == true else {
                return "exit 1 without FAULT lines and a FAILED line: \(result.stdout.prefix(300))"
            }
            // Detail is bounded too: no line echoes a megabyte of stored text.
            if let long = lines.first(where: { $0.utf8.count > 2000 }) { return "a line of \(long.utf8.count) bytes" }
        } else if result.status != 0 {
            let message = result.stderr
            guard message.hasPrefix("rrm-ledger: error: "), message.hasSuffix("\n"), message.dropLast().split(separator: "\n").count == 1
            else { return "exit \(result.status) without one error line: \(message.prefix(300))" }
            if message.utf8.count > 2000 { return "an error line of \(message.utf8.count) bytes" }
            if message.contains("internal error") || message.contains("database error") { return message }
            // A malformed row is named by table, row and column.
            if message.contains("; the file was changed outside rrm-ledger or is damaged"),
                message.range(of: #"the ledger's (edge row from entry|[a-z_]+ row) -?\d+, column [a-z_]+: "#, options: .regularExpression)
                    == nil
            {
                return "a malformed row not named by table, row and column: \(message)"
            }
        }
        return nil
    }

    @Test func everyHostileValueInEveryColumnIsReportedAndTrapsNoCommand() throws {
        let template = try Self.template()
        let perCase = min(Self.commands.count, Reliability.knob("RRM_HOSTILE_COMMANDS", default: 1))
        var random = SplitMix64(seed: Reliability.seed)
        // Each case: the verify that must notice it, then a seeded sample of the other commands.
        let jobs: [(index: Int, command: [String], mustDetect: Bool)] = Self.cases.enumerated().flatMap { index, hostile in
            let detection = hostile.detectedBy.map { [$0] } ?? []
            let others = Self.commands.filter { !detection.contains($0) }.shuffled(using: &random).prefix(perCase)
            return detection.map { (index, $0, true) } + others.map { (index, $0, false) }
        }
        let lock = NSLock()
        nonisolated(unsafe) var failures: [String] = []
        nonisolated(unsafe) var notApplicable = Set<Int>()
        nonisolated(unsafe) var detected = Set<Int>()
        nonisolated(unsafe) var next = 0
        let cases = Self.cases
        let files = ["l.sqlite", "k.key", "k.pub", "state", "more.jsonl"].map { ($0, template.path($0)) }
        DispatchQueue.concurrentPerform(iterations: 3) { _ in
            while true {
                let job: (index: Int, command: [String], mustDetect: Bool)? = lock.withLock {
                    defer { next += 1 }
                    return next < jobs.count ? jobs[next] : nil
                }
                guard let job else { return }
                let hostile = cases[job.index]
                do {
                    let cli = try CLIProcess()
                    for (name, path) in files { try FileManager.default.copyItem(atPath: path, toPath: cli.path(name)) }
                    chmod(cli.path("k.key"), 0o600)
                    guard try Self.apply(hostile, to: cli.path("l.sqlite")) else {
                        lock.withLock { _ = notApplicable.insert(job.index) }
                        continue
                    }
                    let result = try HardeningTests.race(cli, [job.command + ["--ledger", "l.sqlite"]], timeout: 30)[0]
                    let found = Self.problem(job.command, result, mustDetect: job.mustDetect)
                    lock.withLock {
                        if let found { failures.append("\(hostile.name): \(job.command.joined(separator: " ")): \(found)") }
                        if job.mustDetect && result.status != 0 && !result.signalled { _ = detected.insert(job.index) }
                    }
                } catch {
                    lock.withLock { failures.append("\(hostile.name): \(job.command.joined(separator: " ")): the test failed: \(error)") }
                }
            }
        }
        let applicable = cases.indices.filter { !notApplicable.contains($0) }
        let detectable = applicable.filter { cases[$0].detectedBy != nil }
        let runs = jobs.filter { !notApplicable.contains($0.index) }.count
        let line = Reliability.report(
            "hostile-ledger",
            [
                "cases": applicable.count, "runs": runs, "injected": detectable.count, "detected": detected.count,
                "failures": failures.count,
            ])
        #expect(failures.isEmpty, "\(line)\n\(failures.sorted().prefix(60).joined(separator: "\n"))")
        #expect(detected.count == detectable.count, "\(line)")
        withExtendedLifetime(template) {}
        // The generator reaches every table and most of its product: a case SQLite itself refuses
        // (text as a rowid, NULL in a WITHOUT ROWID key) is the only kind left out.
        #expect(applicable.count > cases.count * 3 / 4, "\(line)")
    }

    /// Makes the case's edit; `false` when SQLite itself refuses it (a rowid must be an integer,
    /// a WITHOUT ROWID key not NULL) or it would change nothing (the value was already there).
    static func apply(_ hostile: Case, to path: String) throws -> Bool {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = false
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        defer { try? queue.close() }
        return try queue.writeWithoutTransaction { db in
            if hostile.sql.hasPrefix("UPDATE "), let unchanged = try unchangedBy(hostile, db), unchanged { return false }
            do {
                try db.execute(sql: hostile.sql, arguments: [hostile.argument])
            } catch let error as DatabaseError where [.SQLITE_MISMATCH, .SQLITE_CONSTRAINT].contains(error.resultCode) {
                return false
            }
            try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
            return true
        }
    }

    /// Whether every row an UPDATE case edits already holds its value.
    private static func unchangedBy(_ hostile: Case, _ db: Database) throws -> Bool? {
        // "UPDATE table SET column = ? WHERE rows"
        let words = hostile.sql.split(separator: " ", maxSplits: 6)
        guard words.count == 7 else { return nil }
        let (table, column, rows) = (words[1], words[3], words[6].dropFirst("WHERE ".count))
        let differing = try Int.fetchOne(
            db, sql: "SELECT count(*) FROM \(table) WHERE \(rows) AND \(column) IS NOT ?", arguments: [hostile.argument])
        return differing == 0
    }

    // MARK: - The named cases of issue 13

    @Test func aPhantomEntryAtSeq0IsAFaultOfPlainVerify() throws {
        let cli = try Self.template()
        #expect(
            try Self.apply(Self.insertions[0], to: cli.path("l.sqlite")),
            "the phantom row could not be inserted: the schema was not loosened")
        let verify = try cli.run(["verify", "--ledger", "l.sqlite"])
        #expect(verify.status == 1)
        #expect(
            verify.stdout.hasPrefix(
                "FAULT inserted-entries: entry 0: entry numbered 0, outside 1…5: sequence numbers start at 1, so the row was inserted by hand"
            ),
            "\(verify.stdout)")
        #expect(verify.stdout.hasSuffix("FAILED: 1 faults in 5 entries; first damaged entry: 0\n"), "\(verify.stdout)")
        // The commands that would count it refuse or report it rather than trap.
        let stats = try cli.run(["stats", "--ledger", "l.sqlite"])
        #expect(
            stats.status == 1
                && stats.stderr == "rrm-ledger: error: entry 0 has no level (its entry_level row is missing): "
                    + "the derived data is damaged (`rrm-ledger verify --deep` lists every fault, `rrm-ledger rebuild` repairs it)\n"
        )
    }

    @Test func seqsAtTheEndsOfInt64AreFaultsAtTheirOwnSequenceNumbers() throws {
        let cli = try Self.template()
        for (name, seq) in [("max", Int64.max), ("2^62+1", (Int64(1) << 62) + 1)] {
            try FileManager.default.copyItem(atPath: cli.path("l.sqlite"), toPath: cli.path("\(name).sqlite"))
            let phantom = try #require(Self.insertions.first { $0.argument == seq.databaseValue })
            #expect(try Self.apply(phantom, to: cli.path("\(name).sqlite")))
            let verify = try cli.run(["verify", "--ledger", "\(name).sqlite", "--workers", "2"])
            #expect(verify.status == 1, "\(verify.stderr)")
            // The entries between the head and the phantom are missing; the phantom's hash is not its own.
            #expect(verify.stdout.contains("FAULT missing-entries: entry 6: entries 6 to \(seq - 1) are missing"), "\(verify.stdout)")
            #expect(verify.stdout.contains("FAULT hash-mismatch: entry \(seq): "), "\(verify.stdout)")
            for command in [["report"], ["head"], ["stats"], ["trace", "crit-1"]] {
                let result = try HardeningTests.race(cli, [command + ["--ledger", "\(name).sqlite"]])[0]
                #expect(!result.signalled && [0, 1, 65, 69].contains(result.status), "\(command): \(result.stderr)")
            }
        }
    }
}
