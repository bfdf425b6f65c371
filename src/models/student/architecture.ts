import * as tf from '@tensorflow/tfjs';

/**
 * The LR student: a MobileFaceNet-style CNN small enough for CCTV edge boxes (≤ 0.21M parameters).
 *
 * Layout for the default 32x32 input (channels last, input RGB in 0..255, rescaled in-model to [-1, 1]):
 *
 * | stage | op                                   | out        |
 * |-------|--------------------------------------|------------|
 * | stem  | conv 3x3, 32, s1 + BN + PReLU        | 32x32x32   |
 * | b1    | dw 3x3 s2 + BN + PReLU, pw 64 + BN + PReLU  | 16x16x64 |
 * | b2    | dw 3x3 s1 …, pw 64                   | 16x16x64   |
 * | b3    | dw 3x3 s2 …, pw 128                  | 8x8x128    |
 * | b4    | dw 3x3 s1 …, pw 128                  | 8x8x128    |
 * | b5    | dw 3x3 s2 …, pw 256                  | 4x4x256    |
 * | b6    | dw 3x3 s1 …, pw 256                  | 4x4x256    |
 * | gdc   | global depthwise conv 4x4 + BN       | 1x1x256    |
 * | embed | dense D (linear)                     | D          |
 *
 * A global *depthwise* conv (MobileFaceNet's GDC) replaces average pooling: at 4x4 the spatial layout
 * still carries identity (eyes vs mouth row) and GDC learns a per-position weighting that plain pooling
 * throws away, for 16·C parameters. The embedding is not normalised inside the model (no custom layers,
 * so any tfjs loader can read the directory); callers L2-normalise.
 */
export interface StudentConfig {
  /** Square input side in pixels. @defaultValue 32 */
  readonly inputSize: number;
  /** Embedding dimension D (must match the distillation targets). @defaultValue 128 */
  readonly embeddingDim: number;
  /** Width of the stem; block widths are 2x, 4x, 8x of it. @defaultValue 32 */
  readonly width: number;
  /** Seed for weight initialisers (reproducible init). @defaultValue 1 */
  readonly seed: number;
}

export const STUDENT_DEFAULTS: Readonly<StudentConfig> = Object.freeze({
  inputSize: 32,
  embeddingDim: 128,
  width: 32,
  seed: 1,
});

/** The parameter budget from the brief. */
export const STUDENT_MAX_PARAMS = 210_000;

/** Builds an untrained student. Input: [N, S, S, 3] float RGB in 0..255. Output: [N, D] (unnormalised). */
export function createStudentNet(config: Partial<StudentConfig> = {}): tf.LayersModel {
  const c: StudentConfig = { ...STUDENT_DEFAULTS, ...config };
  if (c.inputSize % 8 !== 0 || c.inputSize < 16) {
    throw new RangeError(`student inputSize must be a multiple of 8 and ≥ 16, got ${c.inputSize}`);
  }
  let seed = c.seed * 1000;
  const init = (): ReturnType<typeof tf.initializers.heNormal> => tf.initializers.heNormal({ seed: seed++ });
  const bnAct = (x: tf.SymbolicTensor, name: string, act = true): tf.SymbolicTensor => {
    let y = tf.layers.batchNormalization({ name: `${name}_bn`, momentum: 0.9, epsilon: 1e-3 }).apply(x);
    if (act) {
      y = tf.layers
        .prelu({
          name: `${name}_prelu`,
          sharedAxes: [1, 2],
          alphaInitializer: tf.initializers.constant({ value: 0.25 }),
        })
        .apply(y);
    }
    return y as tf.SymbolicTensor;
  };
  const input = tf.input({ shape: [c.inputSize, c.inputSize, 3], name: 'chip' });
  let x = tf.layers
    .rescaling({ scale: 1 / 127.5, offset: -1, name: 'rescale' })
    .apply(input) as tf.SymbolicTensor;
  x = tf.layers
    .conv2d({
      name: 'stem',
      filters: c.width,
      kernelSize: 3,
      padding: 'same',
      useBias: false,
      kernelInitializer: init(),
    })
    .apply(x) as tf.SymbolicTensor;
  x = bnAct(x, 'stem');
  const blocks: [number, number][] = [
    [2, 2 * c.width],
    [1, 2 * c.width],
    [2, 4 * c.width],
    [1, 4 * c.width],
    [2, 8 * c.width],
    [1, 8 * c.width],
  ];
  blocks.forEach(([stride, filters], i) => {
    const name = `b${i + 1}`;
    x = tf.layers
      .depthwiseConv2d({
        name: `${name}_dw`,
        kernelSize: 3,
        strides: stride,
        padding: 'same',
        useBias: false,
        depthwiseInitializer: init(),
      })
      .apply(x) as tf.SymbolicTensor;
    x = bnAct(x, `${name}_dw`);
    x = tf.layers
      .conv2d({ name: `${name}_pw`, filters, kernelSize: 1, useBias: false, kernelInitializer: init() })
      .apply(x) as tf.SymbolicTensor;
    x = bnAct(x, `${name}_pw`);
  });
  const side = c.inputSize / 8;
  x = tf.layers
    .depthwiseConv2d({
      name: 'gdc',
      kernelSize: side,
      padding: 'valid',
      useBias: false,
      depthwiseInitializer: init(),
    })
    .apply(x) as tf.SymbolicTensor;
  x = bnAct(x, 'gdc', false);
  x = tf.layers.flatten({ name: 'flatten' }).apply(x) as tf.SymbolicTensor;
  const out = tf.layers
    .dense({
      name: 'embedding',
      units: c.embeddingDim,
      kernelInitializer: tf.initializers.glorotNormal({ seed: seed++ }),
    })
    .apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out, name: 'bridgeface_student' });
}
