import Foundation

extension Report {
    /// The best NumPy GFLOP/s at n ≥ 256 for a dtype and thread count.
    func numpyBest(_ dtype: String, _ t: Int) -> Double? {
        gemm.filter { $0.dtype == dtype && $0.threads == t && $0.n >= 256 }.compactMap(\.numpyBest).max()
    }
    /// Our best GFLOP/s at n ≥ 256 for a dtype and thread count.
    func oursBest(_ dtype: String, _ t: Int) -> Double? {
        gemm.filter { $0.dtype == dtype && $0.threads == t && $0.n >= 256 }.map(\.gflopsBest).max()
    }

    /// The hand-written part of Docs/Performance.md: what limits each figure, with the numbers
    /// of this run filled in where they are measured.
    var analysis: String {
        var ceilings = ""
        for dtype in ["float32", "float64"] {
            for t in Set([1, threads]).sorted() {
                guard let pk = peak(dtype, t), let np = numpyBest(dtype, t), let ours = oursBest(dtype, t) else { continue }
                ceilings += String(format: "| %@ | %d | %.1f | %.1f (%.0f %% of it) | %.1f | **%.2f** |\n",
                                   dtype as NSString, t, pk, ours, 100 * ours / pk, np, pk / np)
            }
        }
        if ceilings.isEmpty { ceilings = "| – | – | – | – | – | – |\n" }
        var torchLines = ""
        for r in torchSteps where r.net == "lstm" {
            torchLines += String(format: "%d thread%@: ours %.1f GFLOP/s", r.threads, (r.threads == 1 ? "" : "s") as NSString, 0.872 / (r.msBest * 1e-3))
            if let t = r.torchBest { torchLines += String(format: ", PyTorch %.1f GFLOP/s", 0.872 / (t * 1e-3)) }
            torchLines += "; "
        }
        if torchLines.isEmpty { torchLines = "not measured in this run; " }
        let chainLine = chain.map { String(format: "%.0f ns/op", $0.nsPerOp) } ?? "–"
        return """
        ## What limits the figures

        ### GEMM: SSE2 against AVX-512/FMA

        The kernel (`Sources/Tensors/GEMM.swift`) is Goto's loop nest: kc = 256 k-blocks, mc ≤ 96-row blocks
        of A packed per thread (each value stored twice for Double, four times for Float, so that the
        broadcast is a plain aligned load — SSE2 has no broadcast load), nc = 2048-column panels of B packed
        into 4-wide (Double) or 8-wide (Float) slivers, and a 4 × 4 (Double) / 4 × 8 (Float) register tile:
        8 accumulators of `SIMD2<Double>` / `SIMD4<Float>`. Transposed operands are absorbed by the packing.
        Row blocks are split over threads with `DispatchQueue.concurrentPerform`; products under 2²⁰
        multiply-adds or with fewer than 4096 outputs stay on one thread (measured: below that a
        hand-off per k-block costs more than it saves), and products under 4096 multiply-adds use the
        reference loop.

        The inner loop LLVM emits for Double (checked with `objdump`) is 29 instructions per k step for
        32 flops: 6 `movapd` loads, 8 `mulpd`, 8 `addpd`, 4 register copies (SSE2's two-operand form
        destroys an operand, so every product needs a scratch register), and 3 of loop control; it uses
        15 of the 16 xmm registers and never spills. Zen 4 retires at most 2 `mulpd` + 2 `addpd` per
        cycle (the SSE2 peak measured above), and at 6 instructions per cycle the front end needs ≈ 4.8
        cycles for those 29 instructions against 4 for the arithmetic: about 83 % of the SSE2 peak is the
        ceiling for this tile, and the measured kernel sits close to it. A 6 × 4 Double tile (12
        accumulators, fewer loads and loop instructions per flop) was tried: with 16 registers LLVM spills
        an accumulator to the stack every k step and the kernel fell to ≈ 14 GFLOP/s, so 4 × 4 stays.
        Packing costs O(n²) against O(n³) work, which is why n = 128–256 sits below the large sizes
        (the Float A block is stored four times over).

        The issue's target (≥ 0.8× NumPy) cannot be reached with baseline x86-64: even at 100 % of the
        SSE2 peak, the ratio would be the **ceiling** below, because OpenBLAS runs AVX-512/AVX2 FMA kernels
        (a fused multiply-add on 8 or 4 lanes) on the same pipes:

        | dtype | threads | SSE2 peak GFLOP/s | ours, best n ≥ 256 | NumPy, best n ≥ 256 | ceiling = peak / NumPy |
        | --- | ---: | ---: | ---: | ---: | ---: |
        \(ceilings)
        Reaching the target needs wider vectors, which Swift can only get from compiler flags
        (`-Xcc -mavx2`, `-target-cpu`) — `unsafeFlags`, excluded by the design — or from a C target with
        per-function `__attribute__((target("avx2")))` and run-time dispatch, which the "pure Swift" rule
        excludes. Notably AVX2 *without* FMA would do: Zen 4 has separate add pipes, so 256-bit
        `vmulpd` + `vaddpd` reach the same 16 Double flops per cycle as FMA, and the three-operand VEX
        forms remove the register copies — with the same packing and a 4 × 8 or 6 × 8 tile this keeps the
        contract bit for bit (Note [Deterministic GEMM]) and lifts the ceiling to about 1× (≈ 0.85× at
        this kernel's efficiency). FMA itself
        would break the contract: it rounds once where `s += a*b` rounds twice. Measured on this
        machine with the flag passed on the command line (`swift build -c release -Xswiftc -target-cpu
        -Xswiftc haswell`, outside the package): the current kernel goes from 24.3 to 27.1 GFLOP/s
        (5000 × 400 · 400 × 256, Double, one thread), and a first 6 × 8 `SIMD4<Double>` tile with
        broadcast loads reached 30.5 — a direction, not yet the 2× the pipes allow.

        ### Training steps against NumPy, PyTorch and JAX jit

        Profiled with `perf record -g .build/release/Benchmarks --profile-ng 40` (and `--profile-mnist 600`,
        `--profile-xor 300000`: one network's step repeated, nothing else, all threads), self time by
        symbol, grouped:

        | share of samples | 400-25-10 (Double, m = 5000) | 784-256-10 (Float, m = 128) | 2-2-1 (Double, m = 4) |
        | --- | ---: | ---: | ---: |
        | GEMM micro-kernel, packing and blocking | 77 % | 80 % | 4 % (the reference loop) |
        | `exp`, `log1p` (glibc, one element at a time) | 5 % | < 1 % | 2 % |
        | element-wise maps, bias add and bias sums (`adding`, `sum(toShape:)`, `sigmoid`), Σw² | 3 % | 2 % | 9 % |
        | fused loss forward and VJP | 1 % | < 1 % | 1 % |
        | tape: recording, reverse pass, op dispatch | 1 % | 4 % | 20 % |
        | allocation, retain/release, array growth | 2 % | 3 % | 37 % |
        | kernel: page faults and zeroing of fresh pages | 8 % | 9 % | 1 % |
        | the rest (generic metadata look-ups, record destruction, the step closure) | 3 % | 3 % | 26 % |

        - **400-25-10 and 784-256-10 are GEMM-bound**, and the GEMM is slow on their shapes, not just on
          SSE2: `--shapes` measures the products of the 400-25-10 step at 4–6 GFLOP/s on one thread
          (X·W₁ is [5000, 400]·[400, 25], Xᵀ·δ₂ is [400, 5000]·[5000, 25]) where the same kernel
          reaches ≈ 12 GFLOP/s with 256 columns under the same load. With 25 (or 10) columns the packed
          copy of the big operand (X, stored twice over for SSE2's lack of a broadcast load) is
          used for only 25 columns of work per element, the 4-wide slivers pad 25 to 28, and the
          transposed X of the weight gradient is packed by a strided gather. JAX's jitted step (XLA
          calling Eigen/oneDNN AVX-512 FMA kernels, the element-wise work fused) is the fastest peer
          for 400-25-10 (≈ 6–8 ms, ≈ 30 GFLOP/s of products on one thread); for 784-256-10 NumPy,
          PyTorch and JAX are within noise of each other (0.8–1.5 ms). The products alone take
          longer here than the fastest peer's whole step, so the ≤ 1.0× target needs the SIMD GEMM
          micro-kernels (part A of the issue) **and** a small-n path: no packing of A when n ≤ 32
          (the micro-kernel reading X's rows in place) and W·Xᵀ-style orientation for Xᵀ·δ, so that the
          5000-long dimension is the streamed one. Both are GEMM.swift changes, left to its owner.
        - **Element-wise work is a small share**: exp/log1p 5 %, the maps and reductions 3 %, the loss
          1 % of the 400-25-10 step — about 2 ms of 20 at one thread. Vectorised exp/log (one
          polynomial, FMA, same bits on every path) would save perhaps two thirds of that: worth doing
          with the C kernels, but it cannot close a 2–3.5× gap. Proposed, not implemented here.
        - **Page faults are the surprise: 8–9 %** of both big steps is the kernel zeroing fresh pages.
          Every step allocates its [5000, 25] activations, adjoints and the GEMM's packing buffers anew;
          glibc serves large blocks with `mmap` (or grows the heap) and hands freed ones back to the
          kernel (`munmap`, or trimming the heap's top), so each step faults in and zeroes megabytes
          of fresh pages again. Proposed: keep the GEMM's packing buffers per thread across calls, and
          reuse the step's large temporaries (or set `M_MMAP_THRESHOLD`/`M_TRIM_THRESHOLD` once) — the
          packing buffers are GEMM.swift's, so left to its owner.
        - **2-2-1 is all overhead** and already 3–5× faster than the fastest peer (JAX jit, whose
          dispatch of one jitted call costs ≈ 15–25 µs): retain/release and malloc/free dominate, then the
          reverse pass and generic metadata look-ups; callgrind counts ≈ 43 000 instructions per step.

        Losses: every step starts from mlp.py's own start (Note [Same start]), and in every run so far
        NumPy, PyTorch and JAX jit printed the same loss0 and loss4 as ours to within 1e-9 (Double)
        and 1e-4 (Float), so the four implementations do the same computation.

        ### Element-wise kernels and reductions

        The element-wise maps (`map`, `zip`, the broadcasting kernel's inner loop, `addInPlace`) are
        `@inlinable` loops over buffer pointers with the operation's closure inlined into each
        `@_specialize`d public function, and LLVM vectorises them for SSE2 by itself: `objdump` shows
        `mulpd`/`mulps` in `Tensor * Scalar`, `addps` in `addInPlace`, `maxps` in `relu` (which keeps
        NaN and −0 exactly as the scalar `x < 0 ? 0 : x`) and `cmpltps`/`andps` in the ReLU VJP — so no
        hand-written SIMD was added there. What does not vectorise are the transcendental maps
        (`exp`, `log`, `log1p`, `tanh`, sigmoid): glibc has no SSE2 vector `exp`, and a hand-written one
        would change results. `sum()` keeps its documented order (one sequential chain), so it cannot use
        several vector accumulators; the bias adjoint (a matrix summed to a row) adds row after row, which
        vectorises across columns without changing any element's order. A fused add-bias + activation
        forward was not added: it would be a new tape op (outside the kernels), and the profile shows the
        steps are GEMM-bound: callgrind puts 88 % of the 400-25-10 step's instructions in the GEMM kernel
        and about 5 % in `exp`/`log1p`.

        ### Convolutional and recurrent steps (torch_steps.py)

        Profiled with `perf record -g .build/release/Benchmarks --profile-lenet5` (and `--profile-cnn8`,
        `--profile-lstm`: 20–200 steps of one network, nothing else). The first profile of LeNet-5 put
        **62 % of the step in the forward pass**, and almost none of it in arithmetic: `Conv2D` and
        `MaxPool2D` are generic classes, so a call from another module ran their unspecialised bodies
        and, through them, the unspecialised convolution and max-pool kernels, where every element copy
        of im2col went through the scalar type's value witnesses (`initializeWithCopy` and a `memmove` per
        Float: 28 % of the samples). Three changes, measured at one thread on this shared machine (best
        of 7, ms per step; the PyTorch figures of the same runs were 1.6–2.6, 12.5–16 and 18–22 ms):

        | change | cnn8 | lenet5 | lstm |
        | --- | ---: | ---: | ---: |
        | first measurement | 5.5–5.7 | 60–70 | 50–55 |
        | the public convolution and max-pool kernels call their Float/Double specialisations from a generic caller (Note [Generic callers]); the layers' `callAsFunction` and `Activation` are `@_specialize(exported: true)` for Float and Double | 3.3 | 26.5 | 56 |
        | im2col/col2im compute each tap's valid output columns once (a `memcpy` per row at stride 1, then the zero padding) instead of testing bounds per element; im2col's and the GEMM's scratch buffers are not zeroed first | 1.9 | 18.2 | 51 |

        The results are the same bits (the first losses printed are unchanged; im2col and col2im are
        copies and the same additions in the same order). What limits each ratio now:

        - **lenet5** is GEMM-bound: about half of the step's samples are in the GEMM kernel and its packing,
          the rest im2col/col2im (≈ 9 %), the gather/scatter between NCHW and the GEMM's [O, N·H·W] layout
          and tensor copies (`memmove` ≈ 9 %), max pooling (≈ 4 %), the ReLUs and the bias add and its sum
          (≈ 8 %). The products are skinny — conv1's forward is [6, 25]·[25, 50 176] and its weight
          gradient [6, 50 176]·[50 176, 25] (150 outputs, so one thread by the GEMM's rule, and 6 of the
          tile's 8 rows) — and run on SSE2 where PyTorch runs oneDNN's AVX-512 kernels; the GEMM ceiling
          above applies. Two threads help little here: the chunks are small and the machine is shared.
        - **cnn8** is small (≈ 5 MFLOP per step): tape records, allocation and the kernels' fixed costs
          matter as much as arithmetic; it is at or near PyTorch's time, whose eager per-op dispatch
          costs about as much.
        - **lstm** is GEMM-bound and inherits the ceiling directly: per time step the forward pass does
          [64, 16]·[16, 512] and [64, 128]·[128, 512], the backward pass h̄ = z̄·W_hhᵀ, W̄_hh += hᵀ·z̄ and
          W̄_ih += x_tᵀ·z̄: ≈ 436 M multiply-adds, 0.872 GFLOP per step. That gives \(torchLines)the
          element-wise gates (`sigmoid`, `tanh`: `expm1f`/`expf`/`tanhf` from libm one element at a
          time, ≈ 12 %) and the small per-step tensors make up the rest. PyTorch's CPU LSTM batches
          the input projection of all time steps into one product and runs AVX-512 FMA kernels; the
          `LSTM` layer records 32 separate input products — the same flops, smaller GEMMs — because
          slicing one big projection per step costs a full-size padded adjoint per step (Note [Input
          projection] in RecurrentLayers.swift: 1.8× slower here).

        Not done (left for a follow-up): writing the forward GEMM's rows straight into y's NCHW layout
        per sample (no scatter), a bias fused into the forward GEMM's store, and the transposed
        orientation (colᵀ·Wᵀ, N·H·W rows) that would let conv1's skinny products use both threads.

        ### Tape overhead (scalar chain: \(chainLine))

        Measured with `valgrind --tool=callgrind .build/release/Benchmarks --profile-chain` (20 chains of
        10 000 ops; instructions per op, forward + reverse + tape teardown):

        | change | instructions / op |
        | --- | ---: |
        | start: Autodiff generic code ran unspecialised (generic metadata look-ups in every op) | 10 500 |
        | `@_specialize` for Float/Double on the tape's entry points and every op | 4 200 |
        | `exported: true`, so other modules call the specialisations directly | 3 400 |
        | reverse pass reads records through one buffer pointer (Note [Borrowed records]) | 3 000 |
        | one-element tensors allocated through an array literal (Note [Small storage]) | 2 300 |
        | records in a tape-owned buffer behind a `let` pointer: no exclusivity checks, no copy-on-write (Note [Tape storage]); element-wise VJPs overwrite the upstream adjoint they own (Note [Owned upstream]) | 1 700 |
        | records built in place in the buffer; teardown destroys them one by one instead of through the runtime's generic `swift_arrayDestroy` | 1 450 |
        | the widest `Op` cases boxed (`indirect`): a record is 56 bytes instead of 88 | 1 350 |
        | scalar-constant ops call the inlinable `map` directly: no retain/release of the input's arrays around an opaque call | 1 230 |

        What remains, by callgrind's self cost: `malloc`/`free` ≈ 24 % (one storage array per op value;
        the adjoints now reuse their upstream's buffer), `swift_retain`/`swift_release` ≈ 18 % (the tape
        held by every variable, the tensors' arrays), the doubling of the record buffer ≈ 10 % (callgrind
        counts `rep movsb` per byte; in time it is small) and `Record`'s destroy witness ≈ 3 %. The next
        step would store rank-0 values inline instead of in a heap array, which removes most of the
        allocator's share; it changes `Tensor` itself, so it is left for a follow-up. The reverse pass
        is linear (flat ns/op from 10³ to 10⁶ ops).

        Another general cost found on the way: every `Array` allocation through
        `Array(unsafeUninitializedCapacity:)` or `Array(repeating:count:)` goes through the standard
        library's unspecialised `_allocateBufferUninitialized`, which looks up `_ContiguousArrayStorage`'s
        metadata each time (≈ 650 instructions, a fifth of the 2-2-1 step's profile). Array literals
        avoid it, so results of up to eight elements use one (Note [Small storage]; −10 % instructions
        on the 2-2-1 step).

        ### One rule per op, two algebras: what the first order paid

        The rewrite that made every rule differentiable (Docs/Architecture.md, Note [One rule, two
        algebras]) runs the first-order pass through the same generic rules as the recorded one. Its
        cost, in instructions (callgrind, the same binary protocol on both sides; the old code is commit
        1617d85 built the same way; the profiles include process start-up, ≈ 10 M):

        | profile | before (1617d85) | after | ratio |
        | --- | ---: | ---: | ---: |
        | `--profile-chain` (20 × 10⁴-op chains: record + reverse + teardown) | 246.5 M | 253.4 M | 1.03 |
        | `--profile-reverse` (100 reverse passes over one 10⁴-op chain) | 277.0 M | 290.4 M | 1.05 |
        | `--profile-ng` (40 steps, 400-25-10, m = 5000) | 10 586 M | 10 662 M | 1.01 |
        | `--profile-mnist` (20 steps, 784-256-10 Float, m = 128) | 1 097.9 M | 1 103.7 M | 1.01 |
        | `--profile-xor` (2 000 steps, 2-2-1) | 77.9 M | 87.0 M | 1.12 |

        (The "after" column includes everything since: anomaly detection's flag tests, the strong zero
        of the masked products, the new ops' enum cases and batched matmul.)

        Records are still 56 bytes. Three things had cost more and were fixed on the way: an in-place
        rule's upstream passed as `consuming` and copied into a `var` kept a second reference, so every
        in-place rule copied its buffer (the reverse profile was 490 M); rules read the input and output
        tensors they do not use (now autoclosures); and matmul's masked products (Note [Masked matmul])
        scanned their result for NaN one element at a time (now 16 lanes at once: ≈ 1 instruction per
        element). The 2-2-1 step keeps ≈ 4 500 instructions more per step (+12 %): about 30 tiny ops
        whose rules now go through the algebra's generic witnesses (each call a few dozen instructions)
        and a few more generic metadata look-ups; in time it is within the noise of this machine
        (3.3–5.1 µs against 2.7–3.6 µs for the old code over five runs).

        ### Anomaly detection, off and on

        Off, anomaly detection is one test of a flag per record and one per adjoint contribution
        (Note [Anomaly detection]): callgrind counts 251.3 M → 251.8 M instructions for
        `--profile-chain` (+0.2 %), 85.4 M → 86.0 M for `--profile-xor` (+0.7 %) and 286.8 M →
        286.3 M for `--profile-reverse` — below the noise of any timing here. On (`.collect`), every
        value is scanned and every record keeps its caller's line in a dictionary: the chain
        figure above gives its cost per op.

        ## Method

        - One executable, `swift run -c release Benchmarks` (`--quick` for CI, `--json` for JSON lines,
          `--write-docs` for this page and the chart; `--mlp` or `--torch` for one section alone). NumPy
          runs as a child process in the same run: `numpy_gemm.py` with `OPENBLAS_NUM_THREADS` = the
          thread count of the row, run for each (dtype, n, threads) just before ours so that both see the
          same load. `mlp.py --impl numpy|torch|jax_jit` runs with the python of `$BACKPROP_TORCH_PYTHON`
          (else `python3`), per net and thread count just before our step at that count, with
          `OPENBLAS_NUM_THREADS`, `OMP_NUM_THREADS`, `PEERS_THREADS` and (at one thread) XLA's
          intra-op pool set to it; an implementation whose library does not import is skipped with a note. PyTorch eager runs
          `torch_steps.py` (found as `$BACKPROP_TORCH_PYTHON`, else `python3`/`python` on PATH that imports
          torch; skipped with a note when there is none, as on CI) with `PEERS_THREADS` = the row's
          thread count, once per thread count, just before our three steps at that count.
        - Timing as in the peers: two warm-up calls, an inner repetition count that lasts 0.1–0.3 s, best
          (and median) of 3–7 samples. Ratios use best against best.
        - GEMM flops are 2n³ for C = A·B on both sides; ours is called through the public
          `gemm(transposeA:transposeB:…)` on n × n row-major buffers.
        - The training steps build a new tape per step (forward, fused loss, `tape.gradient`, in-place
          SGD on the parameter tensors), the way a user of the library writes them.
        - The machine is shared with other engineers' builds; figures move by 10–30 % between runs, and
          NumPy's two-thread training steps move the most (OpenBLAS's threads contend with the builds:
          up to ±50 % between runs), so read the training-step ratios as a range around the figure.

        """
    }
}
