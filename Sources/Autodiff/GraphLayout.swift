// A Sugiyama-style layered layout for the SVG export (GraphSVG.swift): layers by longest path,
// dummy nodes on long edges, barycentre crossing reduction, then x coordinates. Plain loops
// over arrays throughout: no recursion, no hashing, so the result depends only on the input.

/// The drawing of a directed acyclic graph in horizontal layers, inputs below their consumers.
///
/// Nodes are numbered in topological order (every input of `v` is below `v`), as a tape's
/// records are. The layout places *layout nodes*: the graph's nodes (the first `n`) and the
/// dummy nodes that carry long edges through the layers they cross.
///
/// Note [Shared trunks]: all the long edges leaving one node share one chain of dummies (a
/// trunk running up to the layer below its highest consumer; each consumer branches off at its
/// own layer). A parameter read at every step of an unrolled loop then draws one line with
/// branches instead of a sheaf of parallel ones, and the dummies number at most one per node
/// and layer crossed, instead of one per edge and layer.
///
/// - Complexity: O((V + D) log(V + D)) per sweep, V nodes and D dummies.
struct LayeredLayout {
    /// Each layout node's layer, 0 at the bottom.
    private(set) var layer: [Int]
    /// Each layout node's centre x (the leftmost box starts at 0).
    private(set) var x: [Double]
    /// Each layout node's width (a dummy's is its share of horizontal space).
    let width: [Double]
    /// For each node and each of its inputs (in input order), the dummies its edge passes
    /// through, from the bottom up.
    private(set) var routes: [[[Int]]]
    /// The number of layers.
    private(set) var layerCount: Int
    /// The layout nodes of each layer, left to right.
    private(set) var order: [[Int]]
    /// The edge crossings left after crossing reduction (segments between adjacent layers).
    private(set) var crossings: Int
    /// The horizontal extent of the drawing.
    var extent: Double {
        x.indices.map { x[$0] + width[$0] / 2 }.max() ?? 0
    }

    // The layered graph: each layout node's neighbours one layer down and one layer up, with
    // one entry per segment (an edge used twice, as in x·x, gives two).
    private var down: [[Int]]
    private var up: [[Int]]
    private let nodeCount: Int

    /// Lays out the graph whose node `v` reads `inputs[v]` (each < `v`), with boxes `widths`
    /// wide, at least `gap` apart (dummies take `dummyWidth`).
    init(inputs: [[Int]], widths: [Double], gap: Double = 24, dummyWidth: Double = 10, sweeps: Int = 6) {
        let n = inputs.count
        nodeCount = n
        // Layers by longest path to the sinks, in reverse index order (tape order is already
        // topological): each node sits just below the lowest of its consumers. Leaves, and ops
        // that read only leaves, then stand beside the op that reads them (x at step t of an
        // unrolled loop beside step t) rather than all at the bottom, as the longest path from
        // the sources would put them.
        var height = [Int](repeating: 0, count: n)
        var consumers = [[Int]](repeating: [], count: n)
        for v in stride(from: n - 1, through: 0, by: -1) {
            for u in inputs[v] {
                precondition(u < v, "LayeredLayout: inputs must precede their consumers")
                height[u] = Swift.max(height[u], height[v] + 1)
            }
        }
        for v in 0..<n { for u in inputs[v] { consumers[u].append(v) } }
        let tallest = height.max() ?? 0
        var layer = height.map { tallest - $0 }
        // Dummies: one trunk per node with long edges (Note [Shared trunks]).
        var width = widths
        down = [[Int]](repeating: [], count: n)
        up = [[Int]](repeating: [], count: n)
        routes = inputs.map { $0.map { _ in [] } }
        var trunkStart = [Int](repeating: -1, count: n)
        for u in 0..<n where !consumers[u].isEmpty {
            let top = consumers[u].map { layer[$0] }.max()!
            guard top > layer[u] + 1 else { continue }
            trunkStart[u] = layer.count
            var below = u
            for l in (layer[u] + 1)..<top {
                let d = layer.count
                layer.append(l)
                width.append(dummyWidth)
                down.append([below])
                up.append([])
                up[below].append(d)
                below = d
            }
        }
        // Each edge climbs its source's trunk to the layer just below its consumer.
        for v in 0..<n {
            for (k, u) in inputs[v].enumerated() {
                let span = layer[v] - layer[u] - 1
                let lower = span == 0 ? u : trunkStart[u] + span - 1
                if span > 0 { routes[v][k] = Array(trunkStart[u]..<(trunkStart[u] + span)) }
                down[v].append(lower)
                up[lower].append(v)
            }
        }
        self.layer = layer
        self.width = width
        layerCount = (layer.max() ?? -1) + 1
        order = [[Int]](repeating: [], count: layerCount)
        for v in layer.indices { order[layer[v]].append(v) }
        x = [Double](repeating: 0, count: layer.count)
        crossings = 0
        reduceCrossings(sweeps: sweeps)
        placeHorizontally(gap: gap, dummyGap: gap / 2)
    }

    // MARK: Crossing reduction

