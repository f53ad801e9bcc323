import Crypto

/// SHA-256 from swift-crypto, in the byte-array shape the ledger stores.
public enum SHA256Digest {
    /// Length of a digest in bytes.
    public static let byteCount = 32

    /// The SHA-256 digest of the bytes.
    public static func of(_ bytes: [UInt8]) -> [UInt8] {
        bytes.withUnsafeBytes { of($0) }
    }

    /// The SHA-256 digest of the bytes.
    public static func of(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        Array(SHA256.hash(data: bytes))
    }
}
