import Foundation
import RRMLedger
import Testing

/// Recording from a live pipeline (docs/EVENTS.md, "Streaming" and "Retries"): a streaming append
/// commits and acknowledges as events come, frees the write lock between commits, keeps every
/// acknowledged commit through a SIGKILL, and a resent batch is recorded once. All as processes.
@Suite struct StreamingAppendTests {
    /// A streaming `append -` whose standard input the test writes and whose acknowledgements it reads.
    final class Stream {
        let process: Process
        private let input = Pipe()
        private let output = Pipe()
        private let errors = Pipe()
        private var pending: [UInt8] = []

        init(_ cli: CLIProcess, _ options: [String]) throws {
            process = cli.start(["append", "--ledger", "l.sqlite", "--format", "json"] + options + ["-"])
            process.standardInput = input
            process.standardOutput = output
            process.standardError = errors
            // A write to a stream the test killed must fail, not end the test runner.
            signal(SIGPIPE, SIG_IGN)
            try process.run()
        }

        func send(_ text: String) {
            try? input.fileHandleForWriting.write(contentsOf: Data(text.utf8))
        }

        func closeInput() throws { try input.fileHandleForWriting.close() }

        /// The next acknowledgement line as JSON, or nil when none came within `seconds`.
        func nextLine(within seconds: Double = 10) -> JSONValue? {
            let deadline = Date().addingTimeInterval(seconds)
            let descriptor = output.fileHandleForReading.fileDescriptor
            while true {
                if let newline = pending.firstIndex(of: 0x0A) {
                    let line = Array(pending[..<newline])
                    pending.removeFirst(newline + 1)
                    return try? JSONParser.parse(line)
                }
                let left = deadline.timeIntervalSinceNow
                guard left > 0 else { return nil }
                var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
                guard poll(&poller, 1, Int32(left * 1000) + 1) > 0 else { continue }
                var buffer = [UInt8](repeating: 0, count: 4096)
                let count = read(descriptor, &buffer, buffer.count)
                guard count > 0 else { return nil }
                pending += buffer[..<count]
            }
        }

        func finish() -> (status: Int32, signalled: Bool, stderr: String) {
            let stderr = errors.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (process.terminationStatus, process.terminationReason == .uncaughtSignal, String(decoding: stderr, as: UTF8.self))
        }
    }

    /// Output events on the model `m` of the base batch; `timed` gives each a time of its own,
    /// otherwise the ledger stamps them (and a resend then differs in `time` alone).
    static func outputs(_ range: Range<Int>, timed: Bool = false) -> String {
        range.map { index in
            let time = timed ? #","time":"2026-01-01T00:00:00Z""# : ""
            return #"{"kind":"output","id":"o\#(index)","model":"m","task":"t\#(index)"\#(time)}"# + "\n"
        }.joined()
    }

    static let model = #"{"kind":"model","id":"m","level":0,"role":"policy"}"# + "\n"

    static func headSeq(_ cli: CLIProcess) throws -> Int {
        let head = try cli.run(["head", "--ledger", "l.sqlite", "--format", "json"])
        return Int(try JSONParser.parse(Array(head.stdout.utf8))["seq"]?.numberValue ?? -1)
    }

    @Test func acknowledgedCommitsAreReadableAndTheLockIsFreeBeforeTheInputEnds() throws {
        let cli = try CLIProcess()
        #expect(try cli.run(["init", "--ledger", "l.sqlite"]).status == 0)
        #expect(try cli.run(["append", "--ledger", "l.sqlite", "-"], stdin: Self.model).status == 0)
        let stream = try Stream(cli, ["--commit-interval", "0.05"])
        stream.send(Self.outputs(0..<3))
        let ack = try #require(stream.nextLine())
        #expect(ack["type"]?.stringValue == "commit")
        let acknowledged = Int(ack["last_seq"]?.numberValue ?? 0)
        #expect(acknowledged >= 2)
        // Another reader sees what was acknowledged while the stream is still open,
        #expect(try Self.headSeq(cli) >= acknowledged)
        // and another writer gets the lock between commits (it would wait and fail in 2 s otherwise).
        let other = try cli.run(["append", "--ledger", "l.sqlite", "--wait", "2", "-"], stdin: Self.outputs(100..<102))
        #expect(other.status == 0, "\(other.stderr)")
        stream.send(Self.outputs(3..<6))
        try stream.closeInput()
        var summary: JSONValue?
        while summary == nil, let line = stream.nextLine() {
            if line["type"]?.stringValue == "summary" { summary = line }
        }
        let end = stream.finish()
        #expect(end.status == 0, "\(end.stderr)")
        #expect(summary?["appended"]?.numberValue == 6)
        #expect((summary?["commits"]?.numberValue ?? 0) >= 2)
        #expect(try Self.headSeq(cli) == 1 + 6 + 2)
        #expect(try cli.run(["verify", "--ledger", "l.sqlite"]).status == 0)
    }

