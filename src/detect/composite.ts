import type { Box } from '../image/box.ts';
import { areaResampleFloat } from '../image/resize.ts';
import { assertRgbImage, type RgbImage } from '../image/rgb-image.ts';

/**
 * Synthetic small faces for tests and the detection benchmark: a face photo with a known face box is
 * shrunk (area averaging, i.e. what a distant camera's sensor integrates) and pasted into a frame with
 * a feathered border, so the ground-truth box in the frame is known exactly.
 *
 * Geometry: the source window is the face box grown by `context` of its side on every side (hair,
 * ears, neck, some of the photo's background — detectors need this head context), centred on the face
 * box. The destination patch is `patchSide(size, context)` pixels square at integer `(x, y)`; the face
 * box lands at `(x + (P − size) / 2, y + (P − size) / 2)` with side `size` exactly (the source window is
 * chosen as P·faceSide/size so the scale is exact even though P is rounded).
 */

export interface FaceSource {
  readonly image: RgbImage;
  /** The face box in `image` (e.g. the central 110x110 of a deep-funnelled LFW image). */
  readonly face: Box;
}

export interface PasteOptions {
  /** Context margin around the face box, as a fraction of the face side. @defaultValue 0.3 */
  readonly context?: number;
  /**
   * Width of the alpha ramp at the patch border as a fraction of the context margin (0 = hard edge).
   * The face box itself is always fully opaque. @defaultValue 0.7
   */
  readonly feather?: number;
}

/** Side of the square patch pasted for a face of `size` px with the given context margin. */
export function patchSide(size: number, context = 0.3): number {
  return Math.max(1, Math.round(size * (1 + 2 * context)));
}

/**
 * Pastes `source`'s face into `frame` (mutated in place) so that the face box has side `size` px and the
 * patch's top-left corner is at integer (x, y). Parts of the patch outside the frame are clipped.
 * Returns the face's ground-truth box in frame coordinates.
 */
export function pasteFace(
  frame: RgbImage,
  source: FaceSource,
  x: number,
  y: number,
  size: number,
  options: PasteOptions = {},
): Box {
  assertRgbImage(frame, 'pasteFace frame');
  if (!Number.isInteger(x) || !Number.isInteger(y)) throw new RangeError('pasteFace: x, y must be integers');
  if (!(size > 0)) throw new RangeError(`pasteFace: size must be positive, got ${size}`);
  const context = options.context ?? 0.3;
  const feather = options.feather ?? 0.7;
  const P = patchSide(size, context);
  const { face } = source;
  const side = Math.max(face.width, face.height);
  const scale = side / size; // source pixels per destination pixel
  const cx = face.x + face.width / 2;
  const cy = face.y + face.height / 2;
  const window = { x: cx - (P * scale) / 2, y: cy - (P * scale) / 2, width: P * scale, height: P * scale };
  const patch = areaResampleFloat(source.image, P, P, window);
  const margin = (P - size) / 2;
  const ramp = Math.max(1e-6, margin * feather);
  const { width: W, height: H, data } = frame;
  for (let j = 0; j < P; j++) {
    const fy = y + j;
    if (fy < 0 || fy >= H) continue;
    const dy = Math.min(j + 0.5, P - j - 0.5);
    for (let i = 0; i < P; i++) {
      const fx = x + i;
      if (fx < 0 || fx >= W) continue;
      const d = Math.min(dy, Math.min(i + 0.5, P - i - 0.5));
      const alpha = feather <= 0 ? 1 : Math.min(1, d / ramp);
      const o = (fy * W + fx) * 3;
      const p = (j * P + i) * 3;
      for (let c = 0; c < 3; c++) {
        const v = Math.round(data[o + c] * (1 - alpha) + patch[p + c] * alpha);
        data[o + c] = v < 0 ? 0 : v > 255 ? 255 : v;
      }
    }
  }
  return { x: x + margin, y: y + margin, width: size, height: size };
}
