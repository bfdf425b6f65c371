import type { RgbImage } from '../image/rgb-image.ts';

/**
 * Sharpness of a face crop: variance of the 4-neighbour Laplacian on the luma channel, a standard
 * focus measure. Motion blur and upsampling both lower it. Returns 0 for crops under 3x3.
 */
export function laplacianVariance(crop: RgbImage): number {
  const { width: w, height: h, data } = crop;
  if (w < 3 || h < 3) return 0;
  const luma = new Float32Array(w * h);
  for (let i = 0, p = 0; i < luma.length; i++, p += 3)
    luma[i] = 0.299 * data[p]! + 0.587 * data[p + 1]! + 0.114 * data[p + 2]!;
  let sum = 0;
  let sumSq = 0;
  let n = 0;
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      const lap = luma[i - 1]! + luma[i + 1]! + luma[i - w]! + luma[i + w]! - 4 * luma[i]!;
      sum += lap;
      sumSq += lap * lap;
      n++;
    }
  }
  const mean = sum / n;
  return sumSq / n - mean * mean;
}

/**
 * Frontalness of a face crop without landmarks (unreliable under ~30 px): the correlation of the luma
 * with its left-right mirror image, mapped to [0, 1]. A frontal face centred in its chip is close to
 * symmetric (≈ 1); a turned head puts one cheek, an ear or hair on one side and the background on the
 * other, which lowers it. Returns 0 for flat crops (no structure to judge).
 */
export function mirrorSymmetry(crop: RgbImage): number {
  const { width: w, height: h, data } = crop;
  const luma = new Float32Array(w * h);
  let mean = 0;
  for (let i = 0, p = 0; i < luma.length; i++, p += 3) {
    luma[i] = 0.299 * data[p]! + 0.587 * data[p + 1]! + 0.114 * data[p + 2]!;
    mean += luma[i]!;
  }
  mean /= luma.length;
  let cov = 0;
  let varSum = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const a = luma[y * w + x]! - mean;
      const b = luma[y * w + (w - 1 - x)]! - mean;
      cov += a * b;
      varSum += a * a;
    }
  }
  if (varSum < 1e-6) return 0;
  return Math.max(0, cov / varSum);
}

export interface QualityInputs {
  /** Face side in source pixels (the larger of the box's width and height). */
  readonly sizePx: number;
  readonly crop: RgbImage;
  /** Detector confidence in [0, 1]. */
  readonly score: number;
}

/**
 * One number in [0, 1] ranking crops of a track: bigger, sharper, more frontal, more confident faces
 * first. Size saturates at 48 px (beyond it the student's input is fully resolved); sharpness saturates
 * at a Laplacian variance of 400 (sharp 8-bit face crops sit above it, blurred ones far below);
 * frontalness (mirror symmetry) weighs half, so a profile view ranks below a frontal one of the same
 * size without being discarded.
 */
export function faceQuality({ sizePx, crop, score }: QualityInputs): number {
  const size = Math.min(1, sizePx / 48);
  const sharp = Math.min(1, laplacianVariance(crop) / 400);
  const frontal = mirrorSymmetry(crop);
  return size * (0.5 + 0.5 * sharp) * (0.5 + 0.5 * frontal) * Math.max(0, Math.min(1, score));
}
