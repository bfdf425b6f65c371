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
