import type { Box } from '../image/box.ts';

/**
 * Decoding of face-api's tiny face detector output (a Tiny-YOLOv2 head). The net maps an S x S input
 * to a G x G grid (G = S / 32) with `anchors.length` boxes per cell and 5 numbers per box:
 * `tx, ty, tw, th, to`. Box centre = (col + σ(tx), row + σ(ty)) cells, size = anchor · exp(tw|th)
 * cells, objectness = σ(to). This mirrors `TinyYolov2Base.extractBoxes` in face-api, minus its
 * per-cell `await tensor.array()` (nested JS arrays) which costs more than the decode itself.
 */

/** Anchors of face-api's tiny face detector, in grid cells (width, height). */
export const TINY_FACE_ANCHORS: readonly (readonly [number, number])[] = Object.freeze([
  [1.603231, 2.094468],
  [6.041143, 7.080126],
  [2.882459, 3.518061],
  [4.266906, 5.178857],
  [9.041765, 10.66308],
] as const);

/** Per-channel RGB mean the tiny face detector subtracts before dividing by 255. */
export const TINY_FACE_MEAN_RGB: readonly [number, number, number] = [117.001, 114.697, 97.404];

/** Input side divided by grid side. */
export const TINY_FACE_STRIDE = 32;

export interface GridDetection {
  /** In input pixels of the decoded image (0..gridWidth*stride). */
  readonly box: Box;
  readonly score: number;
}

export interface DecodeGridOptions {
  readonly gridWidth: number;
  readonly gridHeight: number;
  /** Input pixels per grid cell. @defaultValue 32 */
  readonly stride?: number;
  /** @defaultValue TINY_FACE_ANCHORS */
  readonly anchors?: readonly (readonly [number, number])[];
  /** Boxes with objectness at or below this are dropped. */
  readonly scoreThreshold: number;
}

function sigmoid(v: number): number {
  return 1 / (1 + Math.exp(-v));
}

/** logit(p): raw objectness above which σ exceeds p; lets us skip exp() for most cells. */
function logit(p: number): number {
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  return Math.log(p / (1 - p));
}

/**
 * Decodes one image's raw head output, laid out row-major as [gridHeight, gridWidth, anchors, 5]
 * (the tfjs NHWC output of the last 1x1 conv, one batch item). Grids need not be square: the net is
 * fully convolutional, so a W x H input gives a (W/32) x (H/32) grid with the same decoding.
 */
export function decodeTinyYoloGrid(raw: Float32Array, options: DecodeGridOptions): GridDetection[] {
  const { gridWidth, gridHeight, scoreThreshold } = options;
  const stride = options.stride ?? TINY_FACE_STRIDE;
  const anchors = options.anchors ?? TINY_FACE_ANCHORS;
  const perCell = anchors.length * 5;
  if (raw.length !== gridWidth * gridHeight * perCell) {
    throw new RangeError(
      `decodeTinyYoloGrid: expected ${gridWidth * gridHeight * perCell} values for a ` +
        `${gridWidth}x${gridHeight} grid with ${anchors.length} anchors, got ${raw.length}`,
    );
  }
  const minLogit = logit(scoreThreshold);
  const out: GridDetection[] = [];
  for (let row = 0; row < gridHeight; row++) {
    for (let col = 0; col < gridWidth; col++) {
      for (let a = 0; a < anchors.length; a++) {
        const o = (row * gridWidth + col) * perCell + a * 5;
        if (!(raw[o + 4] > minLogit)) continue;
        const cx = (col + sigmoid(raw[o])) * stride;
        const cy = (row + sigmoid(raw[o + 1])) * stride;
        const w = Math.exp(raw[o + 2]) * anchors[a][0] * stride;
        const h = Math.exp(raw[o + 3]) * anchors[a][1] * stride;
        out.push({ box: { x: cx - w / 2, y: cy - h / 2, width: w, height: h }, score: sigmoid(raw[o + 4]) });
      }
    }
  }
  return out;
}
