import Foundation

/// Runs python3 for tests that cross-check rrm-ledger against independent code.
enum Python {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// Runs `python3 script arguments…`.
    static func run(script: URL, arguments: [String]) throws -> Result {
        try run(arguments: [script.path] + arguments)
    }

    /// Runs `python3 arguments…` (for example `["-c", code, …]`); exit status 127 means no python3.
    static func run(arguments: [String]) throws -> Result {
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

    /// The first fenced code block of a language in a Markdown file.
    static func codeBlock(_ language: String, inDocument relativePath: String) throws -> String? {
        var lines: [Substring] = []
        var inside = false
        for line in try RepositoryFiles.text(relativePath).split(separator: "\n", omittingEmptySubsequences: false) {
            if !inside && line == "```\(language)" {
                inside = true
            } else if inside && line == "```" {
                return lines.joined(separator: "\n") + "\n"
            } else if inside {
                lines.append(line)
            }
        }
        return nil
    }
}
