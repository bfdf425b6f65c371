import { synthesizeLowRes, type LowResOptions } from '../datasets/lr-synthesis.ts';
import { resizeArea, resizeBilinear } from '../image/resize.ts';
import type { RgbImage } from '../image/rgb-image.ts';
import { chipTransform } from '../models/teacher/align.ts';
import { DLIB_CHIP_SIZE } from '../models/teacher/face-template.ts';
import { composeSimilarity, type Similarity } from '../models/teacher/similarity.ts';
import { cropFaceRolled } from '../detect/crop-face.ts';
import { warpToChip } from '../models/teacher/warp.ts';
import type { Rng } from '../util/random.ts';

/**
 * Training crops for the roll net (detect/roll-net.ts): a landmark-aligned face (upright by
 * construction) cut the way the pipeline cuts a detector box's chip window, but rolled by a known
 * angle, with the box's centre and size jitter, shrunk to a CCTV size and degraded like the student's
 * LR faces (lr-synthesis: blur, noise, greyscale, contrast, motion blur, JPEG, mirror).
 *
 * Each face is first warped once into a context chip (`rollContextChip`): the canonical chip region in
 * the middle, with enough of the photo around it that a crop rotated by 45° and shifted still lies on
 * real pixels, so no sample has a replicated-edge corner the pipeline's frames never show.
 */

/** Side of a context chip (px). */
export const ROLL_CONTEXT_SIZE = 96;
/** Side of the canonical (dlib) chip region inside a context chip (px). */
export const ROLL_CONTEXT_CHIP = 56;

export interface RollSampleOptions {
  /** Side of the rendered crop: the roll net's input. */
  readonly inputSize: number;
  /** Largest roll, degrees (uniform in ±). @defaultValue 45 */
  readonly maxRollDegrees?: number;
  /** Face sizes at the camera (px), log-uniform. @defaultValue [10, 40] */
  readonly sizeRange?: readonly [number, number];
  /** Detector-box centre error, fraction of the side per axis (uniform in ±). @defaultValue 0.07 */
  readonly maxShift?: number;
  /** Detector-box size error, factor range (log-uniform). @defaultValue [0.88, 1.14] */
  readonly scaleRange?: readonly [number, number];
  readonly lowRes?: LowResOptions;
}

export interface RollSample {
  /** `inputSize` square crop. */
  readonly image: RgbImage;
  /** The roll that re-cuts it upright, radians. */
  readonly roll: number;
}

/** The context chip of a face: its canonical chip's area in the middle `ROLL_CONTEXT_CHIP` px. */
export function rollContextChip(image: RgbImage, landmarks: ArrayLike<number>): RgbImage {
  const k = DLIB_CHIP_SIZE / ROLL_CONTEXT_CHIP;
  const off = ((ROLL_CONTEXT_SIZE - ROLL_CONTEXT_CHIP) / 2) * k;
  const contextToChip: Similarity = { a: k, b: 0, tx: -off, ty: -off };
  return warpToChip(image, composeSimilarity(chipTransform(landmarks), contextToChip), ROLL_CONTEXT_SIZE);
}

/** HR side the rotated crop is rendered at before it is shrunk to the camera size. */
const HR_SIDE = 64;

/**
 * One training crop from a context chip. All random draws happen before the first await, so a loop
 * over one `rng` is deterministic.
 */
export async function renderRollSample(
  context: RgbImage,
  rng: Rng,
  options: RollSampleOptions,
): Promise<RollSample> {
  const maxRoll = ((options.maxRollDegrees ?? 45) * Math.PI) / 180;
  const [sLo, sHi] = options.scaleRange ?? [0.88, 1.14];
  const [rLo, rHi] = options.sizeRange ?? [10, 40];
  const shift = options.maxShift ?? 0.07;
  const roll = rng.uniform(-maxRoll, maxRoll);
  const side = ROLL_CONTEXT_CHIP * Math.exp(rng.uniform(Math.log(sLo), Math.log(sHi)));
  const cx = context.width / 2 + rng.uniform(-shift, shift) * ROLL_CONTEXT_CHIP;
  const cy = context.height / 2 + rng.uniform(-shift, shift) * ROLL_CONTEXT_CHIP;
  const size = Math.round(Math.exp(rng.uniform(Math.log(rLo), Math.log(rHi))));
  const bilinearUp = rng.bernoulli(0.5);
  // Cut rolled by −roll: the crop shows the face tilted, and re-cutting it rolled by +roll (what the
  // pipeline does with the net's estimate) gives it upright.
  const window = { x: cx - side / 2, y: cy - side / 2, width: side, height: side };
  const hr = cropFaceRolled(context, window, -roll, HR_SIDE);
  const { image, params } = await synthesizeLowRes(hr, size, rng, {
    ...options.lowRes,
    maxShift: 0,
    maxScale: 0,
  });
  // The pipeline's crop upsamples a small face by area (blocky); the embed path's bilinear: both occur.
  const n = options.inputSize;
  const input = image.width > n || !bilinearUp ? resizeArea(image, n, n) : resizeBilinear(image, n, n);
  // A mirror image is rolled the other way.
  return { image: input, roll: params.flip ? -roll : roll };
}
