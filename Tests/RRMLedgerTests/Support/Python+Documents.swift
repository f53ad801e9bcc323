import Foundation
import RRMTestSupport

extension Python {
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
