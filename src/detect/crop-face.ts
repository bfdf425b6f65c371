import type { Box } from '../image/box.ts';
import { areaResampleFloat, floatToRgb } from '../image/resize.ts';
import { assertRgbImage, type RgbImage } from '../image/rgb-image.ts';
import { warpToChip } from '../models/teacher/warp.ts';

/**
 * The face chip the pipeline hands to the embedder. The student is trained on chips cut exactly this
 * way, so this geometry is a contract — change it and the student must be retrained.
 *
 * Coordinates are continuous frame pixels: pixel (i, j) covers [i, i+1) x [j, j+1), so a box
 * {x, y, width, height} covers [x, x+width) x [y, y+height) (the detectors' boxes are in this system).
 *
 *  1. centre  c = (x + width/2, y + height/2)
 *  2. side    S = max(width, height) · (1 + 2·margin)       (margin is per side, a fraction of the
 *                                                            box's larger side; 0 = the box itself)
 *  3. window  [cx − S/2, cx + S/2) x [cy − S/2, cy + S/2)   (square, sub-pixel, not rounded)
 *  4. output pixel (u, v) of the outSize x outSize chip is the exact area average of the source over
 *     [cx − S/2 + u·S/outSize, … + S/outSize) x (same in y), each source pixel weighted by its overlap
 *     (a box filter: `areaResampleFloat`); source pixels outside the frame replicate the nearest edge
 *     pixel; the average is rounded with Math.round (half up) and clamped to 0..255.
 *
 * When S > outSize this is an anti-aliased downscale; when S < outSize (a 14 px face into a 112 px
 * chip) each output pixel lies within one or two source pixels, i.e. near-nearest-neighbour
 * upsampling with linear blending at pixel seams — blocky, but it adds no detail the camera did not
 * record, and it is what the student sees in training.
 */
export function cropFace(frame: RgbImage, box: Box, outSize: number, margin: number): RgbImage {
  assertRgbImage(frame, 'cropFace frame');
  if (!Number.isInteger(outSize) || outSize <= 0) {
    throw new RangeError(`cropFace: outSize must be a positive integer, got ${outSize}`);
  }
  if (!(margin >= 0)) throw new RangeError(`cropFace: margin must be >= 0, got ${margin}`);
  const window = faceCropWindow(box, margin);
  return floatToRgb(areaResampleFloat(frame, outSize, outSize, window), outSize, outSize);
}

/** The square source window of `cropFace` (steps 1–3), in frame pixels. */
export function faceCropWindow(box: Box, margin: number): Box {
  if (!(box.width > 0) || !(box.height > 0)) {
    throw new RangeError(`cropFace: box must have positive size, got ${box.width}x${box.height}`);
  }
  const side = Math.max(box.width, box.height) * (1 + 2 * margin);
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  return { x: cx - side / 2, y: cy - side / 2, width: side, height: side };
}

/**
 * `cropFace`'s window turned by `roll` radians about its centre (positive: clockwise on screen, as
 * `rotationAbout`): the upright chip of a tilted face, given the roll net's estimate. Sampled
 * bilinearly (several taps per pixel when shrinking by more than 2x), edges replicated as in `cropFace`.
 */
export function cropFaceRolled(frame: RgbImage, window: Box, roll: number, outSize: number): RgbImage {
  assertRgbImage(frame, 'cropFaceRolled frame');
  if (!Number.isInteger(outSize) || outSize <= 0) {
    throw new RangeError(`cropFaceRolled: outSize must be a positive integer, got ${outSize}`);
  }
  const s = Math.max(window.width, window.height) / outSize;
  const a = s * Math.cos(roll);
  const b = s * Math.sin(roll);
  // Output pixel u's centre is u + 0.5 in cropFace's continuous coordinates; warpToChip's source
  // pixel i is centred at i: hence the half-pixel terms.
  const h = outSize / 2 - 0.5;
  const cx = window.x + window.width / 2 - 0.5;
  const cy = window.y + window.height / 2 - 0.5;
  return warpToChip(frame, { a, b, tx: cx - (a * h - b * h), ty: cy - (b * h + a * h) }, outSize);
}
