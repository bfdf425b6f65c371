import * as tf from '@tensorflow/tfjs';

/**
 * Two fixed reference networks for 16x16x3 face chips, used to measure training and inference
 * throughput per backend (bench/train.ts) and to test the wasm training kernels end to end.
 * Both end in global average pooling + a dense 128-d embedding.
 *
 * Built with tf.layers rather than raw tf functions: the layer graph is what fold-batch-norm.ts
 * rewrites and what the rest of the project saves/loads; the per-step overhead of layers over raw
 * ops was small next to the kernels in profiles (batch 128).
 *
 * `plain` (180,528 params): 3x3 convs + ReLU, no normalisation.
 *   conv 32 s1 (16²) → conv 64 s2 (8²) → conv 64 s1 → conv 176 s2 (4²) → GAP → dense 128.
 * `mobile` (170,048 params; 165,632 once batch norm is folded), the shape of a fast student:
 *   conv 3x3 32 + BN + ReLU, then five depthwise-separable blocks (dw 3x3 + BN + ReLU,
 *   pw 1x1 + BN + ReLU):
 *   64 s1 (16²) → 128 s2 (8²) → 128 s1 → 256 s2 (4²) → 256 s1 → GAP → dense 128.
 */
export type ReferenceNetName = 'plain' | 'mobile';

export const REFERENCE_NET_NAMES: readonly ReferenceNetName[] = ['plain', 'mobile'];
export const REFERENCE_INPUT_SHAPE: readonly [number, number, number] = [16, 16, 3];
export const REFERENCE_EMBEDDING_DIM = 128;

export function createReferenceNet(name: ReferenceNetName, seed = 1): tf.Sequential {
  return name === 'plain' ? createPlainNet(seed) : createMobileNet(seed);
}

type Initializer = ReturnType<typeof tf.initializers.heNormal>;

function seeded(seed: number): () => Initializer {
  let next = seed * 1000;
  return () => tf.initializers.heNormal({ seed: next++ });
}

function createPlainNet(seed: number): tf.Sequential {
  const init = seeded(seed);
  const conv = (filters: number, strides: number, first = false): tf.layers.Layer =>
    tf.layers.conv2d({
      ...(first ? { inputShape: [...REFERENCE_INPUT_SHAPE] } : {}),
      filters,
      kernelSize: 3,
      strides,
      padding: 'same',
      activation: 'relu',
      kernelInitializer: init(),
    });
  return tf.sequential({
    name: 'plain',
    layers: [
      conv(32, 1, true),
      conv(64, 2),
      conv(64, 1),
      conv(176, 2),
      tf.layers.globalAveragePooling2d({}),
      tf.layers.dense({ units: REFERENCE_EMBEDDING_DIM, kernelInitializer: init() }),
    ],
  });
}

function createMobileNet(seed: number): tf.Sequential {
  const init = seeded(seed);
  const model = tf.sequential({ name: 'mobile' });
  const bnRelu = (): void => {
    model.add(tf.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-3 }));
    model.add(tf.layers.reLU());
  };
  model.add(
    tf.layers.conv2d({
      inputShape: [...REFERENCE_INPUT_SHAPE],
      filters: 32,
      kernelSize: 3,
      padding: 'same',
      useBias: false,
      kernelInitializer: init(),
    }),
  );
  bnRelu();
  const blocks: readonly (readonly [number, number])[] = [
    [64, 1],
    [128, 2],
    [128, 1],
    [256, 2],
    [256, 1],
  ];
  for (const [filters, strides] of blocks) {
    model.add(
      tf.layers.depthwiseConv2d({
        kernelSize: 3,
        strides,
        padding: 'same',
        useBias: false,
        depthwiseInitializer: init(),
      }),
    );
    bnRelu();
    model.add(tf.layers.conv2d({ filters, kernelSize: 1, useBias: false, kernelInitializer: init() }));
    bnRelu();
  }
  model.add(tf.layers.globalAveragePooling2d({}));
  model.add(tf.layers.dense({ units: REFERENCE_EMBEDDING_DIM, kernelInitializer: init() }));
  return model;
}
