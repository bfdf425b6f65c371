import type {
  Conv2DBackpropFilterAttrs,
  Conv2DBackpropInputAttrs,
  KernelBackend,
  KernelFunc,
  TensorInfo,
} from '@tensorflow/tfjs';
import { convGeometry, spanPad } from './conv-geometry.ts';
import type { ConvGeometry } from './conv-geometry.ts';
import { withWasmOps } from './wasm-ops.ts';
import type { WasmOps } from './wasm-ops.ts';

interface KernelArgs<I extends string, A> {
  inputs: Record<I, TensorInfo>;
  backend: KernelBackend;
  attrs: A;
}

function assertNhwc(dataFormat: string): void {
  if (dataFormat !== 'NHWC') throw new Error(`wasm training kernels support NHWC only, got ${dataFormat}`);
}

/**
 * dW[a,b,ci,co] = Σ_{n,i,j} x[n, i·s+a−pt, j·s+b−pl, ci] · dy[n,i,j,co], computed as ONE XNNPACK
 * convolution: x transposed to [Ci,H,W,N] (batch Ci, channels N) correlated with dy transposed to
 * [Ho,Wo,N,Co] used as the filter, the forward stride becoming the dilation. No strided slicing.
 * A 1x1 stride-1 filter gradient is a plain matMul over [N·H·W, C] reshapes.
 */
function conv2DBackpropFilter(args: KernelArgs<'x' | 'dy', Conv2DBackpropFilterAttrs>): TensorInfo {
  const { x, dy } = args.inputs;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = args.attrs;
  assertNhwc(dataFormat);
  const g = convGeometry(x.shape, filterShape, strides, 1, pad, dimRoundingMode, false);
  return withWasmOps(args.backend, (ops) => {
    if (g.kh === 1 && g.kw === 1 && g.sh === 1 && g.sw === 1 && g.padTop === 0 && g.padLeft === 0) {
      const rows = g.batch * g.inH * g.inW;
      const x2 = ops.reshape(x, [rows, g.inC]);
      const dy2 = ops.reshape(dy, [rows, g.outC]);
      // wasm's matMul reaches XNNPACK only untransposed (transposeA is a scalar loop, ~10x slower):
      // transpose the narrower operand explicitly, and the tiny [Co, Ci] result if that was dy.
      if (g.inC <= g.outC)
        return ops.reshape(ops.matMul(ops.transpose(x2, [1, 0]), dy2, false, false), filterShape);
      const dWT = ops.matMul(ops.transpose(dy2, [1, 0]), x2, false, false);
      return ops.reshape(ops.transpose(dWT, [1, 0]), filterShape);
    }
    const xT = ops.transpose(x, [3, 1, 2, 0]);
    const dyT = ops.transpose(dy, [1, 2, 0, 3]);
    const h = spanPad(g.inH, g.padTop, g.outH, g.sh, g.kh);
    const w = spanPad(g.inW, g.padLeft, g.outW, g.sw, g.kw);
    let out = ops.conv2d(xT, dyT, [1, 1], [[0, 0], h.pad, w.pad, [0, 0]], [g.sh, g.sw]);
    if (h.extra > 0 || w.extra > 0) out = ops.slice(out, [0, 0, 0, 0], [g.inC, g.kh, g.kw, g.outC]);
    return ops.transpose(out, [1, 2, 0, 3]);
  });
}

/**
 * dx = dy correlated with the 180°-rotated, in/out-swapped filter: for stride 1 one XNNPACK
 * convolution with explicit borders (1x1: one matMul). For stride s > 1 a polyphase form avoids
 * convolving the s²-times larger zero-interleaved dy: output row y = s·q + r − pt only sees taps
 * a ≡ r (mod s), so ONE convolution of dy with a ⌈k/s⌉² filter whose s²·Ci output channels are the
 * s² phases gives every phase at once, and a last-axis-preserving transpose interleaves them.
 * Replaces wasm's own Conv2DBackpropInput, a scalar C++ loop (3–9x slower here).
 */
