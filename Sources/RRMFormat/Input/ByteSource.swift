import Foundation

/// Where the bytes of a JSONL batch come from: a file, standard input, or a generator such as the
/// simulator. Read by one thread at a time.
public protocol ByteSource: AnyObject {
    /// A name for error messages ("events.jsonl", "standard input").
    var name: String { get }
    /// Fills `buffer` with up to its size in bytes; returns how many, 0 at the end.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(InputError) -> Int
}

/// Bytes read from a file descriptor: a file opened by path, or standard input.
public final class FileByteSource: ByteSource {
    public let name: String
    private let descriptor: Int32
    private let ownsDescriptor: Bool

    /// Opens a file for reading; "-" means standard input.
    /// - Throws: `InputError.unreadable` when the file cannot be opened.
    public init(path: String) throws(InputError) {
        if path == "-" {
            name = "standard input"
            descriptor = STDIN_FILENO
            ownsDescriptor = false
            return
        }
        name = path
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw .unreadable(source: path, detail: "it is a directory")
        }
        descriptor = Foundation.open(path, O_RDONLY)
        guard descriptor >= 0 else { throw .unreadable(source: path, detail: String(cString: strerror(errno))) }
        ownsDescriptor = true
    }

    deinit {
        if ownsDescriptor { close(descriptor) }
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(InputError) -> Int {
        while true {
            let count = Foundation.read(descriptor, buffer.baseAddress, buffer.count)
            if count >= 0 { return count }
            if errno == EINTR { continue }
            throw .unreadable(source: name, detail: String(cString: strerror(errno)))
        }
    }
}

/// Bytes held in memory, for tests and small programmatic batches.
public final class MemoryByteSource: ByteSource {
    public let name: String
    private let bytes: [UInt8]
    private var offset = 0

    public init(_ text: String, name: String = "input") {
        self.bytes = Array(text.utf8)
        self.name = name
    }

    public init(bytes: [UInt8], name: String = "input") {
        self.bytes = bytes
        self.name = name
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(InputError) -> Int {
        let count = min(buffer.count, bytes.count - offset)
        bytes.withUnsafeBytes { source in
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[offset..<(offset + count)]))
        }
        offset += count
        return count
    }
}
