// What the Merkle tree costs, measured through the library (tools/bench/tree runs it; see
// docs/BENCHMARKS.md): append with and without tree maintenance on the same events, in turn;
// then on the ledger with the tree, proof production and verification, and checkpoint signing,
// each timed around the library call alone (no process start-up), many times.
//
//     rrm-ledger-tree-bench EVENTS.jsonl WORK_DIR [--repeat R] [--samples K]

import Foundation
import RRMFormat
import RRMSimulation
@_spi(Benchmark) import RRMStore

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("tree-bench: \(message)\n".utf8))
    exit(2)
}

var arguments = Array(CommandLine.arguments.dropFirst())
func option(_ name: String, default value: Int, in arguments: inout [String]) -> Int {
    guard let index = arguments.firstIndex(of: name) else { return value }
    guard index + 1 < arguments.count, let parsed = Int(arguments[index + 1]), parsed > 0 else { fail("\(name) needs a positive number") }
    arguments.removeSubrange(index...index + 1)
    return parsed
}
let repeats = option("--repeat", default: 3, in: &arguments)
let samples = option("--samples", default: 1000, in: &arguments)
guard arguments.count == 2 else { fail("usage: rrm-ledger-tree-bench EVENTS.jsonl WORK_DIR [--repeat R] [--samples K]") }
let (eventsPath, work) = (arguments[0], arguments[1])

func log(_ text: String) { FileHandle.standardError.write(Data("\(text)\n".utf8)) }

/// Seconds `body` takes.
func time(_ body: () throws -> Void) rethrows -> Double {
    let start = ContinuousClock.now
    try body()
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}

func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
func percentile(_ values: [Double], _ p: Double) -> Double {
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
}
func ms(_ seconds: Double) -> String { String(format: "%.3f", seconds * 1000) }
func summary(_ values: [Double]) -> String {
    "| \(ms(median(values))) | \(ms(percentile(values, 0.99))) | \(ms(values.max()!)) | \(values.count) |"
}

func removeLedger(_ path: String) {
    for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
}

// 1. Append, with and without the tree, in turn; the order alternates between repeats.
var withTree: [Double] = []
var withoutTree: [Double] = []
var entries: Int64 = 0
let kept = "\(work)/tree.sqlite"
for round in 0..<repeats {
    for maintaining in round % 2 == 0 ? [false, true] : [true, false] {
        let path = maintaining ? kept : "\(work)/no-tree.sqlite"
        removeLedger(path)
        let ledger = try Ledger.create(at: path)
        let source = try FileByteSource(path: eventsPath)
        var summary: AppendSummary?
        let seconds = try time { summary = try ledger.append(from: source, maintainingTree: maintaining) }
        entries = summary!.head.seq
        (maintaining ? { withTree.append(seconds) } : { withoutTree.append(seconds) })()
        log("append \(maintaining ? "with" : "without") tree, round \(round + 1): \(String(format: "%.2f", seconds)) s")
        if !maintaining { removeLedger(path) }
    }
}

let ledger = try Ledger.open(at: kept)
let size = entries

// 2. Checkpoint: the signing alone, and the whole recording (tree head from the stored nodes,
//    checks against the last checkpoint, signing, insert, commit with fsync).
let signer = try NoteSigner.generate(name: LedgerOrigin.keyName(for: try ledger.origin()!)).signer
let head = try ledger.treeHead()
let text = try Checkpoint(origin: try ledger.origin()!, size: head.size, rootHash: head.rootHash).text
var signing: [Double] = []
for _ in 0..<samples { signing.append(try time { _ = try SignedNote.sign(text, with: [signer]) }) }
var recording: [Double] = [try time { _ = try ledger.recordCheckpoint(signer: signer) }]
log("first checkpoint at size \(size): \(ms(recording[0])) ms")

