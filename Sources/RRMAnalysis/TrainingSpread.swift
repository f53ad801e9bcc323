import RRMFormat
import RRMStore

/// How one error spreads through training, computed on the coarse graph of datasets and models
/// so that thousands of root errors can each be followed in microseconds (docs/ANALYSIS.md,
/// "Blast radius"). A root error's share of a dataset is the fraction of the dataset's labels it
/// reaches; of a model, its share of the model's training signal; the entries a model produces
/// or critiques, and the labels made with its critiques, inherit that share.
struct TrainingSpread {
    /// Datasets and models in sequence order.
    private let nodes: [Int64]
    /// Position of each coarse node, by seq (-1 for other entries).
    private let position: [Int32]
    /// For each dataset: the part it extends (position, or -1).
    private let extends: [Int32]
    /// For each coarse node: its training labels.
    private let weight: [Double]
    /// For each model: what it was trained on — (position of a dataset or model, weight), or a label's seq with weight 1.
    private let trainedOn: [[(position: Int32, label: Int64, weight: Double)]]
    /// For each dataset: own members made with critiques of (or rated by) a model — (model position, count).
    private let assistedMembers: [[(model: Int32, count: Double)]]
    /// Entries inheriting a model's share, per level (see `inheritors`).
    func inheritorCounts(ofModel seq: Int64) -> [Int: Double] {
        let index = position[Int(seq)]
        return index >= 0 ? inheritors[Int(index)] : [:]
    }

    /// For each model: entries inheriting its share — outputs, critiques, labels it rated or its
    /// critiques assisted — per level.
    private let inheritors: [[Int: Double]]

    /// A root error's reach.
    struct Reach {
        let seq: Int64
        let direct: [Int: [EventKind: Int]]
        /// The entries reached along evaluation links, each with the entry it was reached from.
        let directPaths: [(seq: Int64, from: Int64, role: LinkRole)]
        let weighted: [Int: Double]
        let reachable: Int
        let models: [(seq: Int64, share: Double)]
        /// Every dataset and model reached through training, with the error's share of it.
        let coarse: [(seq: Int64, share: Double)]

        var radius: Double { Double(direct.values.flatMap(\.values).reduce(0, +)) + PropagationReport.RootError.total(of: weighted) }
    }

    init(graph: LineageGraph) {
        var nodes: [Int64] = []
        var position = [Int32](repeating: -1, count: graph.count + 1)
        for index in 1...max(1, graph.count) where index <= graph.count {
            let kind = graph.kind(of: Int64(index))
            if kind == .dataset || kind == .model {
                position[index] = Int32(nodes.count)
                nodes.append(Int64(index))
            }
        }
        var extends = [Int32](repeating: -1, count: nodes.count)
        var weight = [Double](repeating: 0, count: nodes.count)
        var trainedOn = [[(position: Int32, label: Int64, weight: Double)]](repeating: [], count: nodes.count)
        var assisted = [[Int32: Double]](repeating: [:], count: nodes.count)
        var inheritors = [[Int: Double]](repeating: [:], count: nodes.count)
        for (index, seq) in nodes.enumerated() {
            if graph.kind(of: seq) == .dataset {
                var own = 0.0
                graph.forEachParent(of: seq) { parent, role in
                    if role == .member {
                        own += 1
                        // Which models' shares this member inherits: its critics' and its model rater's.
                        var models = Set<Int32>()
                        graph.forEachParent(of: parent) { grandparent, linkRole in
                            if linkRole == .rater { models.insert(position[Int(grandparent)]) }
                            if linkRole == .assistedBy {
                                graph.forEachParent(of: grandparent) { critic, criticRole in
                                    if criticRole == .critic { models.insert(position[Int(critic)]) }
                                }
                            }
                        }
                        for model in models where model >= 0 { assisted[index][model, default: 0] += 1 }
                    } else if role == .extends {
                        extends[index] = position[Int(parent)]
                    }
                }
                weight[index] = own + (extends[index] >= 0 ? weight[Int(extends[index])] : 0)
            } else {
                var total = 0.0
                graph.forEachParent(of: seq) { parent, role in
                    guard role == .trainedOn else { return }
                    if graph.kind(of: parent) == .label {
                        trainedOn[index].append((position: -1, label: parent, weight: 1))
                        total += 1
                    } else {
                        let p = position[Int(parent)]
                        trainedOn[index].append((position: p, label: 0, weight: weight[Int(p)]))
                        total += weight[Int(p)]
                    }
                }
                weight[index] = total
                graph.forEachChild(of: seq) { child, role in
                    switch role {
                    case .model, .rater:
                        inheritors[index][graph.level(of: child), default: 0] += 1
                    case .critic:
                        inheritors[index][graph.level(of: child), default: 0] += 1
                        graph.forEachChild(of: child) { label, labelRole in
                            if labelRole == .assistedBy { inheritors[index][graph.level(of: label), default: 0] += 1 }
                        }
                    default: break
                    }
                }
            }
        }
        self.nodes = nodes
        self.position = position
        self.extends = extends
        self.weight = weight
        self.trainedOn = trainedOn
        self.assistedMembers = assisted.map { $0.map { (model: $0.key, count: $0.value) } }
        self.inheritors = inheritors
    }

