import type {
  DepthwiseConv2dNativeBackpropFilterAttrs,
  DepthwiseConv2dNativeBackpropInputAttrs,
  KernelBackend,
  KernelFunc,
  TensorInfo,
} from '@tensorflow/tfjs';
import { convGeometry, spanPad } from './conv-geometry.ts';
import { withWasmOps } from './wasm-ops.ts';
import type { WasmOps } from './wasm-ops.ts';

interface KernelArgs<I extends string, A> {
  inputs: Record<I, TensorInfo>;
  backend: KernelBackend;
  attrs: A;
}

/**
 * dW[a,b,c,m] = Σ_{n,i,j} x[n, i·s+a−pt, j·s+b−pl, c] · dy[n,i,j,c·M+m], as ONE XNNPACK depthwise
 * convolution with the batch folded into the channels: x as [1,H,W,C·N], dy as the filter
 * [Ho,Wo,C·N,M], the forward stride becoming the dilation; then a sum over n.
 */
function depthwiseBackpropFilter(
  args: KernelArgs<'x' | 'dy', DepthwiseConv2dNativeBackpropFilterAttrs>,
): TensorInfo {
  const { x, dy } = args.inputs;
  const { strides, dilations, pad, dimRoundingMode, filterShape } = args.attrs;
  const g = convGeometry(x.shape, filterShape, strides, dilations, pad, dimRoundingMode, true);
  const [kh, kw, c, m] = filterShape;
  const n = g.batch;
  return withWasmOps(args.backend, (ops) => {
    const xF = ops.reshape(ops.transpose(x, [1, 2, 3, 0]), [1, g.inH, g.inW, c * n]);
    const dyF =
      m === 1
        ? ops.reshape(ops.transpose(dy, [1, 2, 3, 0]), [g.outH, g.outW, c * n, 1])
        : ops.reshape(ops.transpose(ops.reshape(dy, [n, g.outH, g.outW, c, m]), [1, 2, 3, 0, 4]), [
            g.outH,
            g.outW,
            c * n,
            m,
          ]);
    const h = spanPad(g.inH, g.padTop, g.outH, g.sh, kh);
    const w = spanPad(g.inW, g.padLeft, g.outW, g.sw, kw);
    let out = ops.depthwise(xF, dyF, [1, 1], [[0, 0], h.pad, w.pad, [0, 0]], [g.sh, g.sw]);
    if (h.extra > 0 || w.extra > 0) out = ops.slice(out, [0, 0, 0, 0], [1, kh, kw, c * n * m]);
    return ops.reshape(ops.sum(ops.reshape(out, [kh, kw, c, n, m]), [3]), filterShape);
  });
}

/**
 * dx = depthwise correlation of dy (zeros interleaved for strides > 1, borders padded) with the
 * 180°-rotated filter over all C·M channels, then a sum over the channel multiplier.
 */
function depthwiseBackpropInput(
  args: KernelArgs<'dy' | 'filter', DepthwiseConv2dNativeBackpropInputAttrs>,
): TensorInfo {
  const { dy, filter } = args.inputs;
  const { strides, dilations, pad, dimRoundingMode, inputShape } = args.attrs;
  const g = convGeometry(inputShape, filter.shape, strides, dilations, pad, dimRoundingMode, true);
  const [kh, kw, c, m] = filter.shape;
  return withWasmOps(args.backend, (ops) => {
    const rotated = ops.reshape(ops.reverse(filter, [0, 1]), [kh, kw, c * m, 1]);
    const dyD = interleaveZeros(ops, dy, g.sh, g.sw);
    const h = spanPad(dyD.shape[1], kh - 1 - g.padTop, kh, 1, g.inH);
    const w = spanPad(dyD.shape[2], kw - 1 - g.padLeft, kw, 1, g.inW);
    let out = ops.depthwise(dyD, rotated, [1, 1], [[0, 0], h.pad, w.pad, [0, 0]]);
    if (h.extra > 0 || w.extra > 0) out = ops.slice(out, [0, 0, 0, 0], [g.batch, g.inH, g.inW, c * m]);
    if (m === 1) return out;
    return ops.sum(ops.reshape(out, [g.batch, g.inH, g.inW, c, m]), [4]);
  });
}

/**
 * [N,H,W,C] → [N,H·sh,W·sw,C] with each value followed by sh−1 zero rows and sw−1 zero columns
 * (the trailing zeros only ever meet the cropped border). Zero-copy reshapes around two pads.
 */
function interleaveZeros(ops: WasmOps, t: TensorInfo, sh: number, sw: number): TensorInfo {
  if (sh === 1 && sw === 1) return t;
  const [n, h, w, c] = t.shape;
  let out = t;
  if (sw > 1) {
    out = ops.pad(ops.reshape(out, [n * h, w, 1, c]), [
      [0, 0],
      [0, 0],
      [0, sw - 1],
      [0, 0],
    ]);
  }
  if (sh > 1) {
    out = ops.pad(ops.reshape(out, [n, h, 1, w * sw * c]), [
      [0, 0],
      [0, 0],
      [0, sh - 1],
      [0, 0],
    ]);
  }
  return ops.reshape(out, [n, h * sh, w * sw, c]);
}

export const depthwiseBackpropFilterKernel = depthwiseBackpropFilter as unknown as KernelFunc;
export const depthwiseBackpropInputKernel = depthwiseBackpropInput as unknown as KernelFunc;
