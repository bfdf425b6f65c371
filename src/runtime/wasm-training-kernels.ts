import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc, NamedAttrMap } from '@tensorflow/tfjs';
import { conv2DBackpropFilterKernel, conv2DBackpropInputKernel } from './wasm-kernels/conv2d-backprop.ts';
import {
  depthwiseBackpropFilterKernel,
  depthwiseBackpropInputKernel,
} from './wasm-kernels/depthwise-backprop.ts';
import { registerTileFreeBatchNormGradient } from './wasm-kernels/batch-norm-grad.ts';
import { leadingAxesReduce } from './wasm-kernels/leading-axes-reduce.ts';
import { zeroCopyIdentity } from './wasm-kernels/zero-copy-identity.ts';

/**
 * Makes training work, and run at XNNPACK speed, on the wasm backend (tfjs-backend-wasm 4.22).
 *
 * Missing in wasm, added here (each one or a few XNNPACK convolutions, no per-element JS):
 *   Conv2DBackpropFilter, DepthwiseConv2dNativeBackpropFilter, DepthwiseConv2dNativeBackpropInput.
 * Present but slow, replaced (the original stays the fallback for what ours does not cover):
 *   Conv2DBackpropInput (a scalar C++ loop, 3–9x slower; NCHW still goes to it),
 *   Sum and Mean over leading axes (wasm transposes first; ours is one average pooling),
 *   Identity (wasm copies; ours shares the buffer, as the cpu backend does).
 * Gradient: FusedBatchNorm's, without its full-size Tile (bit-identical values).
 * Everything else training conv/depthwise/batch-norm/dense/relu/pooling nets needs exists in wasm.
 */
type Override = (original: KernelFunc | undefined) => KernelFunc;

const nhwcOrOriginal =
  (fast: KernelFunc): Override =>
  (original) =>
  (args) =>
    original === undefined || (args.attrs as NamedAttrMap).dataFormat === 'NHWC'
      ? fast(args)
      : original(args);

const OVERRIDES: readonly (readonly [string, Override])[] = [
  ['Conv2DBackpropFilter', () => conv2DBackpropFilterKernel],
  ['Conv2DBackpropInput', nhwcOrOriginal(conv2DBackpropInputKernel)],
  ['DepthwiseConv2dNativeBackpropFilter', () => depthwiseBackpropFilterKernel],
  ['DepthwiseConv2dNativeBackpropInput', () => depthwiseBackpropInputKernel],
  ['Sum', (original) => leadingAxesReduce('Sum', required(original, 'Sum'))],
  ['Mean', (original) => leadingAxesReduce('Mean', required(original, 'Mean'))],
  ['Identity', (original) => zeroCopyIdentity(required(original, 'Identity'))],
];

function required(kernel: KernelFunc | undefined, name: string): KernelFunc {
  if (kernel === undefined) throw new Error(`wasm kernel ${name} is not registered`);
  return kernel;
}

let registered = false;

/** Registers the kernels above for the wasm backend and the Tile-free batch-norm gradient; idempotent. */
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  for (const [kernelName, override] of OVERRIDES) {
    const original: KernelConfig | undefined = tf.getKernel(kernelName, 'wasm');
    // Unregister first so tfjs does not warn; keep wasm's setupFunc, which binds the C++ entry
    // point the fallback path calls (it runs again if the backend is ever re-initialised).
    if (original !== undefined) tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel({
      kernelName,
      backendName: 'wasm',
      setupFunc: original?.setupFunc,
      kernelFunc: override(original?.kernelFunc),
    });
  }
  registerTileFreeBatchNormGradient();
  registered = true;
}
