import Testing
import Tensors

@Suite("Convolution and pooling shape errors name the op, both shapes and the caller's line")
struct ConvolutionShapeErrorTests {
    @Test("conv2d: wrong channel count")
    func channels() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = conv2d(Tensor<Double>(zeros: [1, 3, 5, 5]), Tensor<Double>(zeros: [4, 2, 3, 3]))
        }.map { result in
            let text = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(text.contains("conv2d: shapes [1, 3, 5, 5] and [4, 2, 3, 3]: the weight expects 2 input channels"))
            #expect(text.contains("ConvolutionShapeErrorTests.swift:"))
        }
    }

    @Test("conv2d: groups that do not divide the channels")
    func groups() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = conv2d(Tensor<Double>(zeros: [1, 4, 5, 5]), Tensor<Double>(zeros: [3, 2, 3, 3]), groups: 2)
        }.map { result in
            let text = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(text.contains("conv2d: shapes [1, 4, 5, 5] and [3, 2, 3, 3]: groups 2 must divide"))
        }
    }

    @Test("conv2d: a dilated kernel larger than the padded input")
    func kernelTooLarge() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = conv2d(Tensor<Double>(zeros: [1, 1, 4, 4]), Tensor<Double>(zeros: [1, 1, 3, 3]), padding: 0, dilation: 2)
        }.map { result in
            let text = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(text.contains("conv2d: shapes [1, 1, 4, 4] and [1, 1, 3, 3]: the kernel spans 5×5"))
        }
    }

    @Test("conv2d: stride 0, and padding .same with stride 2")
    func badStride() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = conv2d(Tensor<Double>(zeros: [1, 1, 4, 4]), Tensor<Double>(zeros: [1, 1, 3, 3]), stride: [1, 0])
        }.map { result in
            #expect(String(decoding: result.standardErrorContent, as: UTF8.self).contains("stride 1×0 must be at least 1"))
        }
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = conv2d(Tensor<Double>(zeros: [1, 1, 4, 4]), Tensor<Double>(zeros: [1, 1, 3, 3]), stride: 2, padding: .same)
        }.map { result in
            #expect(String(decoding: result.standardErrorContent, as: UTF8.self).contains("padding .same needs stride 1"))
        }
    }

    @Test("conv2dTranspose: output padding not below the stride; maxPool2d: a kernel larger than the input")
    func transposeAndPool() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = conv2dTranspose(Tensor<Double>(zeros: [1, 2, 3, 3]), Tensor<Double>(zeros: [2, 1, 3, 3]), stride: 2,
                                outputPadding: 2)
        }.map { result in
            let text = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(text.contains("conv2dTranspose: shapes [1, 2, 3, 3] and [2, 1, 3, 3]: output padding 2×2 must be in 0..<stride"))
        }
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = maxPool2d(Tensor<Double>(zeros: [1, 1, 2, 2]), kernelSize: 3, padding: 0)
        }.map { result in
            let text = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(text.contains("maxPool2d: shape [1, 1, 2, 2]: the kernel 3×3 is larger than the padded input 2×2"))
            #expect(text.contains("ConvolutionShapeErrorTests.swift:"))
        }
    }
}
