import Testing
import Autodiff
import NeuralNetworks
import Tensors

/// φ(x, θ) = Σ w ⊙ f(x) + ½ Σ f(x)², f the layer: a scalar whose Hessian involves every
/// second derivative of the layer (∇φ = Jᵀ(w + f)).
private func objective(_ y: Variable<Double>) -> Variable<Double> {
    let w = Tensor<Double>(randomUniform: y.shape, lower: -1, upper: 1, seed: 99)
    return (y * w).sum() + (y * y).sum() * 0.5
}

/// ∇φ with respect to x and every parameter, recorded (creatingGraph) or plain.
private func gradients(_ layer: any Layer<Double>, _ apply: (Variable<Double>) -> Variable<Double>, at x: Tensor<Double>,
                       creatingGraph: Bool) -> (tape: Tape<Double>, wrt: [Variable<Double>], g: [Variable<Double>]) {
    let tape = Tape<Double>()
    let wrt = [tape.variable(x)] + layer.parameters.map { $0.variable(on: tape) }
    let phi = objective(apply(wrt[0]))
    return (tape, wrt, tape.gradient(of: phi, wrt: wrt, creatingGraph: creatingGraph))
}

/// The relative difference between H·v from the recorded backward pass and central
/// differences (h = 1e-5) of ∇φ along v, over x and every parameter.
private func hessianVectorCheck(_ layer: any Layer<Double>, at x: Tensor<Double>,
                                _ apply: @escaping (Variable<Double>) -> Variable<Double>) -> (relative: Double, norm: Double) {
    var rng = SeededGenerator(seed: 6)
    let parameters = layer.parameters
    let v = ([x] + parameters.map(\.value)).map { Tensor<Double>(randomNormal: $0.shape, using: &rng) }
    let (tape, wrt, g) = gradients(layer, apply, at: x, creatingGraph: true)
    var dot = (g[0] * tape.constant(v[0])).sum()
    for k in 1..<g.count { dot = dot + (g[k] * tape.constant(v[k])).sum() }
    let hv = tape.gradient(of: dot, wrt: wrt)
    let h = 1e-5, original = parameters.map(\.value)
    func gradient(at sign: Double) -> [Tensor<Double>] {
        for (k, p) in parameters.enumerated() { p.value = original[k] + sign * h * v[k + 1] }
        defer { for (k, p) in parameters.enumerated() { p.value = original[k] } }
        return gradients(layer, apply, at: x + sign * h * v[0], creatingGraph: false).g.map(\.value)
    }
    let plus = gradient(at: 1), minus = gradient(at: -1)
    var diff = 0.0, scale = 0.0, size = 0.0
    for k in hv.indices {
        let fd = (plus[k] - minus[k]) / (2 * h)
        for (a, b) in Swift.zip(hv[k].scalars, fd.scalars) {
            diff += (a - b) * (a - b)
            scale += a * a + b * b
            size += a * a
        }
    }
    return (diff.squareRoot() / Swift.max(scale.squareRoot(), 1e-3), size.squareRoot())
}

