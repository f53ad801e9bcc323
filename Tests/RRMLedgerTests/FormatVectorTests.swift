import Foundation
import Testing

@testable import RRMAnalysis
@testable import RRMArchive
@testable import RRMFormat
@testable import RRMStore

/// The test vectors published in docs/vectors/chain-v1.json (and quoted in docs/FORMAT.md) are
/// what this implementation produces, byte for byte.
@Suite struct FormatVectorTests {
    struct Vector {
        let seq: Int64
        let input: String
        let body: String
        let bodyDigest: String
        let prevHash: String
        let hash: String
    }

    static func vectors() throws -> [Vector] {
        let document = try JSONParser.parse(try RepositoryFiles.text("docs/vectors/chain-v1.json"))
        let entries = try #require(document["entries"]?.arrayValue)
        return try entries.map { entry in
            Vector(
                seq: Int64(try #require(entry["seq"]?.numberValue)),
                input: try #require(entry["input"]?.stringValue),
                body: try #require(entry["body"]?.stringValue),
                bodyDigest: try #require(entry["body_sha256"]?.stringValue),
                prevHash: try #require(entry["prev_hash"]?.stringValue),
                hash: try #require(entry["hash"]?.stringValue))
        }
    }

    @Test func vectorsCanonicalizeAndChainAsPublished() throws {
        let vectors = try Self.vectors()
        #expect(vectors.count == 3)
        var previous = ChainHash.genesis
        for vector in vectors {
            let event = try EventDecoder.decode(try JSONParser.parse(vector.input), appendTime: "unused")
            #expect(String(decoding: event.body, as: UTF8.self) == vector.body)
            #expect(SHA256Hash.of(Array(vector.body.utf8)).hex == vector.bodyDigest)
            #expect(previous.hex == vector.prevHash)
            let hash = ChainHash.entryHash(previous: previous, seq: vector.seq, body: Array(vector.body.utf8))
            #expect(hash.hex == vector.hash)
            previous = hash
        }
    }

    @Test func aLedgerBuiltFromTheVectorInputsHasTheirHashes() throws {
        let vectors = try Self.vectors()
        let temp = try TemporaryLedger()
        let summary = try temp.append(vectors.map(\.input).joined(separator: "\n"))
        #expect(summary.head.hash.hex == vectors.last?.hash)
        for vector in vectors {
            let entry = try temp.ledger.entry(id: try #require(try JSONParser.parse(vector.input)["id"]?.stringValue))
            #expect(entry.body == vector.body)
            #expect(entry.hash.hex == vector.hash)
        }
    }
}
