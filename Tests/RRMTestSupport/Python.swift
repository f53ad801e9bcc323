import Foundation

/// Runs python3 for tests that cross-check rrm-ledger against independent code (the `prov`
/// package, Datasette, jsonschema, `cryptography`), shared by both test targets.
public enum Python {
    public struct Result: Sendable {
        public let status: Int32
        public let stdout: String
        public let stderr: String
    }

    /// Runs `python3 script arguments…`.
    public static func run(script: URL, arguments: [String]) throws -> Result {
        try run(arguments: [script.path] + arguments)
    }

    /// Runs `python3 arguments…` (for example `["-c", code, …]`); exit status 127 means no python3.
    public static func run(arguments: [String]) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.standardInput = FileHandle.nullDevice
        process.arguments = ["python3"] + arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let stdout = output.fileHandleForReading.readDataToEndOfFile()
        let stderr = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }
}