@Suite("MultiHeadAttention and TransformerEncoderLayer")
struct AttentionLayersTests {
    @Test("names and shapes are torch's: in_proj_weight [3E, E], in_proj_bias, out_proj.weight [E, E], out_proj.bias")
    func names() {
        var g = SeededGenerator(seed: 1)
        let attention = MultiHeadAttention<Double>(embeddingSize: 8, headCount: 2, using: &g)
        #expect(attention.namedParameters.map(\.name) == ["in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"])
        #expect(attention.pyTorchStateDict().map(\.value.shape) == [[24, 8], [24], [8, 8], [8]])
        let layer = TransformerEncoderLayer<Double>(embeddingSize: 8, headCount: 2, feedForwardSize: 16, using: &g)
        #expect(layer.namedParameters.map(\.name) == [
            "self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight", "self_attn.out_proj.bias",
            "linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias",
            "norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias",
        ])
        #expect(layer.allLayers.compactMap { $0 as? Dropout<Double> }.count == 4)  // 3 + attention's
        layer.setMode(.evaluation)
        #expect(layer.allLayers.compactMap { $0 as? Dropout<Double> }.allSatisfy { $0.mode == .evaluation })
    }

    @Test("causal: query i's output does not depend on keys after i (∂yᵢ/∂xⱼ = 0 for j > i)")
    func causalIndependence() {
        var g = SeededGenerator(seed: 2)
        let attention = MultiHeadAttention<Double>(embeddingSize: 8, headCount: 4, using: &g)
        let tape = Tape<Double>()
        let x = tape.variable(Tensor<Double>(randomNormal: [1, 5, 8], seed: 3))
        let y = attention(x, causal: true)
        let gx = tape.gradient(of: y.slice(1..<2, alongAxis: 1).sum(), wrt: [x])[0]  // query 1
        #expect(gx.scalars[(2 * 8)...].allSatisfy { $0 == 0 })
        #expect(gx.scalars[..<(2 * 8)].contains { $0 != 0 })
    }

    @Test("a padded key gets exactly zero weight: changing its value changes nothing")
    func paddingIgnored() {
        var g = SeededGenerator(seed: 4)
        let attention = MultiHeadAttention<Double>(embeddingSize: 8, headCount: 2, using: &g)
        let mask = Tensor<Double>(shape: [2, 3], scalars: [0, 0, 1, 0, 1, 1])
        var values = Tensor<Double>(randomNormal: [2, 3, 8], seed: 5)
        let q = Tensor<Double>(randomNormal: [2, 4, 8], seed: 6)
        func run(_ v: Tensor<Double>) -> Tensor<Double> {
            let tape = Tape<Double>()
            return attention(query: tape.constant(q), key: tape.constant(v), value: tape.constant(v), keyPaddingMask: mask).value
        }
        let before = run(values)
        values = values + Tensor<Double>(shape: [2, 3, 1], scalars: [0, 0, 100, 0, 0, 0])  // example 0's padded key
        #expect(run(values) == before)
    }

    @Test("LayerNorm at order 2: H·v from the recorded backward pass = central differences (relative ≤ 1e-6)")
    func layerNormSecondOrder() {
        let norm = LayerNorm<Double>(normalizedShape: [5])
        norm.weight!.value = Tensor(randomUniform: [5], lower: 0.5, upper: 1.5, seed: 7)
        norm.bias!.value = Tensor(randomUniform: [5], lower: -1, upper: 1, seed: 8)
        let result = hessianVectorCheck(norm, at: Tensor(randomNormal: [3, 5], seed: 9)) { norm($0) }
        #expect(result.relative <= 1e-6)
        #expect(result.norm > 1e-3, "a zero H·v tests nothing")
    }

    @Test("attention at order 2, with causal and key padding masks (one query with every key masked): H·v = central differences",
          arguments: [false, true])
    func attentionSecondOrder(masked: Bool) {
        var g = SeededGenerator(seed: 10)
        let attention = MultiHeadAttention<Double>(embeddingSize: 6, headCount: 2, using: &g)
        attention.inputProjectionBias.value = Tensor(randomUniform: [18], lower: -0.5, upper: 0.5, seed: 11)
        // Example 1 pads key 0; with the causal mask its query 0 has no key left.
        let mask = Tensor<Double>(shape: [2, 4], scalars: [0, 0, 0, 1, 1, 0, 0, 0])
        let result = hessianVectorCheck(attention, at: Tensor(randomNormal: [2, 4, 6], seed: 12)) {
            masked ? attention($0, causal: true, keyPaddingMask: mask) : attention($0)
        }
        #expect(result.relative <= 1e-6)
        #expect(result.norm > 1e-3, "a zero H·v tests nothing")
    }

    @Test("encoder layer at order 2 (gelu): H·v = central differences (relative ≤ 1e-6)")
    func encoderSecondOrder() {
        var g = SeededGenerator(seed: 13)
        let layer = TransformerEncoderLayer<Double>(embeddingSize: 4, headCount: 2, feedForwardSize: 6, dropout: 0,
                                                    activation: .gelu(.none), using: &g)
        let result = hessianVectorCheck(layer, at: Tensor(randomNormal: [2, 3, 4], seed: 14)) { layer($0) }
        #expect(result.relative <= 1e-6)
        #expect(result.norm > 1e-3, "a zero H·v tests nothing")
    }

    @Test("Float: the encoder layer, same seed, agrees with Double's to 1e-4 relative (masks included)")
    func floatAgreesWithDouble() {
        var gd = SeededGenerator(seed: 15), gf = SeededGenerator(seed: 15)
        let d = TransformerEncoderLayer<Double>(embeddingSize: 8, headCount: 2, feedForwardSize: 16, dropout: 0, using: &gd)
        let f = TransformerEncoderLayer<Float>(embeddingSize: 8, headCount: 2, feedForwardSize: 16, dropout: 0, using: &gf)
        let x = Tensor<Double>(randomNormal: [2, 4, 8], seed: 16)
        let mask = Tensor<Double>(shape: [2, 4], scalars: [0, 0, 0, 1, 0, 0, 0, 0])
        let td = Tape<Double>(), tf = Tape<Float>()
        let yd = d(td.constant(x), causal: true, keyPaddingMask: mask).value
        let yf = f(tf.constant(Tensor<Float>(shape: x.shape, scalars: x.scalars.map(Float.init))), causal: true,
                   keyPaddingMask: Tensor<Float>(shape: mask.shape, scalars: mask.scalars.map(Float.init))).value
        let scale = yd.scalars.map { Swift.abs($0) }.max()!
        let worst = Swift.zip(yd.scalars, yf.scalars).map { Swift.abs($0 - Double($1)) }.max()!
        #expect(worst / scale <= 1e-4)
    }
}
