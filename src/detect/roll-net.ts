import * as tf from '@tensorflow/tfjs';
import { rescaledStem, seededHeNormal, separableBlock } from './conv-blocks.ts';

/**
 * The in-plane roll of a face crop: how far the head is tilted, so the pipeline can re-cut the crop
 * upright before embedding (detect/roll-correction.ts). The student is trained on upright (landmark-
 * aligned) chips and loses 25 points of HR-LR accuracy at 16 px on faces rolled 30° (docs/BENCHMARKS.md,
 * "Rolled faces"); landmarks cannot be found on 14–40 px faces, so the angle is regressed directly.
 *
 * Input: the pipeline's crop (the chip window of a detector box, `ROLL_INPUT` px square, RGB 0..255).
 * Output: one number, the roll in radians — re-cutting the crop rotated by it about its centre
 * (`rotationAbout`, positive = clockwise on screen) gives the upright chip. Trained on ±`ROLL_MAX_DEGREES`.
 *
 * | stage | op                                      | out          |
 * |-------|-----------------------------------------|--------------|
 * | stem  | conv 3x3, 16, s2 + BN + ReLU            | 16 x 16 x 16 |
 * | b1    | dw 3x3 + BN + ReLU, pw 32 + BN + ReLU    | 16 x 16 x 32 |
 * | b2    | dw 3x3 s2 …, pw 48 …                    | 8 x 8 x 48   |
 * | b3    | dw 3x3 s2 …, pw 64 …                    | 4 x 4 x 64   |
 * | head  | flatten, dense 32 + ReLU, dense 1       | 1            |
 *
 * Flatten, not global pooling: orientation is a spatial layout (eyes above mouth, along which axis),
 * which averaging over positions would erase. 40,273 parameters (most in the first dense layer), ~0.5
 * MMAC per face, a tenth of the student's.
 */
export const ROLL_INPUT = 32;
/** Largest roll (degrees) the net is trained on; estimates are clamped to it. */
export const ROLL_MAX_DEGREES = 45;

export function createRollNet(seed = 1): tf.LayersModel {
  const init = seededHeNormal(seed * 1000);
  const input = tf.input({ shape: [ROLL_INPUT, ROLL_INPUT, 3], name: 'crop' });
  let x = rescaledStem(input, 16, init);
  const blocks: [stride: number, filters: number][] = [
    [1, 32],
    [2, 48],
    [2, 64],
  ];
  blocks.forEach(([strides, filters], i) => {
    x = separableBlock(x, { name: `b${i + 1}`, kernelSize: 3, strides, filters, init });
  });
  x = tf.layers.flatten({ name: 'flatten' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers
    .dense({ name: 'fc', units: 32, activation: 'relu', kernelInitializer: init() })
    .apply(x) as tf.SymbolicTensor;
  const roll = tf.layers
    .dense({
      name: 'roll',
      units: 1,
      kernelInitializer: tf.initializers.glorotNormal({ seed: seed * 1000 + 8 }),
      biasInitializer: 'zeros',
    })
    .apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: roll, name: 'bridgeface_roll' });
}
