import RRMStore

/// How known errors reach other entries (docs/ANALYSIS.md, "Exposure").
///
/// Along evaluation links an error arrives whole: an entry is *directly exposed* when an
/// erroneous seed reaches it (a rater shown a wrong critique, a critique or label of a flawed
/// output). Along training links it arrives diluted: a dataset's *share* is the fraction of its
/// labels that are erroneous or exposed, a model's share is the share of its training signal,
/// and what a model produces or critiques inherits it. One pass in sequence order computes all
/// shares, because every link points to an earlier entry.
struct Exposure: Sendable {
    /// Whether each entry (by seq) is a seed: known or assumed erroneous.
    let seeds: [Bool]
    /// The entry each directly exposed entry was first reached from along evaluation links
    /// (0 when not directly exposed). 32 bits, as in `LineageGraph`: 4 bytes an entry.
    let exposedFrom: [Int32]
    /// Each entry's training share in [0, 1]: 1 for seeds and directly exposed entries.
    let share: [Double]
    /// Each dataset's and model's number of training labels (datasets: members including the
    /// parts they extend; models: the weight of everything they were trained on). Kept for those
    /// only, a few per thousand entries, not as an array over every entry.
    let trainingLabels: [Int64: Double]

    func isSeed(_ seq: Int64) -> Bool { seeds[Int(seq)] }
    func isDirectlyExposed(_ seq: Int64) -> Bool { exposedFrom[Int(seq)] != 0 }
    func share(of seq: Int64) -> Double { share[Int(seq)] }
    func trainingLabelCount(of seq: Int64) -> Double { trainingLabels[seq] ?? 0 }

    /// The evaluation path from the seed that exposed `seq` to `seq`, seed first.
    func path(to seq: Int64) -> [Int64] {
        var path = [seq]
        var current = seq
        while exposedFrom[Int(current)] != 0 {
            current = Int64(exposedFrom[Int(current)])
            path.append(current)
            if path.count > 64 { break }
        }
        return path.reversed()
    }

    /// Computes exposure from `seeds` over the whole graph.
    static func compute(graph: LineageGraph, seeds seedList: [Int64]) -> Exposure {
        let count = graph.count
        var seeds = [Bool](repeating: false, count: count + 1)
        for seed in seedList where graph.contains(seed) { seeds[Int(seed)] = true }

        // Direct exposure: breadth first from every seed at once, down evaluation links.
        var exposedFrom = [Int32](repeating: 0, count: count + 1)
        let reached = try? LineageWalker.closure(
            ofAll: seedList.filter { graph.contains($0) }, in: graph, LineageQuery(direction: .down, via: [.evaluation]))
        for step in reached ?? [] { exposedFrom[Int(step.seq)] = Int32(step.from ?? 0) }

        // Training shares, in sequence order: parents come first.
        var share = [Double](repeating: 0, count: count + 1)
        var trainingLabels: [Int64: Double] = [:]
        for index in 1...max(1, count) where index <= count {
            let seq = Int64(index)
            if seeds[index] || exposedFrom[index] != 0 {
                share[index] = 1
            }
            switch graph.kind(of: seq) {
            case .output, .critique, .label:
                // Inherit from the producing model, the critic, a model rater, or the critiques shown.
                var inherited = 0.0
                graph.forEachParent(of: seq) { parent, role in
                    switch role {
                    case .model, .critic, .rater, .assistedBy: inherited = max(inherited, share[Int(parent)])
                    default: break
                    }
                }
                share[index] = max(share[index], inherited)
            case .dataset:
                var weight = 0.0
                var tainted = 0.0
                graph.forEachParent(of: seq) { parent, role in
                    switch role {
                    case .member:
                        weight += 1
                        tainted += share[Int(parent)]
                    case .extends:
                        weight += trainingLabels[parent] ?? 0
                        tainted += (trainingLabels[parent] ?? 0) * share[Int(parent)]
                    default: break
                    }
                }
                trainingLabels[seq] = weight
                if !seeds[index] { share[index] = weight > 0 ? tainted / weight : 0 }
            case .model:
                var weight = 0.0
                var tainted = 0.0
                graph.forEachParent(of: seq) { parent, role in
                    guard role == .trainedOn else { return }
                    // A label weighs one; a dataset or a reward model weighs its training labels.
                    let w = graph.kind(of: parent) == .label ? 1 : trainingLabels[parent] ?? 0
                    weight += w
                    tainted += w * share[Int(parent)]
                }
                trainingLabels[seq] = weight
                if !seeds[index] { share[index] = weight > 0 ? tainted / weight : 0 }
            case .finding:
                break
            }
        }
        return Exposure(seeds: seeds, exposedFrom: exposedFrom, share: share, trainingLabels: trainingLabels)
    }
}
