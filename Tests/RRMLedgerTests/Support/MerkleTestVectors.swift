@testable import RRMArchive
@testable import RRMFormat
@testable import RRMStore

/// Published RFC 6962 / RFC 9162 test vectors, quoted verbatim from the Go code CT logs are checked against.
enum MerkleTestVectors {
    /// The eight leaf inputs, hex. From google/trillian `merkle/testonly/constants.go`
    /// (`LeafInputs`), the same in transparency-dev/merkle `proof/verify_test.go` (`leaves`).
    static let leafInputs = [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]

    /// The leaves as bytes.
    static var leaves: [[UInt8]] { leafInputs.map { Hex.decode($0)! } }

    /// Every perfect subtree of the 8-leaf tree, by level then index. From google/trillian
    /// `merkle/testonly/constants.go` (`NodeHashes`).
    static let nodeHashes: [[String]] = [
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
            "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
        ],
        [
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        ],
        [
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
        [
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"
        ],
    ]

    /// The root of the tree of the first n leaves, for n = 0…8. From google/trillian
    /// `merkle/testonly/constants.go` (`RootHashes`, `EmptyRootHash`); sizes 1…8 also in
    /// transparency-dev/merkle `proof/verify_test.go` (`roots`).
    static let rootHashes = [
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ]

    /// The frontier (compact range) after n appends, n = 0…8, as positions into `nodeHashes`.
    /// From google/trillian `merkle/testonly/constants.go` (`CompactTrees`).
    static let frontiers: [[(level: Int, index: Int)]] = [
        [],
        [(0, 0)],
        [(1, 0)],
        [(1, 0), (0, 2)],
        [(2, 0)],
        [(2, 0), (0, 4)],
        [(2, 0), (1, 2)],
        [(2, 0), (1, 2), (0, 6)],
        [(3, 0)],
    ]

    struct InclusionVector {
        let index: Int64
        let size: Int64
        let proof: [String]
    }

    /// From transparency-dev/merkle `proof/verify_test.go` (`inclusionProofs`, entries 1…5;
    /// entry 0 is deliberately invalid there). That file numbers leaves from 1 (its test passes
    /// `p.leaf-1`); the indices here are 0-based.
    static let inclusionProofs = [
        InclusionVector(index: 0, size: 1, proof: []),
        InclusionVector(
            index: 0, size: 8,
            proof: [
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            ]),
        InclusionVector(
            index: 5, size: 8,
            proof: [
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ]),
        InclusionVector(
            index: 2, size: 3,
            proof: [
                "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"
            ]),
        InclusionVector(
            index: 1, size: 5,
            proof: [
                "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            ]),
    ]

    struct ConsistencyVector {
        let oldSize: Int64
        let newSize: Int64
        let proof: [String]
    }

    /// From transparency-dev/merkle `proof/verify_test.go` (`consistencyProofs`).
    static let consistencyProofs = [
        ConsistencyVector(oldSize: 1, newSize: 1, proof: []),
        ConsistencyVector(
            oldSize: 1, newSize: 8,
            proof: [
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            ]),
        ConsistencyVector(
            oldSize: 6, newSize: 8,
            proof: [
                "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ]),
        ConsistencyVector(
            oldSize: 2, newSize: 5,
            proof: [
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            ]),
        ConsistencyVector(
            oldSize: 6, newSize: 7,
            proof: [
                "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ]),
    ]

    static func digest(_ hex: String) -> SHA256Hash { SHA256Hash(hex: hex)! }

    static func root(_ size: Int) -> SHA256Hash { digest(rootHashes[size]) }

    /// A node store holding every perfect subtree of the 8-leaf tree, from `nodeHashes`.
    static func nodes() throws -> InMemoryMerkleNodes {
        let nodes = InMemoryMerkleNodes()
        for (level, hashes) in nodeHashes.enumerated() {
            for (index, hash) in hashes.enumerated() {
                try nodes.store(MerkleNode(level: level, index: Int64(index), hash: digest(hash)))
            }
        }
        return nodes
    }
}
