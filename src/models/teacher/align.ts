import type { RgbImage } from '../../image/rgb-image.ts';
import { DLIB_CHIP_PADDING, DLIB_CHIP_SIZE, FIT_LANDMARKS, templatePoints } from './face-template.ts';
import { applySimilarity, fitSimilarity, invertSimilarity, type Similarity } from './similarity.ts';
import type { Box } from './types.ts';
import { warpToChip } from './warp.ts';

/** How a 68-point face is mapped onto the canonical chip. */
export interface ChipSpec {
  /** Chip side in pixels. @defaultValue 150 (dlib) */
  readonly size?: number;
  /** Padding around dlib's unit face square, as a fraction of it. @defaultValue 0.25 (dlib) */
  readonly padding?: number;
}

/** Similarity taking chip pixel coordinates to source-image coordinates for 68 landmarks. */
export function chipTransform(landmarks: ArrayLike<number>, spec: ChipSpec = {}): Similarity {
  if (landmarks.length !== 136)
    throw new RangeError(`expected 68 landmarks (136 numbers), got ${landmarks.length}`);
  const size = spec.size ?? DLIB_CHIP_SIZE;
  const padding = spec.padding ?? DLIB_CHIP_PADDING;
  const from = templatePoints(FIT_LANDMARKS, size, padding);
  const to = new Float64Array(FIT_LANDMARKS.length * 2);
  FIT_LANDMARKS.forEach((i, j) => {
    to[2 * j] = landmarks[2 * i];
    to[2 * j + 1] = landmarks[2 * i + 1];
  });
  return fitSimilarity(from, to);
}

/** dlib's `get_face_chip_details` + `extract_image_chip`, re-implemented: the canonical aligned chip. */
export function extractFaceChip(
  image: RgbImage,
  landmarks: ArrayLike<number>,
  spec: ChipSpec = {},
): RgbImage {
  return warpToChip(image, chipTransform(landmarks, spec), spec.size ?? DLIB_CHIP_SIZE);
}

/** Maps landmarks (interleaved x,y) from the source image into chip coordinates. */
export function landmarksInChip(landmarks: ArrayLike<number>, spec: ChipSpec = {}): Float32Array {
  const toChip = invertSimilarity(chipTransform(landmarks, spec));
  const out = new Float32Array(landmarks.length);
  for (let i = 0; i < landmarks.length; i += 2) {
    const [x, y] = applySimilarity(toChip, landmarks[i], landmarks[i + 1]);
    out[i] = x;
    out[i + 1] = y;
  }
  return out;
}

/** Mean of landmarks [from, to) as a point. */
export function landmarkCentre(landmarks: ArrayLike<number>, from: number, to: number): [number, number] {
  let x = 0;
  let y = 0;
  for (let i = from; i < to; i++) {
    x += landmarks[2 * i];
    y += landmarks[2 * i + 1];
  }
  return [x / (to - from), y / (to - from)];
}

/** Why a set of landmarks found on an assumed face region is rejected, or undefined when plausible. */
export function implausibleLandmarks(landmarks: ArrayLike<number>, region: Box): string | undefined {
  const margin = 0.15 * region.width;
  for (let i = 0; i < 68; i++) {
    const x = landmarks[2 * i];
    const y = landmarks[2 * i + 1];
    if (!Number.isFinite(x) || !Number.isFinite(y)) return 'non-finite landmark';
    if (x < region.x - margin || x > region.x + region.width + margin) return 'landmark outside region';
    if (y < region.y - margin || y > region.y + region.height + margin) return 'landmark outside region';
  }
  const [lx, ly] = landmarkCentre(landmarks, 36, 42);
  const [rx, ry] = landmarkCentre(landmarks, 42, 48);
  const [mx, my] = landmarkCentre(landmarks, 48, 68);
  const eyeDist = Math.hypot(rx - lx, ry - ly);
  if (eyeDist < 0.2 * region.width || eyeDist > 0.65 * region.width)
    return `eye distance ${eyeDist.toFixed(1)}`;
  if (rx <= lx) return 'eyes swapped';
  if (Math.abs(Math.atan2(ry - ly, rx - lx)) > Math.PI / 4) return 'eye line tilted > 45°';
  const eyeMidY = (ly + ry) / 2;
  const mouthDist = Math.hypot(mx - (lx + rx) / 2, my - eyeMidY);
  if (my <= eyeMidY || mouthDist < 0.6 * eyeDist || mouthDist > 2 * eyeDist) return 'mouth not below eyes';
  return undefined;
}

/**
 * The box face-api's SSD detector would draw around a face with these landmarks. Measured on LFW
 * (29 faces, SSD box vs landmark bounding box): same centre x, centre y 0.12 of the landmark height
 * higher, 1.04x as wide and 1.29x as tall. The landmark net sees best what it was fed in training.
 */
export function detectorLikeBox(landmarks: ArrayLike<number>): Box {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (let i = 0; i < landmarks.length; i += 2) {
    x0 = Math.min(x0, landmarks[i]);
    x1 = Math.max(x1, landmarks[i]);
    y0 = Math.min(y0, landmarks[i + 1]);
    y1 = Math.max(y1, landmarks[i + 1]);
  }
  const w = x1 - x0;
  const h = y1 - y0;
  const width = 1.04 * w;
  const height = 1.285 * h;
  const cx = (x0 + x1) / 2;
  const cy = (y0 + y1) / 2 - 0.119 * h;
  return { x: cx - width / 2, y: cy - height / 2, width, height };
}

/** Mean distance between two landmark sets, in units of the inter-ocular distance of `b`. */
export function landmarkDrift(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i += 2) sum += Math.hypot(a[i] - b[i], a[i + 1] - b[i + 1]);
  const [lx, ly] = landmarkCentre(b, 36, 42);
  const [rx, ry] = landmarkCentre(b, 42, 48);
  return sum / (a.length / 2) / Math.max(Math.hypot(rx - lx, ry - ly), 1e-6);
}
