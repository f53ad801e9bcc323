import Foundation
import RRMFormat

/// A PROV-JSON document written as a stream: PROV-JSON groups records by type (every entity in
/// one object, every usage in another), so each type's records are spooled as they come, in
/// memory up to 1 MiB and then in a temporary file, and `finish` writes the document type by
/// type. Memory stays flat whatever the number of records.
final class ProvJSONStream {
    /// The record types, in the order the document lists them.
    static let order = [
        "entity", "activity", "agent", "wasGeneratedBy", "used", "wasDerivedFrom", "wasAttributedTo", "wasAssociatedWith",
        "wasInformedBy", "hadMember",
    ]

    private var spools: [String: Spool] = [:]
    private(set) var relationCount = 0
    private(set) var recordCount: [String: Int] = [:]

    /// A record with its own identifier (an entity, activity or agent).
    func record(_ type: String, id: String, _ attributes: JSONObject) throws {
        var bytes: [UInt8] = []
        CanonicalJSON.appendString(id, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        CanonicalJSON.encode(.object(attributes), into: &bytes)
        try spool(type).append(bytes)
        recordCount[type, default: 0] += 1
    }

    /// A relation, identified by a blank node of its own.
    func relation(_ type: String, _ attributes: JSONObject) throws {
        relationCount += 1
        try record(type, id: "_:r\(relationCount)", attributes)
    }

    /// Writes the whole document (`prefix` first, then each type that has records) to `sink`.
    func finish(prefix: JSONObject, to sink: ([UInt8]) throws -> Void) throws {
        var head = Array(#"{"prefix":"#.utf8)
        CanonicalJSON.encode(.object(prefix), into: &head)
        try sink(head)
        for type in Self.order {
            guard let spool = spools[type] else { continue }
            var open = Array(",".utf8)
            CanonicalJSON.appendString(type, to: &open)
            open += Array(":{".utf8)
            try sink(open)
            try spool.replay(to: sink)
            try sink(Array("}".utf8))
        }
        try sink(Array("}\n".utf8))
    }

    private func spool(_ type: String) -> Spool {
        if let spool = spools[type] { return spool }
        precondition(Self.order.contains(type), "PROV record type \(type) is not in ProvJSONStream.order")
        let spool = Spool()
        spools[type] = spool
        return spool
    }
}

/// Records of one type, comma-separated: in memory, and in a temporary file once past 1 MiB.
private final class Spool {
    private var buffer: [UInt8] = []
    private var file: (path: String, handle: FileHandle)?
    private var empty = true

    deinit {
        if let file {
            try? file.handle.close()
            unlink(file.path)
        }
    }

    func append(_ record: [UInt8]) throws {
        if !empty { buffer.append(UInt8(ascii: ",")) }
        empty = false
        buffer += record
        if buffer.count >= 1 << 20 { try spill() }
    }

    private func spill() throws {
        if file == nil {
            let path = NSTemporaryDirectory() + "rrm-ledger-prov-\(UUID().uuidString)"
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
            }
            file = (path, try FileHandle(forUpdating: URL(fileURLWithPath: path)))
        }
        try file!.handle.write(contentsOf: buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    func replay(to sink: ([UInt8]) throws -> Void) throws {
        if let file {
            try file.handle.seek(toOffset: 0)
            while let chunk = try file.handle.read(upToCount: 1 << 20), !chunk.isEmpty { try sink(Array(chunk)) }
        }
        try sink(buffer)
    }
}
