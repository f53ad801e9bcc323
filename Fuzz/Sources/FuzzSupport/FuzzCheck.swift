import Foundation

/// Stops the fuzzer with a crash report when a property every accepted input must have does not
/// hold: libFuzzer saves the input that did it, as for any other crash.
///
/// - Parameters:
///   - condition: the property.
///   - message: what went wrong, printed before the abort.
public func fuzzCheck(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() {
        FileHandle.standardError.write(Data("fuzz property violated: \(message())\n".utf8))
        abort()
    }
}

/// The fuzzer's input as an array (the harnesses work on copies: the buffer is libFuzzer's).
public func fuzzInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
    guard let data, size > 0 else { return [] }
    return Array(UnsafeBufferPointer(start: data, count: size))
}

/// A file of this process's own in the temporary folder (TMPDIR; tools/fuzz points it at a
/// folder it removes), rewritten for each input.
public func scratchFile(named name: String) -> String {
    let folder = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
    return folder + "/rrm-fuzz-\(getpid())-" + name
}

/// Writes `bytes` to `path`, replacing what was there.
public func writeFile(_ bytes: [UInt8], to path: String) {
    let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    fuzzCheck(descriptor >= 0, "cannot write \(path): \(String(cString: strerror(errno)))")
    defer { close(descriptor) }
    var offset = 0
    while offset < bytes.count {
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + offset, bytes.count - offset) }
        fuzzCheck(written > 0, "cannot write \(path): \(String(cString: strerror(errno)))")
        offset += written
    }
}
