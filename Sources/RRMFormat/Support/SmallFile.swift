import Foundation

/// Reads a small input (a proof file, a trusted checkpoint, a note) whole, but never more than
/// its limit: a regular file larger than the limit is refused from its size before a byte is
/// read, and a stream (standard input, a pipe, `<(…)`) as soon as it passes the limit, so that
/// an oversized input costs no more memory than the limit.
package enum SmallFile {
    /// Why the input was not read.
    package enum Failure: Error, Sendable, Equatable {
        case notFound
        case isDirectory
        /// More than `limit` bytes: `bytes` is the file's size when it is a regular file, `nil`
        /// for a stream (only "more than the limit" is known).
        case tooLarge(bytes: Int?, limit: Int)
        case system(operation: String, errno: Int32)

        /// The failure in words, without the path (the caller names it).
        package var detail: String {
            switch self {
            case .notFound: return "no such file"
            case .isDirectory: return "it is a folder"
            case .tooLarge(let bytes?, let limit): return "\(bytes) bytes, more than the limit of \(limit)"
            case .tooLarge(nil, let limit): return "more than the limit of \(limit) bytes"
            case .system(let operation, let code): return "\(operation): \(String(cString: strerror(code)))"
            }
        }
    }

    /// The bytes of the file at `path`, or of standard input for "-".
    package static func read(_ path: String, limit: Int) throws(Failure) -> [UInt8] {
        guard path != "-" else { return try read(descriptor: STDIN_FILENO, limit: limit) }
        // O_NONBLOCK: opening a FIFO without a writer must not hang; it is cleared for reading.
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)
        guard descriptor >= 0 else {
            let code = errno
            throw code == ENOENT ? .notFound : code == EISDIR ? .isDirectory : .system(operation: "open", errno: code)
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw .system(operation: "stat", errno: errno) }
        switch status.st_mode & S_IFMT {
        case S_IFDIR: throw .isDirectory
        case S_IFREG: if Int(status.st_size) > limit { throw .tooLarge(bytes: Int(status.st_size), limit: limit) }
        default: break
        }
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) & ~O_NONBLOCK)
        return try read(descriptor: descriptor, limit: limit)
    }

    /// Reads to the end, refusing the input once it holds more than `limit` bytes.
    private static func read(descriptor: Int32, limit: Int) throws(Failure) -> [UInt8] {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { Foundation.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .system(operation: "read", errno: errno)
            }
            if count == 0 { return bytes }
            guard bytes.count + count <= limit else { throw .tooLarge(bytes: nil, limit: limit) }
            bytes += buffer[..<count]
        }
    }
}
