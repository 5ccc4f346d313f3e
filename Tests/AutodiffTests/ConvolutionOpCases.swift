import Autodiff
import Tensors

/// The convolution and pooling rows of the op table (`opCases`): odd sizes, strides, padding
/// (explicit, asymmetric, `.same`), dilation, groups, size-1 axes, conv1d and the transposed
/// convolution, each small because every row also runs at order 2 and 3.
let convolutionCases: [OpCase] = [
    OpCase(name: "conv2d 3×3 padding 1, bias", shapes: [[1, 2, 4, 4], [3, 2, 3, 3], [3]], range: anywhere) {
        conv2d($0[0], $0[1], bias: $0[2], padding: 1)
    },
    OpCase(name: "conv2d stride 2, odd size, asymmetric padding", shapes: [[2, 1, 5, 5], [2, 1, 3, 2]], range: anywhere) {
        conv2d($0[0], $0[1], stride: 2, padding: [1, 0, 0, 1])
    },
    OpCase(name: "conv2d dilation 2, groups 2, padding 1", shapes: [[1, 4, 5, 4], [2, 2, 2, 2]], range: anywhere) {
        conv2d($0[0], $0[1], padding: 1, dilation: 2, groups: 2)
    },
    OpCase(name: "conv2d stride [2, 1], dilation [1, 2]", shapes: [[1, 2, 5, 6], [2, 1, 2, 2]], range: anywhere) {
        conv2d($0[0], $0[1], stride: [2, 1], dilation: [1, 2], groups: 2)
    },
    OpCase(name: "conv2d padding .same, even kernel", shapes: [[1, 2, 3, 4], [2, 2, 2, 3]], range: anywhere) {
        conv2d($0[0], $0[1], padding: .same)
    },
    OpCase(name: "conv2d depthwise, height 1", shapes: [[2, 3, 1, 4], [3, 1, 1, 2], [3]], range: anywhere) {
        conv2d($0[0], $0[1], bias: $0[2], groups: 3)
    },
    OpCase(name: "conv2d 1×1, then tanh (nonlinear in w)", shapes: [[1, 3, 2, 3], [2, 3, 1, 1]], range: anywhere) {
        tanh(conv2d($0[0], $0[1])) * conv2d($0[0], $0[1] * $0[1])
    },
    OpCase(name: "conv2dTranspose stride 2, padding 1, output padding 1, bias",
           shapes: [[1, 2, 3, 3], [2, 2, 3, 3], [2]], range: anywhere) {
        conv2dTranspose($0[0], $0[1], bias: $0[2], stride: 2, padding: 1, outputPadding: 1)
    },
    OpCase(name: "conv2dTranspose groups 2, dilation 2, stride [1, 2]", shapes: [[1, 4, 2, 3], [4, 1, 2, 2]], range: anywhere) {
        conv2dTranspose($0[0], $0[1], stride: [1, 2], dilation: 2, groups: 2)
    },
    OpCase(name: "conv1d stride 2, padding 1, bias", shapes: [[2, 2, 6], [3, 2, 3], [3]], range: anywhere) {
        conv1d($0[0], $0[1], bias: $0[2], stride: 2, padding: 1)
    },
    OpCase(name: "conv1d padding .same, dilation 2", shapes: [[1, 2, 5], [2, 2, 2]], range: anywhere) {
        conv1d($0[0], $0[1], padding: .same, dilation: 2)
    },
    OpCase(name: "maxPool2d 2×2, odd size", shapes: [[1, 2, 5, 5]], range: anywhere) {
        $0[0].maxPool2d(kernelSize: 2) * $0[0].maxPool2d(kernelSize: 2)
    },
    OpCase(name: "maxPool2d 3×3 stride 2 padding 1", shapes: [[2, 1, 4, 5]], range: anywhere) {
        sin($0[0].maxPool2d(kernelSize: 3, stride: 2, padding: 1))
    },
    OpCase(name: "avgPool2d [3, 2] stride [2, 1] padding 1", shapes: [[1, 2, 5, 4]], range: anywhere) {
        $0[0].avgPool2d(kernelSize: [3, 2], stride: [2, 1], padding: 1)
    },
    OpCase(name: "avgPool2d 2×2", shapes: [[2, 1, 4, 4]], range: anywhere) { $0[0].avgPool2d(kernelSize: 2) },
    OpCase(name: "globalAveragePool2d", shapes: [[2, 3, 2, 3]], range: anywhere) { $0[0].globalAveragePool2d() },
    OpCase(name: "composite: conv → relu → maxPool → conv → avgPool", shapes: [[1, 1, 6, 6], [2, 1, 3, 3], [2], [3, 2, 2, 2]],
           range: anywhere) {
        let h = relu(conv2d($0[0], $0[1], bias: $0[2], padding: 1)).maxPool2d(kernelSize: 2)
        return tanh(conv2d(h, $0[3], padding: 1)).avgPool2d(kernelSize: 2)
    },
]