    /// How far the error `seed` reaches: exactly along evaluation links, weighted through training.
    func rootError(of seed: Int64, graph: LineageGraph, findings: AuditFindings) -> Reach {
        // Along evaluation links, exactly.
        var direct: [Int: [EventKind: Int]] = [:]
        var directPaths: [(seq: Int64, from: Int64, role: LinkRole)] = []
        var reachedLabels: [Int64] = graph.kind(of: seed) == .label ? [seed] : []
        let closure = try? LineageWalker.closure(of: seed, in: graph, LineageQuery(direction: .down, via: [.evaluation]))
        for step in (closure?.steps ?? []).dropFirst() {
            direct[graph.level(of: step.seq), default: [:]][graph.kind(of: step.seq), default: 0] += 1
            if let from = step.from, let role = step.role { directPaths.append((seq: step.seq, from: from, role: role)) }
            if graph.kind(of: step.seq) == .label { reachedLabels.append(step.seq) }
        }
        // Through training, as shares of datasets and models, in sequence order.
        var reachedMembers = [Int32: Double]()
        for label in reachedLabels {
            graph.forEachChild(of: label) { dataset, role in
                if role == .member { reachedMembers[position[Int(dataset)], default: 0] += 1 }
            }
        }
        let seedPosition = position[Int(seed)]
        var share = [Double](repeating: 0, count: nodes.count)
        var weighted: [Int: Double] = [:]
        var reachable = 0
        var models: [(seq: Int64, share: Double)] = []
        var coarse: [(seq: Int64, share: Double)] = []
        let firstAffected = reachedMembers.keys.min() ?? (seedPosition >= 0 ? seedPosition : Int32(nodes.count))
        for index in Int(max(0, firstAffected))..<nodes.count {
            var value = 0.0
            if Int32(index) == seedPosition {
                value = 1
            } else if graph.kind(of: nodes[index]) == .dataset {
                var tainted = reachedMembers[Int32(index)] ?? 0
                for (model, count) in assistedMembers[index] { tainted += count * share[Int(model)] }
                if extends[index] >= 0 { tainted += weight[Int(extends[index])] * share[Int(extends[index])] }
                value = weight[index] > 0 ? min(1, tainted / weight[index]) : 0
            } else {
                var tainted = 0.0
                for source in trainedOn[index] {
                    tainted +=
                        source.position >= 0 ? source.weight * share[Int(source.position)] : (reachedLabels.contains(source.label) ? 1 : 0)
                }
                value = weight[index] > 0 ? min(1, tainted / weight[index]) : 0
            }
            guard value > 0 else { continue }
            share[index] = value
            let seq = nodes[index]
            if Int32(index) != seedPosition { weighted[graph.level(of: seq), default: 0] += value }
            reachable += 1
            coarse.append((seq: seq, share: value))
            if graph.kind(of: seq) == .model {
                models.append((seq: seq, share: value))
                for (level, count) in inheritors[index] {
                    weighted[level, default: 0] += value * count
                    reachable += Int(count)
                }
            }
        }
        return Reach(
            seq: seed, direct: direct, directPaths: directPaths, weighted: weighted, reachable: reachable, models: models, coarse: coarse)
    }
}
