import { resizeArea, resizeBilinear } from '../../image/resize.ts';
import { assertRgbImage, type RgbImage } from '../../image/rgb-image.ts';

/**
 * Brings a chip to the student's square input: area averaging when shrinking (bilinear would alias),
 * bilinear when enlarging (an LR face upsampled to the input, as the student was trained). The same rule
 * as the registry's generic layers embedder, so both wrappers give identical inputs.
 */
export function toStudentInput(chip: RgbImage, size: number): RgbImage {
  assertRgbImage(chip, 'chip');
  if (chip.width === size && chip.height === size) return chip;
  return chip.width > size ? resizeArea(chip, size, size) : resizeBilinear(chip, size, size);
}

/** Packs same-size RGB images into one float buffer [N, S, S, 3] with 0..255 values. */
export function packImages(images: readonly RgbImage[], size: number): Float32Array {
  const per = size * size * 3;
  const out = new Float32Array(images.length * per);
  images.forEach((img, i) => {
    if (img.width !== size || img.height !== size) {
      throw new RangeError(`packImages: image ${i} is ${img.width}x${img.height}, expected ${size}x${size}`);
    }
    out.set(img.data, i * per);
  });
  return out;
}
