import * as tf from '@tensorflow/tfjs';
import type { Box } from '../image/box.ts';
import type { RgbImage } from '../image/rgb-image.ts';
import { rollModelDir } from '../models/model-paths.ts';
import { loadModelFromDir } from '../models/student/model-io.ts';
import { packImages, toStudentInput } from '../models/student/preprocess.ts';
import { cropFace, cropFaceRolled } from './crop-face.ts';
import { ROLL_INPUT, ROLL_MAX_DEGREES } from './roll-net.ts';

/** Estimates the roll of face crops (radians, clamped to the trained range). */
export interface RollEstimator {
  estimate(crops: readonly RgbImage[]): Promise<Float32Array>;
  dispose(): void;
}

/** The shipped roll net (detect/roll-net.ts), trained by `bridgeface train-roll`. */
export async function loadRollEstimator(modelDir = rollModelDir()): Promise<RollEstimator> {
  const net = await loadModelFromDir(modelDir);
  const limit = (ROLL_MAX_DEGREES * Math.PI) / 180;
  let disposed = false;
  return {
    async estimate(crops) {
      if (crops.length === 0) return new Float32Array(0);
      const inputs = crops.map((c) => toStudentInput(c, ROLL_INPUT));
      const out = tf.tidy(() =>
        net.predict(tf.tensor4d(packImages(inputs, ROLL_INPUT), [crops.length, ROLL_INPUT, ROLL_INPUT, 3])),
      ) as tf.Tensor;
      const rolls = (await out.data()) as Float32Array;
      out.dispose();
      return rolls.map((r) => Math.min(limit, Math.max(-limit, r)));
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      net.dispose();
    },
  };
}

/**
 * Cuts the embedder's crops of a frame upright: each chip window is cut axis-aligned (`cropFace`, the
 * contract the student is trained on), its roll estimated, and where the head is tilted by at least
 * `minDegrees` the window is cut again turned by that roll (`cropFaceRolled`). Smaller estimates are
 * left alone: below the net's error on small faces a re-cut would only add interpolation.
 */
export class RollCorrector {
  private readonly minRadians: number;

  constructor(
    private readonly estimator: RollEstimator,
    minDegrees: number,
  ) {
    if (!(minDegrees >= 0 && minDegrees <= ROLL_MAX_DEGREES)) {
      throw new RangeError(
        `roll correction: minDegrees must be in [0, ${ROLL_MAX_DEGREES}], got ${minDegrees}`,
      );
    }
    this.minRadians = (minDegrees * Math.PI) / 180;
  }

  /** The crops of `windows` (square, `outSize` px) and the roll applied to each (0 where none). */
  async crop(
    frame: RgbImage,
    windows: readonly Box[],
    outSize: number,
  ): Promise<{ images: RgbImage[]; rolls: Float32Array }> {
    const images = windows.map((w) => cropFace(frame, w, outSize, 0));
    const estimates = await this.estimator.estimate(images);
    const rolls = estimates.map((r) => (Math.abs(r) >= this.minRadians ? r : 0));
    rolls.forEach((r, i) => {
      if (r !== 0) images[i] = cropFaceRolled(frame, windows[i]!, r, outSize);
    });
    return { images, rolls };
  }

  dispose(): void {
    this.estimator.dispose();
  }
}
