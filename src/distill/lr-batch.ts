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
}

/**
 * Builds one student input batch on the fly: each HR chip is degraded to a random r x r LR face
 * (r uniform in [minSize, maxSize]; shift/scale jitter, flip, blur, noise, JPEG from lr-synthesis) and
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
    const r = rng.int(range.minSize, range.maxSize);
    // synthesizeLowRes draws all its randomness synchronously, so forking here keeps order stable.
    return synthesizeLowRes(chip, r, rng.fork(), options);
  });
  const images = (await Promise.all(jobs)).map(({ image }) => resizeTo(image, inputSize));
  return packImages(images, inputSize);
}