    @Test func aCommitComesOnTimeWhileTheProducerIsIdle() throws {
        let cli = try CLIProcess()
        #expect(try cli.run(["init", "--ledger", "l.sqlite"]).status == 0)
        let stream = try Stream(cli, ["--commit-interval", "0.1", "--commit-every", "1000"])
        let sent = Date()
        stream.send(Self.model + Self.outputs(0..<2))
        let ack = try #require(stream.nextLine(within: 5))
        let latency = Date().timeIntervalSince(sent)
        #expect(ack["appended"]?.numberValue == 3)
        #expect(latency < 2, "the commit came \(latency) s after the events, not about 0.1 s")
        try stream.closeInput()
        #expect(stream.finish().status == 0)
    }

    @Test func aLineIsCommittedOnlyWholeAndAPartialLastLineIsRefused() throws {
        let cli = try CLIProcess()
        #expect(try cli.run(["init", "--ledger", "l.sqlite"]).status == 0)
        let stream = try Stream(cli, ["--commit-interval", "0.05"])
        stream.send(Self.model)
        #expect(stream.nextLine()?["last_seq"]?.numberValue == 1)
        // Half a line, then a pause of many intervals: nothing may be committed of it.
        let line = #"{"kind":"output","id":"o1","model":"m","task":"t"}"#
        stream.send(String(line.prefix(20)))
        #expect(stream.nextLine(within: 0.5) == nil)
        #expect(try Self.headSeq(cli) == 1)
        stream.send(String(line.dropFirst(20)) + "\n")
        #expect(stream.nextLine()?["last_seq"]?.numberValue == 2)
        // The producer dies in the middle of a line: the stream ends with it, which is refused.
        stream.send(String(line.prefix(30)))
        try stream.closeInput()
        let end = stream.finish()
        #expect(end.status == 65, "\(end.stderr)")
        #expect(try Self.headSeq(cli) == 2)
    }