    /// Barycentre heuristic: alternately up and down the layers, sort each layer by the mean
    /// position of its neighbours in the layer just swept; keep the best order seen.
    private mutating func reduceCrossings(sweeps: Int) {
        var position = [Int](repeating: 0, count: layer.count)
        func renumber(_ l: Int) { for (i, v) in order[l].enumerated() { position[v] = i } }
        for l in 0..<layerCount { renumber(l) }
        var best = order
        var bestCrossings = countCrossings(position)
        var key = [Double](repeating: 0, count: layer.count)
        for sweep in 0..<(2 * sweeps) where bestCrossings > 0 {
            let upward = sweep % 2 == 0  // from the bottom layer up, each layer by its lower neighbours
            let layers: [Int] = upward ? Array(stride(from: 1, to: layerCount, by: 1))
                : Array(stride(from: layerCount - 2, through: 0, by: -1))
            for l in layers {
                let row = order[l]
                let scale = Double(row.count) / Double(Swift.max(order[upward ? l - 1 : l + 1].count, 1))
                for v in row {
                    let neighbours = upward ? down[v] : up[v]
                    if neighbours.isEmpty {
                        key[v] = Double(position[v])
                    } else {
                        var sum = 0.0
                        for w in neighbours { sum += Double(position[w]) }
                        key[v] = sum / Double(neighbours.count) * scale
                    }
                }
                // Stable: ties keep their current order, so the result is deterministic.
                order[l] = row.sorted { key[$0] != key[$1] ? key[$0] < key[$1] : position[$0] < position[$1] }
                renumber(l)
            }
            let c = countCrossings(position)
            if c < bestCrossings {
                bestCrossings = c
                best = order
            }
        }
        order = best
        crossings = bestCrossings
    }

    /// The crossings between adjacent layers: segments sorted by their lower end, then the
    /// inversions among their upper ends, counted with a Fenwick tree.
    /// - Complexity: O(E log V).
    private func countCrossings(_ position: [Int]) -> Int {
        var total = 0
        var segments = [(Int, Int)]()
        for l in 0..<Swift.max(layerCount - 1, 0) {
            segments.removeAll(keepingCapacity: true)
            for v in order[l] { for w in up[v] { segments.append((position[v], position[w])) } }
            segments.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
            let size = order[l + 1].count
            var tree = [Int](repeating: 0, count: size + 1)
            var seen = 0
            for (_, upper) in segments {
                // Segments seen so far whose upper end lies strictly to the right of this one.
                var i = upper + 1, atMost = 0
                while i > 0 { atMost += tree[i]; i -= i & -i }
                total += seen - atMost
                i = upper + 1
                while i <= size { tree[i] += 1; i += i & -i }
                seen += 1
            }
        }
        return total
    }

    // MARK: Horizontal placement

    /// x coordinates: each layer in turn is pulled towards its neighbours (mean x, weighted so
    /// that long edges run straight), keeping its order and the gaps, by a least-squares fit.
    private mutating func placeHorizontally(gap: Double, dummyGap: Double, passes: Int = 8) {
        let n = nodeCount
        func isDummy(_ v: Int) -> Bool { v >= n }
        func separation(_ a: Int, _ b: Int) -> Double {
            (width[a] + width[b]) / 2 + (isDummy(a) || isDummy(b) ? dummyGap : gap)
        }
        // Start packed, each layer centred on 0.
        for l in 0..<layerCount {
            var at = 0.0
            for (i, v) in order[l].enumerated() {
                if i > 0 { at += separation(order[l][i - 1], v) }
                x[v] = at
            }
            for v in order[l] { x[v] -= at / 2 }
        }
        func segmentWeight(_ a: Int, _ b: Int) -> Double {
            switch (isDummy(a), isDummy(b)) {
            case (true, true): 8
            case (false, false): 1
            default: 2
            }
        }
        var targets = [Double](), weights = [Double]()
        func place(_ l: Int, towards useDown: Bool, _ useUp: Bool) {
            let row = order[l]
            targets.removeAll(keepingCapacity: true)
            weights.removeAll(keepingCapacity: true)
            for v in row {
                var sum = 0.0, total = 0.0
                if useDown { for w in down[v] { let s = segmentWeight(v, w); sum += s * x[w]; total += s } }
                if useUp { for w in up[v] { let s = segmentWeight(v, w); sum += s * x[w]; total += s } }
                targets.append(total > 0 ? sum / total : x[v])
                weights.append(total > 0 ? total : 0.25)
            }
            var offsets = [Double](repeating: 0, count: row.count)
            for i in row.indices.dropFirst() { offsets[i] = offsets[i - 1] + separation(row[i - 1], row[i]) }
            let fitted = Self.isotonicFit(zip(targets, offsets).map { $0 - $1 }, weights: weights)
            for (i, v) in row.enumerated() { x[v] = fitted[i] + offsets[i] }
        }
        for _ in 0..<passes {
            for l in stride(from: 1, to: layerCount, by: 1) { place(l, towards: true, false) }
            for l in stride(from: layerCount - 2, through: 0, by: -1) { place(l, towards: false, true) }
        }
        for l in 0..<layerCount { place(l, towards: true, true) }
        let left = x.indices.map { x[$0] - width[$0] / 2 }.min() ?? 0
        for v in x.indices { x[v] -= left }
    }

    /// The non-decreasing sequence closest to `targets` in weighted least squares (pool
    /// adjacent violators): with targets tᵢ − oᵢ it places a layer's boxes as near their targets
    /// as the gaps oᵢ₊₁ − oᵢ allow.
    /// - Complexity: O(n).
    static func isotonicFit(_ targets: [Double], weights: [Double]) -> [Double] {
        var blocks = [(sum: Double, weight: Double, count: Int)]()
        for (t, w) in zip(targets, weights) {
            blocks.append((t * w, w, 1))
            while blocks.count > 1 {
                let b = blocks[blocks.count - 1], a = blocks[blocks.count - 2]
                if a.sum / a.weight <= b.sum / b.weight { break }
                blocks.removeLast(2)
                blocks.append((a.sum + b.sum, a.weight + b.weight, a.count + b.count))
            }
        }
        var result = [Double]()
        result.reserveCapacity(targets.count)
        for b in blocks { result.append(contentsOf: repeatElement(b.sum / b.weight, count: b.count)) }
        return result
    }
}
