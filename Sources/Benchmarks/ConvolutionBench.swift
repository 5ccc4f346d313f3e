import Foundation
import Tensors

/// `--convolution`: the three convolution kernels by im2col + GEMM against the direct loops
/// (Note [Convolution by im2col]), Double, on DigitCNN's two layers (batch 32) and a wider
/// 32×32 layer; best of 5, milliseconds, at 1 thread and all threads.
func benchConvolution() {
    let shapes: [(String, [Int], [Int], Convolution2DGeometry)] = [
        ("DigitCNN conv1 [32, 1, 8, 8] ⊛ [8, 1, 3, 3]", [32, 1, 8, 8], [8, 1, 3, 3], Convolution2DGeometry(top: 1, bottom: 1, left: 1, right: 1)),
        ("DigitCNN conv2 [32, 8, 4, 4] ⊛ [16, 8, 3, 3]", [32, 8, 4, 4], [16, 8, 3, 3], Convolution2DGeometry(top: 1, bottom: 1, left: 1, right: 1)),
        ("[16, 32, 32, 32] ⊛ [64, 32, 3, 3]", [16, 32, 32, 32], [64, 32, 3, 3], Convolution2DGeometry(top: 1, bottom: 1, left: 1, right: 1)),
        ("[16, 32, 32, 32] ⊛ [32, 8, 3, 3] groups 4, stride 2", [16, 32, 32, 32], [32, 8, 3, 3],
         Convolution2DGeometry(stride: 2, top: 1, bottom: 1, left: 1, right: 1, groups: 4)),
    ]
    for t in Set([1, ProcessInfo.processInfo.activeProcessorCount]).sorted() {
        Parallelism.threads = t
        for (name, xs, ws, g) in shapes {
            let x = Tensor<Double>(randomUniform: xs, seed: 1), w = Tensor<Double>(randomUniform: ws, seed: 2)
            let y = Convolution2D.forward(x, w, g)
            let size = Size2D(xs[2], xs[3]), kernel = Size2D(ws[2], ws[3])
            func ms(_ body: () -> Void) -> Double { measure(minTime: 0.1, reps: 5, body).best * 1000 }
            let rows: [(String, Double, Double)] = [
                ("forward", ms { blackHole(Convolution2D.forward(x, w, g)) }, ms { blackHole(Convolution2D.directForward(x, w, g)) }),
                ("x̄", ms { blackHole(Convolution2D.inputGradient(y, w, g, inputSize: size)) },
                 ms { blackHole(Convolution2D.directInputGradient(y, w, g, inputSize: size)) }),
                ("w̄", ms { blackHole(Convolution2D.weightGradient(x, y, g, kernel: kernel)) },
                 ms { blackHole(Convolution2D.directWeightGradient(x, y, g, kernel: kernel)) }),
            ]
            for (kind, im2col, direct) in rows {
                print(String(format: "threads %d  %@  %@: im2col %.3f ms, direct %.3f ms (%.1f×)", t, name, kind, im2col, direct,
                             direct / im2col))
            }
        }
    }
}
