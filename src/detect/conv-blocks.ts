import * as tf from '@tensorflow/tfjs';

/**
 * The layer blocks BridgeFace's two small detection-side nets are built from (small-face-net.ts,
 * roll-net.ts): BatchNorm + ReLU after every convolution (no biases: BatchNorm folds into them for
 * inference), and the depthwise-separable block. Layer names are `<name>_dw`, `<name>_pw`, each with
 * `_bn` and `_relu`, which checkpoints and the BatchNorm folding rely on.
 */

/** A seeded initializer factory: each call gives the next seed. */
export type Initializer = () => ReturnType<typeof tf.initializers.heNormal>;

export function seededHeNormal(seed: number): Initializer {
  let s = seed;
  return () => tf.initializers.heNormal({ seed: s++ });
}

export function bnRelu(x: tf.SymbolicTensor, name: string): tf.SymbolicTensor {
  const y = tf.layers.batchNormalization({ name: `${name}_bn`, momentum: 0.9, epsilon: 1e-3 }).apply(x);
  return tf.layers.reLU({ name: `${name}_relu` }).apply(y) as tf.SymbolicTensor;
}

/** Depthwise k x k (stride s) + BN + ReLU, then pointwise to `filters` + BN + ReLU. */
export function separableBlock(
  x: tf.SymbolicTensor,
  o: { name: string; kernelSize: number; strides: number; filters: number; init: Initializer },
): tf.SymbolicTensor {
  let y = tf.layers
    .depthwiseConv2d({
      name: `${o.name}_dw`,
      kernelSize: o.kernelSize,
      strides: o.strides,
      padding: 'same',
      useBias: false,
      depthwiseInitializer: o.init(),
    })
    .apply(x) as tf.SymbolicTensor;
  y = bnRelu(y, `${o.name}_dw`);
  y = tf.layers
    .conv2d({
      name: `${o.name}_pw`,
      filters: o.filters,
      kernelSize: 1,
      useBias: false,
      kernelInitializer: o.init(),
    })
    .apply(y) as tf.SymbolicTensor;
  return bnRelu(y, `${o.name}_pw`);
}

/** Rescale RGB 0..255 to [-1, 1], then a 3x3 stride-2 convolution + BN + ReLU: both nets' stem. */
export function rescaledStem(
  input: tf.SymbolicTensor,
  filters: number,
  init: Initializer,
): tf.SymbolicTensor {
  const x = tf.layers
    .rescaling({ scale: 1 / 127.5, offset: -1, name: 'rescale' })
    .apply(input) as tf.SymbolicTensor;
  const y = tf.layers
    .conv2d({
      name: 'stem',
      filters,
      kernelSize: 3,
      strides: 2,
      padding: 'same',
      useBias: false,
      kernelInitializer: init(),
    })
    .apply(x) as tf.SymbolicTensor;
  return bnRelu(y, 'stem');
}
