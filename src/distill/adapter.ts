import * as tf from '@tensorflow/tfjs';

/**
 * Step 1 of bridge distillation, the feature adapter: a residual MLP on top of the frozen teacher's
 * 128-d embeddings, `a(t) = normalize(t + W2·relu(W1·t + b1) + b2)` (128 → 256 → D, D = 128).
 *
 * - D = 128: equal to the teacher's dimension so the identity shortcut exists and the adapter *starts
 *   at the teacher* (W2 = 0), so step 1 can only move away from the teacher as far as the public data
 *   justifies; it also lets the "raw teacher targets" ablation train the very same student (same D). A
 *   smaller D would save 0.4% of the student's parameters (its last dense layer) and lose both.
 * - The shortcut and the final normalisation are outside the learned weights but inside the saved
 *   graph (an `add` layer); the normalisation is done by `adaptEmbeddings` in src/models/adapter.ts (no custom layers, so any
 *   tfjs loader reads the directory).
 */
export interface AdapterConfig {
  /** Teacher embedding dimension. @defaultValue 128 */
  readonly inputDim: number;
  /** Hidden width. @defaultValue 256 */
  readonly hiddenDim: number;
  /** Output dimension D (≤ 128 and = inputDim for the identity shortcut). @defaultValue 128 */
  readonly outputDim: number;
  /** Initialiser seed. @defaultValue 1 */
  readonly seed: number;
}

export const ADAPTER_DEFAULTS: Readonly<AdapterConfig> = Object.freeze({
  inputDim: 128,
  hiddenDim: 256,
  outputDim: 128,
  seed: 1,
});

/** Builds the adapter network; at initialisation it computes the identity map. */
export function createAdapterNet(config: Partial<AdapterConfig> = {}): tf.LayersModel {
  const c: AdapterConfig = { ...ADAPTER_DEFAULTS, ...config };
  if (c.outputDim !== c.inputDim) {
    throw new RangeError(
      `adapter outputDim (${c.outputDim}) must equal inputDim (${c.inputDim}) for the identity shortcut`,
    );
  }
  const input = tf.input({ shape: [c.inputDim], name: 'teacher_embedding' });
  const hidden = tf.layers
    .dense({
      name: 'adapter_hidden',
      units: c.hiddenDim,
      activation: 'relu',
      kernelInitializer: tf.initializers.heNormal({ seed: c.seed }),
    })
    .apply(input) as tf.SymbolicTensor;
  const delta = tf.layers
    .dense({ name: 'adapter_delta', units: c.outputDim, kernelInitializer: 'zeros' })
    .apply(hidden) as tf.SymbolicTensor;
  const out = tf.layers.add({ name: 'adapter_residual' }).apply([input, delta]) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out, name: 'bridgeface_adapter' });
}
