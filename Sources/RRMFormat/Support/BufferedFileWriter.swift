import Foundation

/// Writes a file through a buffer under a temporary name beside `path`, and puts it in place
/// whole on `close()` (`FilePublishing`): never half-written under its name, and an existing file
/// is replaced only when asked, even one another command made meanwhile. Unpublished, the
/// temporary file is removed.
package final class BufferedFileWriter {
    /// The errors a caller's layer reports: that something is at the path, and that writing failed.
    package struct Errors: Sendable {
        package let exists: @Sendable (_ path: String) -> any Error
        package let cannotWrite: @Sendable (_ path: String, _ detail: String) -> any Error

        package init(
            exists: @escaping @Sendable (_ path: String) -> any Error,
            cannotWrite: @escaping @Sendable (_ path: String, _ detail: String) -> any Error
        ) {
            self.exists = exists
            self.cannotWrite = cannotWrite
        }
    }

    package let path: String
    private let errors: Errors
    private let temporary: String
    private let replacing: Bool
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private var published = false

    package init(path: String, replacing: Bool, errors: Errors) throws {
        self.path = path
        self.replacing = replacing
        self.errors = errors
        var status = stat()
        if !replacing && lstat(path, &status) == 0 { throw errors.exists(path) }
        temporary = FilePublishing.temporaryPath(beside: path)
        guard FileManager.default.createFile(atPath: temporary, contents: nil) else {
            throw errors.cannotWrite(path, "cannot create a file in its folder")
        }
        handle = try FileHandle(forWritingTo: URL(fileURLWithPath: temporary))
        buffer.reserveCapacity(1 << 20)
    }

    deinit {
        if !published { unlink(temporary) }
    }

    package func write(_ bytes: [UInt8]) throws {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 20 { try flush() }
    }

    package func flush() throws {
        guard !buffer.isEmpty else { return }
        do {
            try handle.write(contentsOf: buffer)
        } catch {
            throw errors.cannotWrite(path, error.localizedDescription)
        }
        buffer.removeAll(keepingCapacity: true)
    }

    package func close() throws {
        try flush()
        do {
            try handle.synchronize()
            try handle.close()
        } catch {
            throw errors.cannotWrite(path, error.localizedDescription)
        }
        if let code = FilePublishing.publish(temporary, as: path, replacing: replacing) {
            if code == EEXIST { throw errors.exists(path) }
            throw errors.cannotWrite(path, String(cString: strerror(code)))
        }
        published = true
    }
}
