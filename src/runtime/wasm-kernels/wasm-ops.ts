import * as tf from '@tensorflow/tfjs';
import { planTranspose } from './blocked-transpose.ts';
import type { KernelBackend, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs';

export type Pair = [number, number];
export type ExplicitPad = [[0, 0], Pair, Pair, [0, 0]];

/**
 * Calls the wasm backend's own (XNNPACK / C++) kernels directly from inside a kernel function,
 * bypassing the engine: nothing lands on the gradient tape, no tensors are tracked, and every
 * intermediate is a backend-owned TensorInfo that `dispose()` releases. Only the TensorInfo handed
 * back to the engine survives (`keep`), so the result stays memory the wasm backend owns.
 */
export class WasmOps {
  private readonly temps: TensorInfo[] = [];

  constructor(readonly backend: KernelBackend) {}

  private run(kernelName: string, inputs: NamedTensorInfoMap, attrs: NamedAttrMap = {}): TensorInfo {
    const kernel = tf.getKernel(kernelName, 'wasm');
    if (kernel === undefined) throw new Error(`wasm kernel ${kernelName} is not registered`);
    const out = kernel.kernelFunc({ inputs, backend: this.backend, attrs });
    if (Array.isArray(out)) throw new Error(`wasm kernel ${kernelName} returned several outputs`);
    this.temps.push(out);
    return out;
  }

  /** Hands `info` to the caller (the engine): it is no longer released by `dispose()`. */
  keep(info: TensorInfo): TensorInfo {
    const i = this.temps.lastIndexOf(info);
    if (i < 0) throw new Error('keep: not produced by this WasmOps');
    this.temps.splice(i, 1);
    return info;
  }

  /** Releases every intermediate (reshapes only drop a reference on their shared buffer). */
  dispose(): void {
    for (const t of this.temps.splice(0)) this.backend.disposeData(t.dataId);
  }

  reshape(x: TensorInfo, shape: number[]): TensorInfo {
    return this.run('Reshape', { x }, { shape });
  }

  /** Any transpose, run as the cache-friendly steps of planTranspose. */
  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    const outShape = perm.map((a) => x.shape[a]);
    let out = x;
    for (const step of planTranspose(x.shape, perm)) {
      out = this.run('Transpose', { x: this.reshape(out, step.shape) }, { perm: step.perm });
    }
    return this.reshape(out, outShape);
  }

  /** NHWC convolution; `pad` may be explicit, which is how the backprop kernels place their borders. */
  conv2d(
    x: TensorInfo,
    filter: TensorInfo,
    strides: Pair,
    pad: 'valid' | ExplicitPad,
    dilations: Pair = [1, 1],
  ): TensorInfo {
    return this.run('Conv2D', { x, filter }, { strides, pad, dilations, dataFormat: 'NHWC' });
  }

  depthwise(
    x: TensorInfo,
    filter: TensorInfo,
    strides: Pair,
    pad: 'valid' | ExplicitPad,
    dilations: Pair = [1, 1],
  ): TensorInfo {
    return this.run('DepthwiseConv2dNative', { x, filter }, { strides, pad, dilations, dataFormat: 'NHWC' });
  }

  matMul(a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): TensorInfo {
    return this.run('BatchMatMul', { a, b }, { transposeA, transposeB });
  }

  slice(x: TensorInfo, begin: number[], size: number[]): TensorInfo {
    return this.run('Slice', { x }, { begin, size });
  }

  pad(x: TensorInfo, paddings: Pair[]): TensorInfo {
    return this.run('PadV2', { x }, { paddings, constantValue: 0 });
  }

  /** Valid average pooling with one window of `filterSize`. */
  avgPool(x: TensorInfo, filterSize: Pair): TensorInfo {
    return this.run('AvgPool', { x }, { filterSize, strides: [1, 1], pad: 'valid' });
  }

  mulScalar(x: TensorInfo, value: number): TensorInfo {
    const b: TensorInfo = {
      dataId: this.backend.write(Float32Array.of(value), [], 'float32'),
      shape: [],
      dtype: 'float32',
    };
    this.temps.push(b);
    return this.run('Multiply', { a: x, b });
  }

  reverse(x: TensorInfo, dims: number[]): TensorInfo {
    return this.run('Reverse', { x }, { dims });
  }

  sum(x: TensorInfo, axis: number[]): TensorInfo {
    return this.run('Sum', { x }, { axis, keepDims: false });
  }
}

/** Runs `body` with a fresh WasmOps; the returned TensorInfo is kept, every other intermediate released. */
export function withWasmOps(backend: KernelBackend, body: (ops: WasmOps) => TensorInfo): TensorInfo {
  const ops = new WasmOps(backend);
  try {
    return ops.keep(body(ops));
  } finally {
    ops.dispose();
  }
}
