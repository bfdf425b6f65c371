import { assertRgbImage, type RgbImage } from './rgb-image.ts';

/**
 * Typed-array resampling for small face chips. Why not sharp: the chips here are tiny (8–150 px) and
 * there are many of them; sharp's per-call cost (libuv hop, pipeline setup, ~0.1 ms+) dwarfs the work,
 * while a separable box filter over a 150x150 chip is ~100k multiply-adds (microseconds), synchronous
 * and bit-for-bit reproducible. It also lets us resample an arbitrary sub-pixel window (misalignment
 * augmentation) and mirror in the same pass.
 */

/** A window in source pixels (fractional allowed); parts outside the image replicate the edge. */
export interface Window {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

interface Taps {
  /** offsets[i]..offsets[i+1] index into idx/weight for output sample i. */
  readonly offsets: Int32Array;
  readonly idx: Int32Array;
  readonly weight: Float32Array;
}

/** Box-filter taps: output sample i averages source interval [start + i*step, start + (i+1)*step). */
function boxTaps(start: number, length: number, outSize: number, srcSize: number): Taps {
  const step = length / outSize;
  const offsets = new Int32Array(outSize + 1);
  const idx: number[] = [];
  const weight: number[] = [];
  for (let i = 0; i < outSize; i++) {
    offsets[i] = idx.length;
    const a = start + i * step;
    const b = a + step;
    for (let k = Math.floor(a); k < b; k++) {
      const overlap = Math.min(b, k + 1) - Math.max(a, k);
      if (overlap <= 1e-9) continue;
      idx.push(Math.min(srcSize - 1, Math.max(0, k)));
      weight.push(overlap / step);
    }
  }
  offsets[outSize] = idx.length;
  return { offsets, idx: Int32Array.from(idx), weight: Float32Array.from(weight) };
}

/**
 * Area-average resample of `window` of `src` to outWidth x outHeight, returned as float RGB in
 * 0..255 (unrounded, so later stages — blur, noise — work on exact values). `flip` mirrors horizontally.
 */
export function areaResampleFloat(
  src: RgbImage,
  outWidth: number,
  outHeight: number,
  window: Window = { x: 0, y: 0, width: src.width, height: src.height },
  flip = false,
): Float32Array {
  assertRgbImage(src, 'areaResample source');
  if (!Number.isInteger(outWidth) || !Number.isInteger(outHeight) || outWidth <= 0 || outHeight <= 0) {
    throw new RangeError(`areaResample: output size must be positive integers, got ${outWidth}x${outHeight}`);
  }
  if (!(window.width > 0) || !(window.height > 0)) {
    throw new RangeError(
      `areaResample: window must have positive size, got ${window.width}x${window.height}`,
    );
  }
  const { width: W, height: H, data } = src;
  const tx = boxTaps(window.x, window.width, outWidth, W);
  const ty = boxTaps(window.y, window.height, outHeight, H);
  // Horizontal pass only over the source rows the vertical taps actually read.
  let rowLo = H;
  let rowHi = -1;
  for (const r of ty.idx) {
    if (r < rowLo) rowLo = r;
    if (r > rowHi) rowHi = r;
  }
  const tmp = new Float32Array(H * outWidth * 3);
  for (let y = rowLo; y <= rowHi; y++) {
    const rowBase = y * W * 3;
    for (let i = 0; i < outWidth; i++) {
      const col = flip ? outWidth - 1 - i : i;
      let r = 0;
      let g = 0;
      let b = 0;
      for (let t = tx.offsets[col]; t < tx.offsets[col + 1]; t++) {
        const p = rowBase + tx.idx[t] * 3;
        const w = tx.weight[t];
        r += data[p] * w;
        g += data[p + 1] * w;
        b += data[p + 2] * w;
      }
      const o = (y * outWidth + i) * 3;
      tmp[o] = r;
      tmp[o + 1] = g;
      tmp[o + 2] = b;
    }
  }
  const out = new Float32Array(outWidth * outHeight * 3);
  const rowLen = outWidth * 3;
  for (let j = 0; j < outHeight; j++) {
    const o = j * rowLen;
    for (let t = ty.offsets[j]; t < ty.offsets[j + 1]; t++) {
      const s = ty.idx[t] * rowLen;
      const w = ty.weight[t];
      for (let k = 0; k < rowLen; k++) out[o + k] += tmp[s + k] * w;
    }
  }
  return out;
}

/** Rounds and clamps float RGB (0..255) into an RgbImage. */
export function floatToRgb(values: Float32Array, width: number, height: number): RgbImage {
  if (values.length !== width * height * 3) {
    throw new RangeError(`floatToRgb: ${values.length} values do not fit ${width}x${height} RGB`);
  }
  const data = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = Math.round(values[i]);
    data[i] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
  return { width, height, data };
}

/** Deterministic area-average (box) downsampling of a whole image — the anti-aliased reference. */
export function resizeArea(src: RgbImage, outWidth: number, outHeight = outWidth): RgbImage {
  return floatToRgb(areaResampleFloat(src, outWidth, outHeight), outWidth, outHeight);
}

/**
 * Bilinear resize with half-pixel centres (the convention of tf.image.resizeBilinear with
 * halfPixelCenters and of OpenCV INTER_LINEAR), edges clamped. Used to bring LR chips up to a model's
 * input size; for downscaling by more than 2x use `resizeArea` instead (bilinear aliases).
 */
export function resizeBilinear(src: RgbImage, outWidth: number, outHeight = outWidth): RgbImage {
  assertRgbImage(src, 'resizeBilinear source');
  if (!Number.isInteger(outWidth) || !Number.isInteger(outHeight) || outWidth <= 0 || outHeight <= 0) {
    throw new RangeError(
      `resizeBilinear: output size must be positive integers, got ${outWidth}x${outHeight}`,
    );
  }
  const { width: W, height: H, data } = src;
  if (W === outWidth && H === outHeight) return { width: W, height: H, data: data.slice() };
  const sx = W / outWidth;
  const sy = H / outHeight;
  const x0 = new Int32Array(outWidth);
  const x1 = new Int32Array(outWidth);
  const fx = new Float32Array(outWidth);
  for (let i = 0; i < outWidth; i++) {
    const x = Math.min(W - 1, Math.max(0, (i + 0.5) * sx - 0.5));
    x0[i] = Math.floor(x);
    x1[i] = Math.min(W - 1, x0[i] + 1);
    fx[i] = x - x0[i];
  }
  const out = new Uint8Array(outWidth * outHeight * 3);
  for (let j = 0; j < outHeight; j++) {
    const y = Math.min(H - 1, Math.max(0, (j + 0.5) * sy - 0.5));
    const ya = Math.floor(y);
    const yb = Math.min(H - 1, ya + 1);
    const fy = y - ya;
    const ra = ya * W * 3;
    const rb = yb * W * 3;
    for (let i = 0; i < outWidth; i++) {
      const a = x0[i] * 3;
      const b = x1[i] * 3;
      const f = fx[i];
      const o = (j * outWidth + i) * 3;
      for (let c = 0; c < 3; c++) {
        const top = data[ra + a + c] + (data[ra + b + c] - data[ra + a + c]) * f;
        const bot = data[rb + a + c] + (data[rb + b + c] - data[rb + a + c]) * f;
        const v = Math.round(top + (bot - top) * fy);
        out[o + c] = v < 0 ? 0 : v > 255 ? 255 : v;
      }
    }
  }
  return { width: outWidth, height: outHeight, data: out };
}
