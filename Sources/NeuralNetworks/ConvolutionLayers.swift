import Autodiff
import Tensors

/// A 2-D convolution layer on NCHW batches (PyTorch's `nn.Conv2d`, same layout and init):
///
///     y = conv2d(x, W) + b      x: [N, C, H, W], W: [O, C/groups, kH, kW], b: [O]
///
/// W and b start uniform in ±1/√fanIn with fanIn = (C/groups)·kH·kW, as PyTorch's defaults.
public final class Conv2D<Scalar: TensorScalar>: Layer {
    /// W, [O, C/groups, kH, kW].
    public let weight: Parameter<Scalar>
    /// b, [O], or `nil` for a layer without bias.
    public let bias: Parameter<Scalar>?
    /// The step between windows.
    public let stride: Size2D
    /// Zeros around the input.
    public let padding: ConvolutionPadding
    /// The step between a window's taps.
    public let dilation: Size2D
    /// Channels split into independent groups.
    public let groups: Int

    /// A layer from explicit values.
    /// - Precondition: `weight` is rank 4 and `bias`, if any, is [weight.shape[0]].
    public init(weight: Tensor<Scalar>, bias: Tensor<Scalar>?, stride: Size2D = 1, padding: ConvolutionPadding = 0,
                dilation: Size2D = 1, groups: Int = 1, file: StaticString = #fileID, line: UInt = #line) {
        if weight.rank != 4 || (bias != nil && bias!.shape != [weight.shape[0]]) {
            ShapeError.fail("Conv2D", shapes: [weight.shape, bias?.shape ?? []],
                            detail: "needs a weight [O, C/groups, kH, kW] and a bias [O]", file: file, line: line)
        }
        self.weight = Parameter(name: "weight", role: .weight, value: weight)
        self.bias = bias.map { Parameter(name: "bias", role: .bias, value: $0) }
        (self.stride, self.padding, self.dilation, self.groups) = (stride, padding, dilation, groups)
    }

    /// A layer with seeded weights and biases drawn uniformly in ±1/√fanIn (PyTorch's default).
    public convenience init(inputChannels: Int, outputChannels: Int, kernelSize: Size2D, stride: Size2D = 1,
                            padding: ConvolutionPadding = 0, dilation: Size2D = 1, groups: Int = 1, bias: Bool = true,
                            using generator: inout SeededGenerator) {
        let fanIn = Swift.max(inputChannels / Swift.max(groups, 1) * kernelSize.height * kernelSize.width, 1)
        let bound = Initializer.uniform(epsilon: 1 / Double(fanIn).squareRoot())
        let shape = [outputChannels, inputChannels / Swift.max(groups, 1), kernelSize.height, kernelSize.width]
        let w: Tensor<Scalar> = bound.tensor(shape: shape, fanIn: fanIn, fanOut: outputChannels, using: &generator)
        let b: Tensor<Scalar>? = bias ? bound.tensor(shape: [outputChannels], fanIn: fanIn, fanOut: outputChannels,
                                                     using: &generator) : nil
        self.init(weight: w, bias: b, stride: stride, padding: padding, dilation: dilation, groups: groups)
    }

    /// y = conv2d(x, W) + b, recorded.
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func callAsFunction(_ x: Variable<Scalar>) -> Variable<Scalar> {
        conv2d(x, weight.variable(on: x.tape), bias: bias?.variable(on: x.tape), stride: stride, padding: padding,
               dilation: dilation, groups: groups)
    }

    /// W, then b if any.
    public var parameters: [Parameter<Scalar>] { [weight] + (bias.map { [$0] } ?? []) }
}

/// Max pooling over the spatial axes (PyTorch's `nn.MaxPool2d`): the max of each window.
public final class MaxPool2D<Scalar: TensorScalar>: Layer {
    /// The window's size.
    public let kernelSize: Size2D
    /// The step between windows (defaults to the kernel).
    public let stride: Size2D?
    /// Padding on each side, counting as −∞.
    public let padding: Size2D

    /// A pool of `kernelSize` windows.
    public init(kernelSize: Size2D, stride: Size2D? = nil, padding: Size2D = 0) {
        (self.kernelSize, self.stride, self.padding) = (kernelSize, stride, padding)
    }

    /// y = max over each window of x, recorded.
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func callAsFunction(_ x: Variable<Scalar>) -> Variable<Scalar> {
        x.maxPool2d(kernelSize: kernelSize, stride: stride, padding: padding)
    }

    /// None.
    public var parameters: [Parameter<Scalar>] { [] }
}

/// Average pooling over the spatial axes (PyTorch's `nn.AvgPool2d`, padding counted in the mean).
public final class AvgPool2D<Scalar: TensorScalar>: Layer {
    /// The window's size.
    public let kernelSize: Size2D
    /// The step between windows (defaults to the kernel).
    public let stride: Size2D?
    /// Zero padding on each side.
    public let padding: Size2D

    /// A pool of `kernelSize` windows.
    public init(kernelSize: Size2D, stride: Size2D? = nil, padding: Size2D = 0) {
        (self.kernelSize, self.stride, self.padding) = (kernelSize, stride, padding)
    }

    /// y = the mean of each window of x, recorded.
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func callAsFunction(_ x: Variable<Scalar>) -> Variable<Scalar> {
        x.avgPool2d(kernelSize: kernelSize, stride: stride, padding: padding)
    }

    /// None.
    public var parameters: [Parameter<Scalar>] { [] }
}

/// The mean over the spatial axes: [N, C, H, W] → [N, C] (global average pooling).
public final class GlobalAveragePool2D<Scalar: TensorScalar>: Layer {
    /// The layer (it has no parameters).
    public init() {}

    /// y[n, c] = mean over h, w of x[n, c, h, w], recorded.
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func callAsFunction(_ x: Variable<Scalar>) -> Variable<Scalar> { x.globalAveragePool2d() }

    /// None.
    public var parameters: [Parameter<Scalar>] { [] }
}
