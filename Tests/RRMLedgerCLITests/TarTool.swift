import Foundation
import Testing

/// The real `tar` (GNU tar, its folder, gnu and pax formats), for archives unpacked and packed again.
enum TarTool {
    /// Runs `tar arguments…` in `folder`; fails the test unless it exits 0.
    @discardableResult
    static func run(_ arguments: [String], in folder: URL) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["tar"] + arguments
        process.currentDirectoryURL = folder
        let result = try CLIProcess.collect(process)
        #expect(result.status == 0, "tar \(arguments): \(result.stderr)")
        return result.stdout
    }

    /// The manifest of an archive, read with tar.
    static func manifest(of archive: String, in cli: CLIProcess) throws -> [String: Any] {
        let text = try run(["-xzOf", archive, "rrm-archive/manifest.json"], in: cli.folder)
        return try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] ?? [:]
    }
}
