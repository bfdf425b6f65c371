import type { GridDetection } from './tiny-yolo-decode.ts';

/**
 * Decoding of the small-face net's head (small-face-net.ts): a face is a cell whose centre logit is a
 * local maximum of its 3x3 neighbourhood and above the threshold; its box is square, centred at
 * (col + dx, row + dy)·stride, with side referenceSide·exp(s). Peak picking replaces per-cell NMS
 * (CenterNet): neighbouring cells of one face are not peaks; the tiled detector's NMS still merges
 * what tiles and pyramid levels find twice.
 */
export interface DecodeHeatmapOptions {
  readonly gridWidth: number;
  readonly gridHeight: number;
  /** Input pixels per cell. */
  readonly stride: number;
  /** Face side that a size channel of 0 stands for (input px). */
  readonly referenceSide: number;
  /** Peaks with σ(logit) at or below this are dropped. */
  readonly scoreThreshold: number;
}

/** Channels per cell: logit, log size, offset x, offset y. */
const CHANNELS = 4;

/** Decodes one image's head output laid out [gridHeight, gridWidth, 4] (NHWC, one batch item). */
export function decodeCentreHeatmap(raw: Float32Array, options: DecodeHeatmapOptions): GridDetection[] {
  const { gridWidth: W, gridHeight: H, stride, referenceSide, scoreThreshold } = options;
  if (raw.length !== W * H * CHANNELS) {
    throw new RangeError(
      `decodeCentreHeatmap: expected ${W * H * CHANNELS} values for a ${W}x${H} grid, got ${raw.length}`,
    );
  }
  const minLogit =
    scoreThreshold <= 0
      ? -Infinity
      : scoreThreshold >= 1
        ? Infinity
        : Math.log(scoreThreshold / (1 - scoreThreshold));
  const out: GridDetection[] = [];
  for (let row = 0; row < H; row++) {
    for (let col = 0; col < W; col++) {
      const o = (row * W + col) * CHANNELS;
      const v = raw[o]!;
      if (!(v > minLogit) || !isPeak(raw, W, H, row, col, v)) continue;
      const side = referenceSide * Math.exp(raw[o + 1]!);
      const cx = (col + raw[o + 2]!) * stride;
      const cy = (row + raw[o + 3]!) * stride;
      out.push({
        box: { x: cx - side / 2, y: cy - side / 2, width: side, height: side },
        score: 1 / (1 + Math.exp(-v)),
      });
    }
  }
  return out;
}

/** v is ≥ every 3x3 neighbour's logit, and strictly above those before it in scan order (ties: first wins). */
function isPeak(raw: Float32Array, W: number, H: number, row: number, col: number, v: number): boolean {
  for (let dy = -1; dy <= 1; dy++) {
    const r = row + dy;
    if (r < 0 || r >= H) continue;
    for (let dx = -1; dx <= 1; dx++) {
      const c = col + dx;
      if ((dx === 0 && dy === 0) || c < 0 || c >= W) continue;
      const u = raw[(r * W + c) * CHANNELS]!;
      const before = dy < 0 || (dy === 0 && dx < 0);
      if (u > v || (before && u === v)) return false;
    }
  }
  return true;
}
