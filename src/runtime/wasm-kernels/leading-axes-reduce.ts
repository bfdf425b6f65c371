import * as tf from '@tensorflow/tfjs';
import type { KernelBackend, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import { withWasmOps } from './wasm-ops.ts';

/**
 * Sum/Mean over the LEADING axes of a float tensor (batch-norm statistics and gradients, bias
 * gradients: [N,H,W,C] → [C]) as one XNNPACK average pooling over an [1, A, B, C] view. wasm's own
 * Sum/Mean first transpose the reduced axes innermost — a full scalar transpose per call, which made
 * reductions the largest cost of a batch-norm net's step. Other reductions go to the original kernel.
 */
export function leadingAxesReduce(kind: 'Sum' | 'Mean', original: KernelFunc): KernelFunc {
  return (args) => {
    const x = args.inputs.x as TensorInfo;
    const attrs = args.attrs as NamedAttrMap;
    const rank = x.shape.length;
    const axes = tf.util.parseAxisParam(attrs.axis as number | number[], x.shape).sort((a, b) => a - b);
    const k = axes.length;
    const leading = k > 0 && k < rank && axes.every((a, i) => a === i);
    if (!leading || x.dtype !== 'float32' || tf.util.sizeFromShape(x.shape) === 0) return original(args);
    const reduced = x.shape.slice(0, k);
    const kept = x.shape.slice(k);
    const count = tf.util.sizeFromShape(reduced);
    const a = k === 1 ? reduced[0] : tf.util.sizeFromShape(reduced.slice(0, -1));
    const b = k === 1 ? 1 : reduced[k - 1];
    const outShape = attrs.keepDims === true ? [...reduced.map(() => 1), ...kept] : kept;
    const backend = args.backend as KernelBackend;
    return withWasmOps(backend, (ops) => {
      const view = ops.reshape(x, [1, a, b, tf.util.sizeFromShape(kept)]);
      const mean = ops.avgPool(view, [a, b]);
      return ops.reshape(kind === 'Mean' ? mean : ops.mulScalar(mean, count), outShape);
    });
  };
}
