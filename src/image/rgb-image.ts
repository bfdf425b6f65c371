import { createRng } from '../util/random.ts';
/**
 * An 8-bit RGB image: row-major, 3 bytes per pixel, no row padding. This is the one pixel type that
 * crosses module boundaries (decode → detect → align → embed), so every stage agrees on layout.
 */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  /** Length must be width * height * 3. */
  readonly data: Uint8Array;
}

/** Throws a clear error when `image` is not a consistent RgbImage. */
export function assertRgbImage(image: RgbImage, what = 'image'): void {
  const { width, height, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`${what}: width and height must be positive integers, got ${width}x${height}`);
  }
  if (data.length !== width * height * 3) {
    throw new RangeError(
      `${what}: expected ${width * height * 3} bytes for ${width}x${height} RGB, got ${data.length}`,
    );
  }
}

/** The image mirrored left to right (a new buffer). */
export function mirrorImage(image: RgbImage): RgbImage {
  assertRgbImage(image, 'mirrorImage source');
  const { width, height, data } = image;
  const out = new Uint8Array(data.length);
  for (let y = 0; y < height; y++) {
    const row = y * width * 3;
    for (let x = 0; x < width; x++) {
      const s = row + x * 3;
      const d = row + (width - 1 - x) * 3;
      out[d] = data[s]!;
      out[d + 1] = data[s + 1]!;
      out[d + 2] = data[s + 2]!;
    }
  }
  return { width, height, data: out };
}

/**
 * `n` square images of uniform random pixels from a seeded generator: reproducible stand-in crops for
 * speed measurements and parity fixtures, where content does not matter but bytes must repeat.
 */
export function randomRgbImages(n: number, size: number, seed: number | string): RgbImage[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => ({
    width: size,
    height: size,
    data: Uint8Array.from({ length: size * size * 3 }, () => rng.int(0, 255)),
  }));
}