    @Test func aProducerThatNeverPausesStillGetsACommitEveryInterval() throws {
        let cli = try CLIProcess()
        #expect(try cli.run(["init", "--ledger", "l.sqlite"]).status == 0)
        try cli.write(Self.model + Self.outputs(0..<20_000), to: "events.jsonl")
        let started = Date()
        let result = try cli.run(["append", "--ledger", "l.sqlite", "--commit-interval", "0.05", "--format", "json", "events.jsonl"])
        let seconds = Date().timeIntervalSince(started)
        #expect(result.status == 0, "\(result.stderr)")
        let commits = result.stdout.split(separator: "\n").filter { $0.contains(#""type":"commit""#) }.count
        // The whole input is there at once, so no read ever waits: the interval alone ends batches.
        #expect(commits >= max(2, Int(seconds / 0.05 / 4)), "\(commits) commits in \(seconds) s")
    }

    /// SIGKILL at seeded random moments of a stream: every acknowledged commit is there, the
    /// ledger verifies, and resending the whole input then records each event exactly once.
    @Test func killedStreamsKeepEveryAcknowledgedCommitAndAResendRecordsEachEventOnce() throws {
        let rounds = Reliability.knob("RRM_RELIABILITY_STREAM_KILLS", default: 8)
        var random = SimulationRandom(seed: Reliability.seed &+ 14)
        var acknowledgedInAll = 0
        var recognised = 0
        for round in 0..<rounds {
            let cli = try CLIProcess()
            #expect(try cli.run(["init", "--ledger", "l.sqlite"]).status == 0)
            let events = 40 + random.integer(in: 0...200)
            let timed = round % 2 == 0
            let input = Self.model + Self.outputs(0..<events, timed: timed)
            let lines = input.split(separator: "\n", omittingEmptySubsequences: true).map { $0 + "\n" }
            let stream = try Stream(cli, ["--commit-every", "\(1 + random.integer(in: 0...20))", "--commit-interval", "0.02"])
            let killAfter = random.integer(in: 0...(lines.count - 1))
            for line in lines[..<killAfter] { stream.send(String(line)) }
            // Give the append a moment to commit some of it, then take whatever acks came.
            pause(Double(random.integer(in: 0...50)) / 1000)
            kill(stream.process.processIdentifier, SIGKILL)
            var acknowledged = 0
            while let ack = stream.nextLine(within: 1) { acknowledged = max(acknowledged, Int(ack["last_seq"]?.numberValue ?? 0)) }
            let end = stream.finish()
            #expect(end.signalled)
            acknowledgedInAll += acknowledged
            #expect(try cli.run(["verify", "--ledger", "l.sqlite"]).status == 0)
            let landed = try Self.headSeq(cli)
            #expect(landed >= acknowledged, "round \(round): \(acknowledged) acknowledged, \(landed) there")

            // The pipeline does not know how far it got: it sends everything again.
            let resend = try cli.run(["append", "--ledger", "l.sqlite", "--format", "json", "-"], stdin: input)
            #expect(resend.status == 0, "round \(round): \(resend.stderr)")
            let summary = try JSONParser.parse(Array(resend.stdout.utf8))
            let already = summary["already_recorded"]?.arrayValue ?? []
            let alreadyCount = already.reduce(0) { sum, range in
                sum + Int((range.arrayValue?[1].numberValue ?? 0) - (range.arrayValue?[0].numberValue ?? 0)) + 1
            }
            #expect(alreadyCount == landed, "round \(round)")
            #expect(Int(summary["appended"]?.numberValue ?? -1) == lines.count - landed)
            #expect(try Self.headSeq(cli) == lines.count)
            recognised += alreadyCount
        }
        print(
            Reliability.report(
                "stream-kill",
                [
                    "seed": Int(truncatingIfNeeded: Reliability.seed &+ 14), "cases": rounds, "acknowledged": acknowledgedInAll,
                    "resent_recognised": recognised,
                ]))
    }

    @Test func aRefusedLineEndsTheStreamAtOnceThoughTheProducerKeepsItsEndOpen() throws {
        let cli = try CLIProcess()
        #expect(try cli.run(["init", "--ledger", "l.sqlite"]).status == 0)
        let stream = try Stream(cli, ["--commit-interval", "0.05"])
        stream.send(Self.model)
        #expect(stream.nextLine() != nil)
        // The client waits for an answer with its end of the pipe open; the append must not wait
        // for more input before it reports the refusal.
        stream.send(#"{"kind":"output","id":"o","model":"nobody","task":"t"}"# + "\n")
        let started = Date()
        while stream.process.isRunning && Date().timeIntervalSince(started) < 10 { pause(0.01) }
        #expect(!stream.process.isRunning, "the append still waits for input after refusing a line")
        if stream.process.isRunning { kill(stream.process.processIdentifier, SIGKILL) }
        let end = stream.finish()
        #expect(end.status == 65)
        #expect(end.stderr.contains(#""code":"bad_event""#), "\(end.stderr)")
        #expect(end.stderr.contains(#""note":"the 1 commits acknowledged before the failure stay recorded"#), "\(end.stderr)")
        #expect(try Self.headSeq(cli) == 1)
    }

    @Test func anotherEventUnderATakenIdIsAConflictWithExitThreeAndItsDifferences() throws {
        let cli = try CLIProcess()
        #expect(try cli.run(["init", "--ledger", "l.sqlite"]).status == 0)
        #expect(try cli.run(["append", "--ledger", "l.sqlite", "-"], stdin: Self.model + Self.outputs(0..<2)).status == 0)
        let before = cli.bytes("l.sqlite")
        let changed = #"{"kind":"output","id":"o1","model":"m","task":"another task"}"# + "\n"
        let text = try cli.run(["append", "--ledger", "l.sqlite", "-"], stdin: Self.outputs(2..<3) + changed)
        #expect(text.status == 3)
        #expect(text.stderr.contains(#"line 2: the id "o1" is taken by entry 3, an output"#), "\(text.stderr)")
        #expect(text.stderr.contains(#""task" is "t1" in the entry and "another task" in this event"#), "\(text.stderr)")
        let json = try cli.run(["append", "--ledger", "l.sqlite", "--format", "json", "-"], stdin: changed)
        #expect(json.status == 3)
        let error = try JSONParser.parse(Array(json.stderr.utf8))["error"]
        #expect(error?["code"]?.stringValue == "id_conflict")
        #expect(error?["exit_status"]?.numberValue == 3)
        #expect(error?["seq"]?.numberValue == 3)
        #expect(error?["differences"]?.arrayValue?.count == 1)
        #expect(cli.bytes("l.sqlite") == before)
    }

    @Test func checkReportsEveryBadLineAndChangesNothing() throws {
        let cli = try CLIProcess()
        #expect(try cli.run(["init", "--ledger", "l.sqlite"]).status == 0)
        #expect(try cli.run(["append", "--ledger", "l.sqlite", "-"], stdin: Self.model).status == 0)
        let before = cli.bytes("l.sqlite")
        let batch =
            Self.outputs(0..<1) + #"{"kind":"output","id":"x1","model":"nobody","task":"t"}"# + "\nnot json\n"
            + Self.outputs(1..<2) + #"{"kind":"output","id":"x2","task":"t"}"# + "\n"
        let result = try cli.run(["append", "--ledger", "l.sqlite", "--check", "--format", "json", "-"], stdin: batch)
        #expect(result.status == 65)
        let lines = result.stdout.split(separator: "\n").compactMap { try? JSONParser.parse(Array($0.utf8)) }
        let problems = lines.filter { $0["type"]?.stringValue == "problem" }
        #expect(problems.map { $0["line"]?.numberValue } == [2, 3, 5])
        #expect(problems.map { $0["field"]?.stringValue } == ["model", nil, "model"])
        #expect(lines.last?["problems"]?.numberValue == 3)
        #expect(cli.bytes("l.sqlite") == before)
        let text = try cli.run(["append", "--ledger", "l.sqlite", "--check", "-"], stdin: batch)
        #expect(text.status == 65)
        #expect(text.stdout.contains(#"line 2 (id "x1"): field "model": no entry has the id "nobody""#), "\(text.stdout)")
        #expect(text.stderr.contains("3 bad lines"))
        #expect(try cli.run(["append", "--ledger", "l.sqlite", "--check", "-"], stdin: Self.outputs(0..<2)).status == 0)
        #expect(cli.bytes("l.sqlite") == before)
    }

    @Test func expectRefusesAStreamCutShortAndIsNotForStreams() throws {
        let cli = try CLIProcess()
        #expect(try cli.run(["init", "--ledger", "l.sqlite"]).status == 0)
        let before = cli.bytes("l.sqlite")
        // The producer died after 3 of the 5 events it meant to send.
        let cut = try cli.run(["append", "--ledger", "l.sqlite", "--expect", "5", "-"], stdin: Self.model + Self.outputs(0..<2))
        #expect(cut.status == 65)
        #expect(cut.stderr.contains("ended after 3 events where --expect said 5"), "\(cut.stderr)")
        #expect(cli.bytes("l.sqlite") == before)
        let more = try cli.run(["append", "--ledger", "l.sqlite", "--expect", "2", "-"], stdin: Self.model + Self.outputs(0..<2))
        #expect(more.status == 65)
        #expect(cli.bytes("l.sqlite") == before)
        #expect(try cli.run(["append", "--ledger", "l.sqlite", "--expect", "3", "-"], stdin: Self.model + Self.outputs(0..<2)).status == 0)
        let streaming = try cli.run(["append", "--ledger", "l.sqlite", "--expect", "3", "--commit-every", "2", "-"], stdin: Self.model)
        #expect(streaming.status == 64)
    }

    @Test func withFormatJsonEveryErrorIsOneJSONObjectOnStandardError() throws {
        let cli = try CLIProcess()
        let cases: [([String], String, Int32)] = [
            (["append", "--ledger", "l.sqlite", "--format", "json", "--no-such-option", "-"], "usage", 64),
            (["append", "--ledger", "l.sqlite", "--format=json", "--commit-every", "0", "-"], "usage", 64),
            (["head", "--ledger", "missing.sqlite", "--format", "json"], "not_found", 66),
            (["verify", "--format", "json", "--ledger", "l.sqlite"], "not_found", 66),
        ]
        for (arguments, code, status) in cases {
            let result = try cli.run(arguments, stdin: "")
            #expect(result.status == status, "\(arguments)")
            let lines = result.stderr.split(separator: "\n")
            #expect(lines.count == 1, "\(arguments): \(result.stderr)")
            let error = try? JSONParser.parse(Array((lines.first ?? "").utf8))["error"]
            #expect(error?["code"]?.stringValue == code, "\(arguments): \(result.stderr)")
            #expect(error?["exit_status"]?.numberValue == Double(status))
            #expect(error?["message"]?.stringValue?.isEmpty == false)
        }
        #expect(try cli.run(["init", "--ledger", "l.sqlite"]).status == 0)
        let bad = try cli.run(
            ["append", "--ledger", "l.sqlite", "--format", "json", "-"], stdin: #"{"kind":"model","id":"m","level":-1,"role":"policy"}"#)
        #expect(bad.status == 65)
        let error = try JSONParser.parse(Array(bad.stderr.utf8))["error"]
        #expect(error?["code"]?.stringValue == "bad_event")
        #expect(error?["line"]?.numberValue == 1)
        #expect(error?["id"]?.stringValue == "m")
        #expect(error?["field"]?.stringValue == "level")
    }
}