// 3. Proofs against the checkpoint of 1M entries: random entries and old sizes, fixed seed.
var random = SimulationRandom(seed: 1)
let seqs = (0..<samples).map { _ in Int64.random(in: 1...entries, using: &random) }
var ids: [String] = []
for seq in seqs {
    try ledger.forEachEntry(EntryFilter(fromSeq: seq, limit: 1)) { ids.append($0.id) }
}
var inclusionBundles: [Double] = []
var inclusionHashes: [Double] = []
var texts: [String] = []
for (seq, id) in zip(seqs, ids) {
    var bundle: InclusionProofBundle?
    inclusionBundles.append(try time { bundle = try ledger.inclusionProofBundle(id: id) })
    inclusionHashes.append(try time { _ = try ledger.inclusionProof(seq: seq, size: size) })
    texts.append(bundle!.text)
}
var consistencyBundles: [Double] = []
var consistencyHashes: [Double] = []
var consistencyTexts: [String] = []
for _ in 0..<samples {
    let old = Int64.random(in: 1...size - 1, using: &random)
    var bundle: ConsistencyProofBundle?
    consistencyBundles.append(try time { bundle = try ledger.consistencyProofBundle(oldSize: old) })
    consistencyHashes.append(try time { _ = try ledger.consistencyProof(oldSize: old, newSize: size) })
    consistencyTexts.append(bundle!.text)
}

// 4. Verification from the proof text: parse, check the signature, recompute the entry hash
//    and the leaf hash, walk the proof.
let origin = try ledger.origin()
var inclusionVerify: [Double] = []
for text in texts {
    inclusionVerify.append(try time { _ = try InclusionProofBundle(parsing: text).verify(with: signer.verifier, origin: origin) })
}
var consistencyVerify: [Double] = []
for text in consistencyTexts {
    consistencyVerify.append(try time { _ = try ConsistencyProofBundle(parsing: text).verify(with: signer.verifier, origin: origin) })
}
let proofLengths = texts.map { $0.split(separator: "\n", omittingEmptySubsequences: false).count }

// 5. More checkpoints: one entry appended (not timed), then a checkpoint recorded (timed).
for extra in 0..<20 {
    let line = #"{"kind":"model","id":"bench-extra-\#(extra)","level":0,"role":"policy","time":"2026-01-01T00:00:00Z"}"# + "\n"
    _ = try ledger.append(from: MemoryByteSource(line))
    recording.append(try time { _ = try ledger.recordCheckpoint(signer: signer) })
}

let verification = try ledger.verify(VerificationOptions(deep: true))

print("entries: \(entries); repeats: \(repeats); samples: \(samples)")
print("")
print("| append (library, one batch) | median s | entries/s | runs (s) |")
print("| --- | ---: | ---: | --- |")
for (name, runs) in [("without the tree", withoutTree), ("with the tree", withTree)] {
    print(
        "| \(name) | \(String(format: "%.2f", median(runs))) | \(Int(Double(entries) / median(runs))) | \(runs.map { String(format: "%.2f", $0) }.joined(separator: ", ")) |"
    )
}
print("")
print(String(format: "tree overhead (medians): %+.1f%%", (median(withTree) / median(withoutTree) - 1) * 100))
print("")
print("| operation (library call, in process) | median ms | p99 ms | max ms | samples |")
print("| --- | ---: | ---: | ---: | ---: |")
print("| inclusion proof bundle (entry read, checkpoint read, proof, self-check) \(summary(inclusionBundles))")
print("| inclusion proof hashes only | \(summary(inclusionHashes).dropFirst(2))")
print("| consistency proof bundle (old root, proof, old checkpoint, self-check) \(summary(consistencyBundles))")
print("| consistency proof hashes only | \(summary(consistencyHashes).dropFirst(2))")
print("| verify inclusion proof text (parse, Ed25519, entry hash, path) \(summary(inclusionVerify))")
print("| verify consistency proof text (parse, Ed25519 ×1–2, proof) \(summary(consistencyVerify))")
print("| checkpoint: Ed25519 signing of the note \(summary(signing))")
print("| checkpoint: recordCheckpoint (tree head, checks, sign, insert, commit + fsync) \(summary(recording))")
print("")
print(
    "first inclusion bundle (cold): \(ms(inclusionBundles[0])) ms; proof lines per inclusion file: \(proofLengths.min()!)–\(proofLengths.max()!)"
)
print(
    "verify --deep of the ledger with the tree: \(verification.isIntact ? "intact" : "FAILED") in \(String(format: "%.2f", verification.seconds)) s"
)
