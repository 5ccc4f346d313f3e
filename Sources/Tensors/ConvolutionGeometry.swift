// The geometry of a 2-D convolution or pooling window: strides, padding, dilation, groups,
// with the shape checks every convolution op shares.

/// A pair of sizes for the two spatial axes, height then width; an integer literal gives both.
///
///     stride: 2        ≡ Size2D(2, 2)
///     stride: [2, 1]   ≡ Size2D(height: 2, width: 1)
public struct Size2D: Hashable, Sendable, ExpressibleByIntegerLiteral, ExpressibleByArrayLiteral, CustomStringConvertible {
    /// The size along the height (rows) axis.
    public var height: Int
    /// The size along the width (columns) axis.
    public var width: Int

    /// The sizes along height and width.
    public init(height: Int, width: Int) {
        self.height = height
        self.width = width
    }

    /// The sizes along height and width, unlabelled.
    public init(_ height: Int, _ width: Int) { self.init(height: height, width: width) }

    /// The same size along both axes.
    public init(integerLiteral value: Int) { self.init(height: value, width: value) }

    /// `[height, width]`; a single element gives both.
    public init(arrayLiteral elements: Int...) {
        precondition(elements.count == 1 || elements.count == 2, "Size2D takes [height, width], got \(elements)")
        self.init(height: elements[0], width: elements[elements.count - 1])
    }

    /// `"h×w"`.
    public var description: String { "\(height)×\(width)" }
}

/// Zeros added around the spatial axes of a convolution's input (PyTorch's `padding`).
///
///     padding: 1              1 on every side
///     padding: [1, 2]         1 above and below, 2 left and right
///     padding: [0, 1, 2, 3]   top, bottom, left, right
///     padding: .same          stride 1 only: the output has the input's height and width; the
///                             total d·(k − 1) is split with the smaller half first (PyTorch's
///                             `padding="same"`)
public enum ConvolutionPadding: Hashable, Sendable, ExpressibleByIntegerLiteral, ExpressibleByArrayLiteral {
    /// Explicit zeros on each side.
    case explicit(top: Int, bottom: Int, left: Int, right: Int)
    /// The output keeps the input's spatial size (stride 1 only).
    case same

    /// The same padding on every side.
    public init(integerLiteral value: Int) { self = .explicit(top: value, bottom: value, left: value, right: value) }

    /// `[h, w]` (symmetric per axis) or `[top, bottom, left, right]`.
    public init(arrayLiteral elements: Int...) {
        switch elements.count {
        case 1: self.init(integerLiteral: elements[0])
        case 2: self = .explicit(top: elements[0], bottom: elements[0], left: elements[1], right: elements[1])
        case 4: self = .explicit(top: elements[0], bottom: elements[1], left: elements[2], right: elements[3])
        default: preconditionFailure("padding takes [h, w] or [top, bottom, left, right], got \(elements)")
        }
    }
}

/// A convolution's resolved geometry: strides, dilations, explicit padding per side, groups.
///
/// With input height H, kernel height k, stride s, dilation d and padding t (top), b (bottom),
/// the output height is
///
///     H_out = ⌊(H + t + b − d·(k − 1) − 1) / s⌋ + 1
///
/// and output row i reads input rows i·s − t + p·d for p in 0..<k (likewise along the width).
public struct Convolution2DGeometry: Hashable, Sendable {
    /// The step between neighbouring windows.
    public var stride: Size2D
    /// The step between neighbouring taps of one window.
    public var dilation: Size2D
    /// Zeros above, below, left of and right of the input.
    public var top: Int, bottom: Int, left: Int, right: Int
    /// Channels are split into this many independent groups.
    public var groups: Int

    /// The geometry with every part given.
    public init(stride: Size2D = 1, dilation: Size2D = 1, top: Int = 0, bottom: Int = 0, left: Int = 0, right: Int = 0,
                groups: Int = 1) {
        self.stride = stride
        self.dilation = dilation
        (self.top, self.bottom, self.left, self.right) = (top, bottom, left, right)
        self.groups = groups
    }

    /// The output size along one axis: ⌊(n + before + after − d·(k − 1) − 1) / s⌋ + 1.
    @inlinable static func outputLength(_ n: Int, kernel k: Int, stride s: Int, dilation d: Int, before: Int, after: Int) -> Int {
        (n + before + after - d * (k - 1) - 1) / s + 1
    }

    /// The output's height and width for an input of `height` × `width` and a kernel of `kernel`.
    public func outputSize(height: Int, width: Int, kernel: Size2D) -> Size2D {
        Size2D(Self.outputLength(height, kernel: kernel.height, stride: stride.height, dilation: dilation.height,
                                 before: top, after: bottom),
               Self.outputLength(width, kernel: kernel.width, stride: stride.width, dilation: dilation.width,
                                 before: left, after: right))
    }

    /// Resolves and checks the geometry of `op` on an input `x` [N, C, H, W] and a weight `w`
    /// [O, C/groups, kH, kW]: ranks, channel counts, groups, strides, dilations, padding and a
    /// kernel that fits in the padded input; a violation stops with a message naming `op`, both
    /// shapes and the caller's line.
    public static func checked(_ op: String, input x: [Int], weight w: [Int], stride: Size2D, padding: ConvolutionPadding,
                               dilation: Size2D, groups: Int, file: StaticString, line: UInt) -> Convolution2DGeometry {
        func fail(_ detail: String) -> Never { ShapeError.fail(op, shapes: [x, w], detail: detail, file: file, line: line) }
        if x.count != 4 || w.count != 4 { fail("the input must be [N, C, H, W] and the weight [O, C/groups, kH, kW]") }
        if stride.height < 1 || stride.width < 1 { fail("stride \(stride) must be at least 1") }
        if dilation.height < 1 || dilation.width < 1 { fail("dilation \(dilation) must be at least 1") }
        if groups < 1 || x[1] % groups != 0 || w[0] % groups != 0 {
            fail("groups \(groups) must divide the input channels \(x[1]) and the output channels \(w[0])")
        }
        if w[1] * groups != x[1] {
            fail("the weight expects \(w[1] * groups) input channels (\(w[1]) per group × \(groups)), the input has \(x[1])")
        }
        if w[2] < 1 || w[3] < 1 { fail("the kernel \(w[2])×\(w[3]) is empty") }
        var g = Convolution2DGeometry(stride: stride, dilation: dilation, groups: groups)
        switch padding {
        case .explicit(let t, let b, let l, let r):
            if min(t, b, l, r) < 0 { fail("padding [\(t), \(b), \(l), \(r)] must not be negative") }
            (g.top, g.bottom, g.left, g.right) = (t, b, l, r)
        case .same:
            if stride != 1 { fail("padding .same needs stride 1, not \(stride)") }
            let th = dilation.height * (w[2] - 1), tw = dilation.width * (w[3] - 1)
            (g.top, g.bottom, g.left, g.right) = (th / 2, th - th / 2, tw / 2, tw - tw / 2)
        }
        let spanH = dilation.height * (w[2] - 1) + 1, spanW = dilation.width * (w[3] - 1) + 1
        if spanH > x[2] + g.top + g.bottom || spanW > x[3] + g.left + g.right {
            fail("the kernel spans \(spanH)×\(spanW) (dilation \(dilation)), more than the padded input "
                 + "\(x[2] + g.top + g.bottom)×\(x[3] + g.left + g.right)")
        }
        return g
    }
}
