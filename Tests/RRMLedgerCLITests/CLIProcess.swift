import Foundation

/// Runs the built `rrm-ledger` binary as a real process, in a temporary folder of its own.
final class CLIProcess {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// The folder the commands run in; removed with this value.
    let folder: URL

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("rrm-ledger-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: folder)
    }

    /// The binary SwiftPM built next to the test bundle.
    static let binary: URL = {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("rrm-ledger")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return Bundle.main.bundleURL.appendingPathComponent("rrm-ledger")
    }()

    /// Runs `rrm-ledger arguments…` with `stdin` as standard input; waits for it to end.
    @discardableResult
    func run(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:]) throws -> Result {
        try Self.collect(start(arguments, environment: environment), stdin: stdin)
    }

    /// Runs a configured process (from `start`, perhaps changed) to its end, with `stdin` as
    /// standard input, and returns what it printed.
    static func collect(_ process: Process, stdin: String? = nil) throws -> Result {
        let input = Pipe()
        let output = Pipe()
        let errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        // Read both pipes to the end before waiting, so a full pipe cannot block the child.
        let stdoutData = output.fileHandleForReading.readDataToEndOfFile()
        let stderrData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: stdoutData, as: UTF8.self),
            stderr: String(decoding: stderrData, as: UTF8.self))
    }

    /// A configured but not yet started process, for tests that run several at once.
    func start(_ arguments: [String], environment: [String: String] = [:]) -> Process {
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = arguments
        process.currentDirectoryURL = folder
        var variables = ProcessInfo.processInfo.environment
        variables.removeValue(forKey: "RRM_LEDGER")
        for (key, value) in environment { variables[key] = value }
        process.environment = variables
        return process
    }

    func write(_ text: String, to name: String) throws {
        try Data(text.utf8).write(to: folder.appendingPathComponent(name))
    }

    func path(_ name: String) -> String {
        folder.appendingPathComponent(name).path
    }

    /// SHA-256-free fingerprint of a file's bytes, to prove a command left it alone.
    func bytes(_ name: String) -> Data? {
        FileManager.default.contents(atPath: path(name))
    }
}
