import * as tf from '@tensorflow/tfjs';

/**
 * Multiply-accumulates a computation performs, counted from the kernels tfjs actually runs
 * (`tf.profile`): convolutions (plain and fused) as output elements × kernel height × width × input
 * channels, depthwise convolutions as output elements × kernel area, matrix products as output
 * elements × the shared dimension. Element-wise kernels are not counted. Used to compare models by
 * work per face and to express a measured speed as GMAC/s (how well the kernels use the core).
 */
export async function countMacs(run: () => unknown): Promise<number> {
  const info = await tf.profile(async () => {
    const out = run();
    if (out instanceof Promise) await out;
  });
  return info.kernels.reduce((sum, k) => sum + kernelMacs(k.name, k.inputShapes, k.outputShapes), 0);
}

const product = (shape: readonly number[]): number => shape.reduce((p, d) => p * d, 1);

/** MACs of one kernel call, or 0 for kernels that are not convolutions or matrix products. */
export function kernelMacs(name: string, inputs: readonly number[][], outputs: readonly number[][]): number {
  const out = outputs[0];
  const filter = inputs[1];
  if (out === undefined) return 0;
  switch (name) {
    case 'Conv2D':
    case 'FusedConv2D':
      return filter ? product(out) * filter[0]! * filter[1]! * filter[2]! : 0;
    case 'DepthwiseConv2dNative':
    case 'FusedDepthwiseConv2D':
      return filter ? product(out) * filter[0]! * filter[1]! : 0;
    case 'BatchMatMul':
    case '_FusedMatMul':
    case 'MatMul':
      return inputs[0] ? product(out) * inputs[0].at(-1)! : 0;
    default:
      return 0;
  }
}
