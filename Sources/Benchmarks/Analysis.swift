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
                ceilings += String(format: "| %@ | %d | %.1f | %.1f (%.0f %% of it) | %.1f | %.0f %% |\n",
                                   dtype as NSString, t, pk, ours, 100 * ours / pk, np, 100 * np / pk)
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
        let largest = peerChain.max(by: { $0.ops < $1.ops })
        let chainLine = largest.map { String(format: "%.0f ns/op at %d ops", $0.nsPerOp, $0.ops) } ?? "–"
        let verdict: String
        if let r = largest, let ratio = r.ratio {
            verdict = String(format: "In this run the chain at %d ops took %.1f ns/op against Swift AD's %.1f: **%.2f×**, so the target (≤ 1.0×) is **%@**",
                             r.ops, r.nsPerOp, r.swiftAD!.totalBest / Double(r.ops) * 1e9, ratio, (ratio <= 1 ? "met" : "not met") as NSString)
                + (peerChain.count > 1 ? "; at the smaller sizes the ratios were " + peerChain.dropLast().compactMap { p in p.ratio.map { String(format: "%.2f× (%d ops)", $0, p.ops) } }.joined(separator: ", ") : "")
                + "."
        } else {
            verdict = "Swift AD was not measured in this run, so the target is not judged here."
        }
        let linear: String
        if let first = reverse.first, let last = reverse.last, last.ops > first.ops {
            linear = String(format: "The reverse pass alone went from %.1f to %.1f ns/op over %d → %d ops (%@ linear: ns/op within 2×).",
                            first.nsPerOp, last.nsPerOp, first.ops, last.ops, (last.nsPerOp < 2 * first.nsPerOp ? "so" : "NOT") as NSString)
        } else {
            linear = ""
        }
        return """
        ## What limits the figures

        ### GEMM: C micro-kernels, Swift everything else

        The loop nest (`Sources/Tensors/GEMM.swift`) is Goto's, in Swift: kc = 256 k-blocks, mc ≤ 96-row
        blocks of A packed per thread, nc = 2048-column panels of B packed into nr-wide slivers, transposed
        operands absorbed by the packing, row blocks split over threads with `DispatchQueue.concurrentPerform`
        (products under 2²⁰ multiply-adds or with fewer than 4096 outputs stay on one thread), and the
        defining loop for products under 4096 multiply-adds. Only the register tile is a micro-kernel, in the
        one C target (`Sources/CKernels`), each function under `__attribute__((target(…)))` and chosen once by
        CPUID and XGETBV (`GEMMKernels.active`, Docs/Architecture.md): AVX-512F 12 × 16 Double / 12 × 32 Float
        (24 zmm accumulators, two B vectors and one broadcast A value per step: 27 of the 32 registers), AVX2
        6 × 8 / 6 × 16 (12 ymm accumulators). Each lane is one element of C and receives its k products by one
        `vfmadd231` each, in increasing p: the chain the reference loop and the δ-rule oracle compute, so the
        bits are those of every other path. The kernel prefetches the C tile the next call will touch (1
        thread, n = 2048 Double: 40.7 → 43.3 GFLOP/s). Two details mattered: clang does not unroll a 12-row
        loop over an array of `__m512d` by itself, and keeps the accumulators on the stack (21 GFLOP/s);
        `#pragma clang loop unroll(full)` puts all 24 in registers (56 GFLOP/s in L1).

        The ceiling is the kernel itself with its operands in L1 (Note [Kernel peak]): one zmm FMA per cycle
        on this core, as the two-thread figure (twice one thread) confirms. Against it:

        | dtype | threads | kernel peak GFLOP/s | ours, best n ≥ 256 | NumPy, best n ≥ 256 | NumPy / kernel peak |
        | --- | ---: | ---: | ---: | ---: | ---: |
        \(ceilings)
        What the blocked GEMM loses against its kernel: each k-block after the first reloads the partial sums
        of C and stores them again (Double, n = 2048: eight passes over a 32 MB C, the loads at the start of
        each tile, which the prefetch only partly hides), the packing of A and B (O(n²) per panel, on one
        thread for B), and edge tiles (n not a multiple of 16 or 32 runs a scratch tile). kc = 128, 192, 256,
        320 and 384 and mc = 96, 144, 192 were measured: within the machine's noise of each other, so the
        SSE2-era blocking stays. OpenBLAS has the same structure and sits at about the same fraction of the
        peak, so the ratio is near 1 at one thread; at two threads both sides also share the machine with
        other builds (rows marked † are left out of the verdicts).

        Before this kernel, the package had only Swift's baseline SSE2 (`mulpd` + `addpd`, no FMA, no
        broadcast load): 18–24 GFLOP/s Double at best, 0.45× NumPy, a ceiling set by the instruction set
        (the SSE2 peak is in the table above). The Swift kernel is still there for every CPU the C kernels do
        not serve, and still gives the same bits: on arm64 its `addingProduct` is NEON's `fmla`; on an x86-64
        without FMA it is a call to libm's `fma` per element pair (0.8 GFLOP/s here when forced, the row
        `swift` in the table above).

        ### Training steps against NumPy, PyTorch and JAX jit

        First profiled before the C micro-kernels, with `perf record -g .build/release/Benchmarks --profile-ng 40`
        (and `--profile-mnist 600`, `--profile-xor 300000`: one network's step repeated, nothing else, all
        threads), self time by symbol, grouped:

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

        - **400-25-10 and 784-256-10 were GEMM-bound**, and the GEMM was slow on their shapes, not just
          on SSE2: 4–6 GFLOP/s on one thread for X·W₁ ([5000, 400]·[400, 25]) and Xᵀ·δ₂ ([400, 5000]·[5000,
          25]) against ≈ 12 with 256 columns, because the packed copy of X was used for only 25 columns of
          work per element. Three GEMM changes followed, each measured on the 400-25-10 step (ms, best,
          this shared machine): the AVX-512 micro-kernel (≈ 19–22 → 15.9 at all threads), reading A in
          place for skinny products (Note [Unpacked A]: 15.9 → 13.2), and, at two threads, a private
          copy of the small B per thread so that the k = 5000 product is one hand-off instead of twenty
          (Note [Private B]: 9.2 → 7.2). perf now puts ≈ 51 % of that step in the micro-kernel, ≈ 6 % in
          packing, ≈ 13 % in glibc's `exp`/`log1p` and `sigmoid`, and ≈ 11 % in the kernel's wake-ups of
          idle threads (before Note [Private B]). JAX's jitted step (XLA's AVX-512 kernels, the
          element-wise work fused into them) stays the fastest peer for 400-25-10 (≈ 6 ms); for
          784-256-10 NumPy, PyTorch and JAX are within noise of each other (0.8–1.5 ms).
        - **Element-wise work was the next share, and is now vectorised**: with the GEMM 2–3× faster,
          glibc's `exp`/`log1p` and the sigmoid were ≈ 13 % of the 400-25-10 step and ≈ 20 % of the LSTM
          step. Backprop now has its own exp, expm1, log, log1p, tanh and σ (Note [One polynomial],
          Docs/Architecture.md): one sequence of fused multiply-adds per element, compiled in C for AVX-512
          and AVX2 and for one FMA lane, and written out in Swift, so every path gives the same bits and the
          rank-0 path equals the tensor path; the cross-entropy forward and backward and softplus go
          through the vector kernels too. A kernel costs 0.55–1.7 ns per element here against 6–16 ns for
          glibc's one-element functions. perf afterwards: `bp_sigmoid`, `bp_log1p` and `bp_exp` together
          ≈ 2 % of the 400-25-10 step; `bp_tanh` and `bp_sigmoid` ≈ 2.4 % of the LSTM step. The ng step
          went from 1.45× and 1.36× JAX jit (1 and 2 threads) to below 1.0× in the run after the change.
          The same profile of the LSTM step showed the slice adjoint's `addInPlace(atOffset:)` running
          unspecialised (a protocol-witness `+=` per element and a copy, ≈ 10 % of the step); it and the
          other generic copies (`transposed`, `reshaped`, `sliced`, `padded`, `mean`, `max(alongAxis:)`) are
          now `@_specialize`d for Float and Double.
        - **Page faults: the heap's history, not the step** (Notes [Scratch cache], [Freed pages]). The
          8–9 % above was the kernel zeroing fresh pages. Counted (minor faults per step in steady state,
          `getrusage`: the faults/step column of the benchmark's training table, `page_faults_per_step`
          in its JSON, and `--profile-ng|--profile-mnist N --threads T --report`), a step faults either
          ≈ 659 pages (400-25-10) or ≈ 90–180 (784-256-10), or none, and fresh runs of the same binary
          give either, at 1 or 2 threads. The pages are the step's tensors (Swift arrays: matmul outputs,
          `addingBias`, `sigmoid`, the loss, and the copy of W₁ that SGD
          makes while the tape still shares it), not the GEMM's buffers: glibc trims its heap's top
          after a step when more than twice the largest mmapped block freed so far lies free there, unless
          some long-lived block happens to sit above. In the full benchmark (`--mlp`), reading mlp.py's
          16 MB start raised that threshold, and every row showed 0 faults per step, before and after.
          Two changes: the GEMM takes its packing buffers from a bounded pool kept across calls (8 MiB,
          8 blocks), which takes its allocations out of the step but did not move the counts (glibc had
          been reusing those blocks within the heap); and `MallocTuning.retainFreedMemory(upTo:)`, which
          an application may call once at start-up (the library does not: the setting is process-wide),
          or `GLIBC_TUNABLES`, which make every run fault-free. Ten fresh runs per cell (`--report`,
          150 or 1000 steps; best ms per step, median over runs; faults per step; system CPU ms per step,
          median of the faulting runs, then of the others):

          | step, threads | before: faults, ms, system ms | pool: faults, ms | pool + retainFreedMemory: faults, ms, system ms |
          | --- | --- | --- | --- |
          | 400-25-10, 1 | 659 in 4 runs, 0 in 6; 12.0; 1.87 / 0.004 | 659 in 4, 0 in 6; 12.4 | 0 in 10; 11.5; 0.002 |
          | 400-25-10, 2 | 659 in 4, 0 in 6; 8.9; 2.35 / 0.55 | 0 in 10; 8.2 | 0 in 10; 8.7; 0.43 |
          | 784-256-10, 1 | 94 in 10; 1.32; 0.31 | 90–180 in 10; 1.36 | 0 in 10; 1.36; 0.000 |
          | 784-256-10, 2 | 7–176; 1.22; 0.61 / 0.23 | 15–176; 1.23 | 0 in 10; 1.24; 0.19 |

          A faulting 400-25-10 step spends ≈ 1.9 ms in the kernel (≈ 2.8 µs per page, this VM) on top of
          ≈ 12 ms; the wall-clock bests on this shared machine are within noise of each other (the other
          columns are the kernel's own accounting; at 2 threads system time also counts the wake-ups of
          idle threads).
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
        hand-written SIMD was added there. The transcendental maps (`exp`, `expm1`, `log`, `log1p`,
        `tanh`, sigmoid) did not vectorise, since glibc has no vector `exp` for SSE2; they are now
        Backprop's own functions, one polynomial compiled in C for AVX-512 and AVX2 and in Swift for
        everything else, with the same bits on every path (Note [One polynomial]). `sum()` keeps its documented order (one sequential chain), so it cannot use
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
          element-wise gates (`sigmoid`, `tanh`: ≈ 12 % with libm one element at a time, ≈ 2.4 % since
          the vector kernels) and the small per-step tensors (bias adds, their sums, fresh pages) make up
          the rest. PyTorch's CPU LSTM batches
          the input projection of all time steps into one product and runs AVX-512 FMA kernels; the
          `LSTM` layer records 32 separate input products — the same flops, smaller GEMMs — because
          slicing one big projection per step costs a full-size padded adjoint per step (Note [Input
          projection] in RecurrentLayers.swift: 1.8× slower here).

        Not done (left for a follow-up): writing the forward GEMM's rows straight into y's NCHW layout
        per sample (no scatter), a bias fused into the forward GEMM's store, and the transposed
        orientation (colᵀ·Wᵀ, N·H·W rows) that would let conv1's skinny products use both threads.

        ### Tape overhead: the scalar chain against Swift's compiler AD (\(chainLine))

        The chain is the peers' y = tanh(y·a + b) with a and b variables. \(verdict) \(linear)

        Instructions counted with `valgrind --tool=callgrind` on `.build/release/Benchmarks --profile-chain`
        (on a copy made by `objcopy --strip-debug`: valgrind 3.19 cannot read the DWARF 5 that clang writes
        for the C kernels, and gives up)
        (20 × the 10⁴-op chain on a fresh tape: record, reverse, teardown) and `--profile-reverse` (100
        reverse passes over one recorded 10⁴-op chain). Totals include ≈ 14 M of process start-up;
        per op = (total − 14 M) / ops:

        | change | `--profile-chain` | per op | `--profile-reverse` | per op |
        | --- | ---: | ---: | ---: | ---: |
        | before: a `Tensor` (heap array) per rank-0 value and per adjoint, records doubled by allocate-and-copy | 512.8 M | 2 490 | 1 152.8 M | 1 140 |
        | the rank-0 path (Note [Rank-0 path]): records hold rank-0 values unboxed; element-wise ops on rank-0 inputs record through scalar kernels; the first-order pass keeps rank-0 adjoints unboxed and runs the same rules in a third algebra, `Unboxed` (plain scalars) | 129.0 M | 575 | – | – |
        | the record buffer grown by `realloc` (Note [Record buffer]: no copy, no fresh pages for the old part); the flag in the op's tail padding, 56-byte records | 94.2 M | 400 | 221.9 M | 208 |
        | the adjoints in a buffer destroyed slot by slot (the generic `swift_arrayDestroy` made a value-witness call per record); `summed(toShape:)` the identity on scalars | 83.0 M | 345 | 165.9 M | 152 |
        | adjoint slots in zero-filled memory (Note [Adjoint slots]): a scalar program's tensor slots are never touched, unboxed adjoints are 8 bytes and a flag byte | 82.4 M | 341 | 158.4 M | 144 |
        | 40-byte records: values of rank ≥ 1 in the tape's tensor table, the record holds the index or the rank-0 value; teardown skips every element-wise record | 81.5 M | 337 | 159.4 M | 145 |

        The price on small tensor graphs: the 2-2-1 step (`--profile-xor`, 2 000 steps) went from 87.1 M
        to 94.3 M instructions (+8 %) — its ≈ 30 records of 2–8 elements pay the tensor table, three
        zero-filled slot buffers and a flag test per record in the reverse pass; not recovered yet.

        The results are the same bits: the first-order fixtures (FirstOrderBitsTests) are unchanged, and
        ScalarPathTests checks every element-wise op's rank-0 path against the tensor path (value, gradient
        and second order) and the chain against its closed-form reverse sweep, bit for bit.

        In time, the last two steps matter more than their instructions: they cut the fresh memory per
        op — the reverse pass's slots from 33 to 9 bytes (the 10⁶-op reverse pass from 25–40 to
        ≈ 16 ns/op), the records from 56 to 40 bytes (the 10⁶-op forward from 55–65 to ≈ 50 ns/op) — and
        the peak RSS of recording and differentiating 10⁶ ops from 103 to 65 MiB (133 MiB before the
        rank-0 path).

        What is left per op (final profile): the reverse pass ≈ 140 instructions (the rule through the
        family's `pullback`, the flag and value of each unboxed adjoint), recording ≈ 80 (the operator, the
        same-tape check, the record written in place), `swift_retain`/`swift_release` ≈ 40 — each variable
        holds the tape strongly, which is what frees the tape when its last variable goes (the ownership
        the API promises), so it stays — and libm's `tanh` ≈ 35, the arithmetic itself (`swift_plain`, the
        chain on plain Doubles, takes about 11 ns/op, a quarter of Swift AD's time).

        What limits the ratio at 10⁶ ops is memory, not instructions: the chain at 10⁵ ops fits the
        allocator's recycled memory, and there the ratio is below 1; at 10⁶ ops the tape's 40 MB of
        records (and the reverse pass's 9 bytes of slots per op) are pages touched for the first time,
        and on this virtual machine (Firecracker, free pages returned to the host) a first touch is
        expensive: recording 10⁶ ops takes ≈ 10 000 minor page faults and ≈ 40 ms of system time,
        and the forward pass goes from ≈ 25 ns/op at 10⁵ ops to ≈ 50 at 10⁶ (Swift AD's, whose closure
        contexts come from the same allocator, from ≈ 35 to ≈ 58). Checked with glibc told
        to keep its memory (`MALLOC_MMAP_THRESHOLD_`, `MALLOC_TRIM_THRESHOLD_`, `MALLOC_TOP_PAD_` set
        high, on an earlier build of this work): the 10⁶-op forward then stayed at 34 ns/op. Two things tried
        and not kept, because they did not pay here: `madvise(MADV_HUGEPAGE)` on the buffers (the VM
        gives no transparent huge pages: `AnonHugePages` stays 0) and `MADV_POPULATE_WRITE` (the same
        number of faults). What would pay next: fewer bytes per op still — records in
        structure-of-arrays form, an op code and two 32-bit input indices in fixed fields and the
        rank-0 value beside them (≈ 20 bytes), the rarer ops' payloads in a side table — or keeping a
        dropped tape's buffer for the next tape (which trades against memory being released with the tape).

        The earlier workload, y ← y·0.999 + 0.001 with constants (no variables but x), had gone from
        10 500 to 1 230 instructions per op before this work, by the steps below:

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
        | `--profile-chain` (then the constant chain: 20 × 10⁴-op chains, record + reverse + teardown) | 246.5 M | 253.4 M | 1.03 |
        | `--profile-reverse` (then over one 10⁴-op constant chain, 100 passes) | 277.0 M | 290.4 M | 1.05 |
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
        (Note [Anomaly detection]): callgrind counted, on the constant chain of the time, 251.3 M → 251.8 M instructions for
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
          `gemm(transposeA:transposeB:…)` on n × n row-major buffers, with the widest micro-kernel this
          machine has; the narrower ones (`GEMMKernels.active` set for the measurement) are timed on the
          same products at one thread.
        - The training steps build a new tape per step (forward, fused loss, `tape.gradient`, in-place
          SGD on the parameter tensors), the way a user of the library writes them.
        - The machine is shared with other engineers' builds; figures move by 10–30 % between runs, and
          NumPy's two-thread training steps move the most (OpenBLAS's threads contend with the builds:
          up to ±50 % between runs), so read the training-step ratios as a range around the figure.

        """
    }
}
