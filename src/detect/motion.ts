import type { Box } from '../image/box.ts';
import { assertRgbImage, type RgbImage } from '../image/rgb-image.ts';

/**
 * Motion regions by frame differencing against a running-average background, on a coarse luma grid
 * (one cell per `cell` x `cell` frame pixels). Faces in CCTV belong to people who move; a fixed camera's
 * background does not, so scanning only where the picture changed cuts the upscaled-tile work by
 * the fraction of the frame that is static (typically 80–95 %).
 *
 * Cost: one pass over the frame (block luma average) + a few passes over the grid: ~1–2 ms for 768x576.
 * Limits: a person who stands still is absorbed into the background after ~1/learningRate frames —
 * pass the tracker's boxes as `regionsOfInterest` to keep scanning them; global changes (lights,
 * camera shake) light up most cells, and the gate then reports the whole frame.
 */

export interface MotionOptions {
  /** Grid cell side in frame pixels. @defaultValue 8 */
  readonly cell?: number;
  /** Background update rate per frame (exponential moving average). @defaultValue 0.05 */
  readonly learningRate?: number;
  /** Luma difference (0–255, cell average) that marks a cell as foreground. @defaultValue 10 */
  readonly threshold?: number;
  /** Foreground is dilated by this many cells before grouping (joins a head to its body). @defaultValue 1 */
  readonly dilate?: number;
  /** Components with fewer foreground cells are noise. @defaultValue 2 */
  readonly minCells?: number;
  /** Above this foreground fraction the gate gives up and returns the whole frame. @defaultValue 0.5 */
  readonly maxForeground?: number;
}

export const DEFAULT_MOTION_OPTIONS: Required<MotionOptions> = Object.freeze({
  cell: 8,
  learningRate: 0.05,
  threshold: 10,
  dilate: 1,
  minCells: 2,
  maxForeground: 0.5,
});

/** Mean luma (BT.601) of each cell x cell block; edge blocks average the pixels they have. */
export function blockLuma(frame: RgbImage, cell: number): { grid: Float32Array; cols: number; rows: number } {
  assertRgbImage(frame, 'blockLuma frame');
  const { width: W, height: H, data } = frame;
  const cols = Math.ceil(W / cell);
  const rows = Math.ceil(H / cell);
  const sum = new Float32Array(cols * rows);
  const count = new Float32Array(cols * rows);
  for (let y = 0; y < H; y++) {
    const rowBase = Math.floor(y / cell) * cols;
    for (let x = 0, p = y * W * 3; x < W; x++, p += 3) {
      const c = rowBase + Math.floor(x / cell);
      sum[c] += 0.299 * data[p] + 0.587 * data[p + 1] + 0.114 * data[p + 2];
      count[c] += 1;
    }
  }
  for (let i = 0; i < sum.length; i++) sum[i] /= count[i];
  return { grid: sum, cols, rows };
}

/** Foreground cells: |current − background| > threshold. */
export function foregroundMask(
  current: Float32Array,
  background: Float32Array,
  threshold: number,
): Uint8Array {
  const mask = new Uint8Array(current.length);
  for (let i = 0; i < current.length; i++) mask[i] = Math.abs(current[i] - background[i]) > threshold ? 1 : 0;
  return mask;
}

/** Square (Chebyshev) dilation of a binary grid by r cells. */
export function dilateMask(mask: Uint8Array, cols: number, rows: number, r: number): Uint8Array {
  if (r <= 0) return mask.slice();
  const tmp = new Uint8Array(mask.length);
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < cols; x++) {
      if (!mask[y * cols + x]) continue;
      for (let dx = Math.max(0, x - r); dx <= Math.min(cols - 1, x + r); dx++) tmp[y * cols + dx] = 1;
    }
  }
  const out = new Uint8Array(mask.length);
  for (let x = 0; x < cols; x++) {
    for (let y = 0; y < rows; y++) {
      if (!tmp[y * cols + x]) continue;
      for (let dy = Math.max(0, y - r); dy <= Math.min(rows - 1, y + r); dy++) out[dy * cols + x] = 1;
    }
  }
  return out;
}

/**
 * Bounding boxes (in cells) of the 8-connected components of `mask` with at least `minCells` cells of
 * `count` (the undilated mask, so dilation joins components without making noise look big).
 */
export function componentBoxes(
  mask: Uint8Array,
  count: Uint8Array,
  cols: number,
  rows: number,
  minCells: number,
): Box[] {
  const label = new Int32Array(mask.length).fill(-1);
  const boxes: Box[] = [];
  const stack: number[] = [];
  for (let start = 0; start < mask.length; start++) {
    if (!mask[start] || label[start] >= 0) continue;
    let x0 = cols;
    let y0 = rows;
    let x1 = -1;
    let y1 = -1;
    let cells = 0;
    label[start] = boxes.length;
    stack.push(start);
    while (stack.length > 0) {
      const i = stack.pop() as number;
      const x = i % cols;
      const y = (i - x) / cols;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
      cells += count[i];
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          const ny = y + dy;
          if (nx < 0 || ny < 0 || nx >= cols || ny >= rows) continue;
          const j = ny * cols + nx;
          if (mask[j] && label[j] < 0) {
            label[j] = boxes.length;
            stack.push(j);
          }
        }
      }
    }
    boxes.push({ x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 });
    if (cells < minCells) boxes[boxes.length - 1] = { x: 0, y: 0, width: 0, height: 0 };
  }
  return boxes.filter((b) => b.width > 0);
}

/** Result of one motion update. */
export interface MotionResult {
  /** Regions with motion, frame pixels; the whole frame when `full`. */
  readonly regions: Box[];
  /** True on the first frame (no background yet) and when foreground exceeds `maxForeground`. */
  readonly full: boolean;
  /** Foreground fraction of the grid (before dilation). */
  readonly foreground: number;
}

/** Stateful motion gate for one camera. */
export class MotionGate {
  private readonly o: Required<MotionOptions>;
  private background: Float32Array | undefined;
  private dims = '';

  constructor(options: MotionOptions = {}) {
    this.o = { ...DEFAULT_MOTION_OPTIONS, ...options };
  }

  /** Feeds a frame; returns where it moved relative to the background, then updates the background. */
  update(frame: RgbImage): MotionResult {
    const { cell, learningRate, threshold, dilate, minCells, maxForeground } = this.o;
    const { grid, cols, rows } = blockLuma(frame, cell);
    const whole: Box = { x: 0, y: 0, width: frame.width, height: frame.height };
    const dims = `${frame.width}x${frame.height}`;
    if (!this.background || this.dims !== dims) {
      this.background = grid;
      this.dims = dims;
      return { regions: [whole], full: true, foreground: 1 };
    }
    const bg = this.background;
    const fg = foregroundMask(grid, bg, threshold);
    for (let i = 0; i < bg.length; i++) bg[i] += learningRate * (grid[i] - bg[i]);
    let n = 0;
    for (const v of fg) n += v;
    const foreground = n / fg.length;
    if (foreground > maxForeground) return { regions: [whole], full: true, foreground };
    const boxes = componentBoxes(dilateMask(fg, cols, rows, dilate), fg, cols, rows, minCells);
    const regions = boxes.map((b) => ({
      x: b.x * cell,
      y: b.y * cell,
      width: Math.min(frame.width, (b.x + b.width) * cell) - b.x * cell,
      height: Math.min(frame.height, (b.y + b.height) * cell) - b.y * cell,
    }));
    return { regions, full: false, foreground };
  }

  /** Drops the background; the next frame is reported whole. */
  reset(): void {
    this.background = undefined;
    this.dims = '';
  }
}
