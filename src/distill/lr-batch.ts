import { resizeTo, synthesizeLowRes, type LowResOptions } from '../datasets/lr-synthesis.ts';
import type { RgbImage } from '../image/rgb-image.ts';
import { packImages } from '../models/student/preprocess.ts';
import { createRng } from '../util/random.ts';

/** Range of synthetic LR face sizes (inclusive), in pixels. */
export interface LowResRange {
  /** @defaultValue 8 */
  readonly minSize: number;
  /** @defaultValue 32 */
  readonly maxSize: number;
  /**
   * Most frequent size: sizes are then drawn from the triangular distribution on [minSize, maxSize]
   * with this mode instead of uniformly, which spends the training budget where CCTV faces are (12–24 px)
   * rather than on 8 px faces that carry little identity. Undefined: uniform.
   */
  readonly peakSize?: number;
}

/** One LR side in pixels: uniform, or triangular with mode `peakSize` (inverse-CDF sampling). */
export function drawLowResSize(range: LowResRange, u: number): number {
  const { minSize: a, maxSize: b, peakSize: c } = range;
  if (c === undefined || b <= a) return Math.min(b, a + Math.floor(u * (b - a + 1)));
  if (!(c >= a && c <= b)) throw new RangeError(`peakSize ${c} must lie in [${a}, ${b}]`);
  // Continuous triangular on [a - 0.5, b + 0.5] so both ends keep some mass after rounding.
  const lo = a - 0.5;
  const hi = b + 0.5;
  const f = (c - lo) / (hi - lo);
  const x = u < f ? lo + Math.sqrt(u * (hi - lo) * (c - lo)) : hi - Math.sqrt((1 - u) * (hi - lo) * (hi - c));
  return Math.min(b, Math.max(a, Math.round(x)));
}

/**
 * Builds one student input batch on the fly: each HR chip is degraded to a random r x r LR face
 * (r uniform in [minSize, maxSize], or peaked at `peakSize`; shift/scale jitter, flip, blur, noise, JPEG from lr-synthesis) and
 * bilinearly upsampled to the student's input. Randomness comes from `seed` alone (the caller derives it
 * from the global step), so a batch can be rebuilt exactly on resume.
 */
export async function buildLowResBatch(
  chips: readonly RgbImage[],
  inputSize: number,
  seed: string,
  range: LowResRange,
  options: LowResOptions = {},
): Promise<Float32Array> {
  const rng = createRng(seed);
  const jobs = chips.map((chip) => {
    const r = drawLowResSize(range, rng.next());
    // synthesizeLowRes draws all its randomness synchronously, so forking here keeps order stable.
    return synthesizeLowRes(chip, r, rng.fork(), options);
  });
  const images = (await Promise.all(jobs)).map(({ image }) => resizeTo(image, inputSize));
  return packImages(images, inputSize);
}
