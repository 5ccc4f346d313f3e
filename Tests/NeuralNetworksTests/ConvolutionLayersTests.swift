import Testing
import Autodiff
import NeuralNetworks
import Tensors

@Suite("Conv2D, MaxPool2D, AvgPool2D, GlobalAveragePool2D")
struct ConvolutionLayersTests {
    @Test("Conv2D = conv2d with its parameters; PyTorch's init bound ±1/√fanIn; bias optional")
    func conv() {
        var g = SeededGenerator(seed: 3)
        let layer = Conv2D<Double>(inputChannels: 4, outputChannels: 6, kernelSize: [3, 2], stride: 2, padding: 1, dilation: 1,
                                   groups: 2, bias: true, using: &g)
        #expect(layer.weight.value.shape == [6, 2, 3, 2])
        #expect(layer.bias?.value.shape == [6])
        let bound = 1 / (12.0).squareRoot()  // fanIn = (4 / 2)·3·2
        #expect(layer.parameters.allSatisfy { $0.value.scalars.allSatisfy { Swift.abs($0) <= bound } })
        #expect(layer.weight.value.scalars.map { Swift.abs($0) }.max()! > bound / 2)
        let x = Tensor<Double>(randomUniform: [2, 4, 5, 5], seed: 4)
        let expected = conv2d(x, layer.weight.value, bias: layer.bias!.value, stride: 2, padding: 1, groups: 2)
        #expect(layer(x) == expected)
        let plain = Conv2D<Double>(inputChannels: 1, outputChannels: 2, kernelSize: 1, bias: false, using: &g)
        #expect(plain.parameters.map(\.name) == ["weight"])
    }

    @Test("the pools are the ops: max, average (padding counted), global average")
    func pools() {
        let x = Tensor<Double>(randomUniform: [2, 3, 6, 5], seed: 5)
        #expect(MaxPool2D<Double>(kernelSize: 2)(x) == maxPool2d(x, kernelSize: 2))
        #expect(AvgPool2D<Double>(kernelSize: 3, stride: 2, padding: 1)(x) == avgPool2d(x, kernelSize: 3, stride: 2, padding: 1))
        let global = GlobalAveragePool2D<Double>()(x)
        #expect(global.shape == [2, 3])
        #expect(Swift.abs(global.scalars[0] - x.scalars[0..<30].reduce(0, +) / 30) < 1e-15)
        #expect(MaxPool2D<Double>(kernelSize: 2).parameters.isEmpty && GlobalAveragePool2D<Double>().parameters.isEmpty)
    }
}