function conv2DBackpropInput(args: KernelArgs<'dy' | 'filter', Conv2DBackpropInputAttrs>): TensorInfo {
  const { dy, filter } = args.inputs;
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = args.attrs;
  assertNhwc(dataFormat);
  const g = convGeometry(inputShape, filter.shape, strides, 1, pad, dimRoundingMode, false);
  return withWasmOps(args.backend, (ops) => {
    if (g.kh === 1 && g.kw === 1 && g.sh === 1 && g.sw === 1 && g.padTop === 0 && g.padLeft === 0) {
      const rows = g.batch * g.inH * g.inW;
      // wasm's matMul only takes XNNPACK's path untransposed: transpose the (tiny) filter instead.
      const wT = ops.transpose(ops.reshape(filter, [g.inC, g.outC]), [1, 0]);
      return ops.reshape(ops.matMul(ops.reshape(dy, [rows, g.outC]), wT, false, false), inputShape);
    }
    if (g.sh === 1 && g.sw === 1) {
      const rotated = ops.transpose(ops.reverse(filter, [0, 1]), [0, 1, 3, 2]);
      const h = spanPad(g.outH, g.kh - 1 - g.padTop, g.kh, 1, g.inH);
      const w = spanPad(g.outW, g.kw - 1 - g.padLeft, g.kw, 1, g.inW);
      const out = ops.conv2d(dy, rotated, [1, 1], [[0, 0], h.pad, w.pad, [0, 0]]);
      if (h.extra === 0 && w.extra === 0) return out;
      return ops.slice(out, [0, 0, 0, 0], [g.batch, g.inH, g.inW, g.inC]);
    }
    return polyphaseBackpropInput(ops, dy, filter, g);
  });
}

function polyphaseBackpropInput(
  ops: WasmOps,
  dy: TensorInfo,
  filter: TensorInfo,
  g: ConvGeometry,
): TensorInfo {
  const { sh, sw, kh, kw, inC, outC } = g;
  const th = Math.ceil(kh / sh);
  const tw = Math.ceil(kw / sw);
  // F[u, v, co, (rh·sw + rw)·Ci + ci] = W[sh·(th−1−u) + rh, sw·(tw−1−v) + rw, ci, co], zero past k.
  let f = ops.pad(filter, [
    [0, sh * th - kh],
    [0, sw * tw - kw],
    [0, 0],
    [0, 0],
  ]);
  f = ops.reverse(ops.reshape(f, [th, sh, tw, sw * inC * outC]), [0, 2]);
  f = ops.transpose(ops.reshape(f, [th * sh * tw * sw, inC, outC]), [0, 2, 1]);
  f = ops.transpose(ops.reshape(f, [th * sh * tw, sw, outC, inC]), [0, 2, 1, 3]);
  f = ops.transpose(ops.reshape(f, [th, sh, tw * outC, sw * inC]), [0, 2, 1, 3]);
  f = ops.reshape(f, [th, tw, outC, sh * sw * inC]);
  // Phase rows q cover output rows s·q − pt; enough of them to reach inH (and at least outH).
  const q = Math.max(Math.ceil((g.inH + g.padTop) / sh), g.outH);
  const v = Math.max(Math.ceil((g.inW + g.padLeft) / sw), g.outW);
  const phases = ops.conv2d(
    dy,
    f,
    [1, 1],
    [
      [0, 0],
      [th - 1, q - g.outH],
      [tw - 1, v - g.outW],
      [0, 0],
    ],
  );
  // [N·Q, V, sh, sw·Ci] → [N·Q, sh, V, sw·Ci] is [N, Q·sh, V·sw, Ci]: the innermost run stays put.
  const z = ops.transpose(ops.reshape(phases, [g.batch * q, v, sh, sw * inC]), [0, 2, 1, 3]);
  const full = ops.reshape(z, [g.batch, q * sh, v * sw, inC]);
  if (g.padTop === 0 && g.padLeft === 0 && q * sh === g.inH && v * sw === g.inW) return full;
  return ops.slice(full, [0, g.padTop, g.padLeft, 0], [g.batch, g.inH, g.inW, inC]);
}

export const conv2DBackpropFilterKernel = conv2DBackpropFilter as unknown as KernelFunc;
export const conv2DBackpropInputKernel = conv2DBackpropInput as unknown as KernelFunc;
