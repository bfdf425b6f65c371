import { clamp, SCENE_HEIGHT, SCENE_WIDTH } from './scene-layout.ts';

/** Shape fills with soft edges on the demo scene's float RGB frame buffers (SCENE_WIDTH x SCENE_HEIGHT). */

export type Rgb = readonly [number, number, number];

function fillPixel(buf: Float32Array, i: number, c: Rgb, alpha: number): void {
  const o = i * 3;
  buf[o] += (c[0] - buf[o]) * alpha;
  buf[o + 1] += (c[1] - buf[o + 1]) * alpha;
  buf[o + 2] += (c[2] - buf[o + 2]) * alpha;
}

export function fillRect(
  buf: Float32Array,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  c: Rgb,
  a = 1,
): void {
  const xa = Math.max(0, Math.round(x0));
  const xb = Math.min(SCENE_WIDTH, Math.round(x1));
  const ya = Math.max(0, Math.round(y0));
  const yb = Math.min(SCENE_HEIGHT, Math.round(y1));
  for (let y = ya; y < yb; y++) for (let x = xa; x < xb; x++) fillPixel(buf, y * SCENE_WIDTH + x, c, a);
}

/** A round-capped thick segment with a one-pixel soft edge. */
export function fillCapsule(
  buf: Float32Array,
  ax: number,
  ay: number,
  bx: number,
  by: number,
  r: number,
  c: Rgb,
  a = 1,
): void {
  const x0 = Math.max(0, Math.floor(Math.min(ax, bx) - r - 1));
  const x1 = Math.min(SCENE_WIDTH - 1, Math.ceil(Math.max(ax, bx) + r + 1));
  const y0 = Math.max(0, Math.floor(Math.min(ay, by) - r - 1));
  const y1 = Math.min(SCENE_HEIGHT - 1, Math.ceil(Math.max(ay, by) + r + 1));
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy || 1e-9;
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const t = clamp(((x + 0.5 - ax) * dx + (y + 0.5 - ay) * dy) / len2, 0, 1);
      const d = Math.hypot(x + 0.5 - ax - t * dx, y + 0.5 - ay - t * dy);
      const cover = clamp(r - d + 0.5, 0, 1);
      if (cover > 0) fillPixel(buf, y * SCENE_WIDTH + x, c, cover * a);
    }
  }
}

export function fillEllipse(
  buf: Float32Array,
  cx: number,
  cy: number,
  rx: number,
  ry: number,
  c: Rgb,
  a = 1,
): void {
  const x0 = Math.max(0, Math.floor(cx - rx - 1));
  const x1 = Math.min(SCENE_WIDTH - 1, Math.ceil(cx + rx + 1));
  const y0 = Math.max(0, Math.floor(cy - ry - 1));
  const y1 = Math.min(SCENE_HEIGHT - 1, Math.ceil(cy + ry + 1));
  const rMin = Math.min(rx, ry);
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const n = Math.hypot((x + 0.5 - cx) / rx, (y + 0.5 - cy) / ry);
      const cover = clamp((1 - n) * rMin + 0.5, 0, 1);
      if (cover > 0) fillPixel(buf, y * SCENE_WIDTH + x, c, cover * a);
    }
  }
}
