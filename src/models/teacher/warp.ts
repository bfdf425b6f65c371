import type { RgbImage } from '../../image/rgb-image.ts';
import { applySimilarity, type Similarity } from './similarity.ts';

/**
 * Renders a `size`×`size` chip whose pixel centre (c, r) samples `image` at `chipToImage(c, r)`,
 * with bilinear interpolation; samples outside the image are clamped to the nearest edge pixel.
 * When the chip shrinks the face by more than 2x the source is box-filtered on the fly over the
 * footprint (like dlib's pyramid step) so small chips do not alias.
 */
export function warpToChip(image: RgbImage, chipToImage: Similarity, size: number): RgbImage {
  const { width, height, data } = image;
  const out = new Uint8Array(size * size * 3);
  const scale = Math.hypot(chipToImage.a, chipToImage.b);
  const taps = scale > 2 ? Math.min(8, Math.round(scale)) : 1;
  const { a, b } = chipToImage;
  const px = new Float64Array(3);
  const sample = (x: number, y: number): void => {
    const xc = Math.min(Math.max(x, 0), width - 1);
    const yc = Math.min(Math.max(y, 0), height - 1);
    const x0 = Math.floor(xc);
    const y0 = Math.floor(yc);
    const x1 = Math.min(x0 + 1, width - 1);
    const y1 = Math.min(y0 + 1, height - 1);
    const fx = xc - x0;
    const fy = yc - y0;
    const i00 = (y0 * width + x0) * 3;
    const i01 = (y0 * width + x1) * 3;
    const i10 = (y1 * width + x0) * 3;
    const i11 = (y1 * width + x1) * 3;
    for (let ch = 0; ch < 3; ch++) {
      const top = data[i00 + ch] + (data[i01 + ch] - data[i00 + ch]) * fx;
      const bottom = data[i10 + ch] + (data[i11 + ch] - data[i10 + ch]) * fx;
      px[ch] += top + (bottom - top) * fy;
    }
  };
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      px.fill(0);
      if (taps === 1) {
        const [x, y] = applySimilarity(chipToImage, c, r);
        sample(x, y);
      } else {
        for (let j = 0; j < taps; j++) {
          for (let i = 0; i < taps; i++) {
            const u = c + (i + 0.5) / taps - 0.5;
            const v = r + (j + 0.5) / taps - 0.5;
            sample(a * u - b * v + chipToImage.tx, b * u + a * v + chipToImage.ty);
          }
        }
      }
      const o = (r * size + c) * 3;
      const n = taps * taps;
      out[o] = Math.round(px[0] / n);
      out[o + 1] = Math.round(px[1] / n);
      out[o + 2] = Math.round(px[2] / n);
    }
  }
  return { width: size, height: size, data: out };
}
