import type { KernelBackend, KernelFunc, TensorInfo } from '@tensorflow/tfjs';

/**
 * Identity (tensor.clone(), the Cast gradient, customGrad bookkeeping: ~300 calls per training
 * step of a batch-norm net) as a shared, reference-counted buffer, the way tfjs-backend-cpu and
 * wasm's own Reshape already do it. wasm's Identity mallocs and copies every time. Sharing is sound
 * because tfjs tensors are immutable and no wasm kernel writes into its inputs.
 */
export function zeroCopyIdentity(original: KernelFunc): KernelFunc {
  return (args) => {
    const x = args.inputs.x as TensorInfo;
    if (x.dtype === 'string') return original(args);
    (args.backend as KernelBackend).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
}
