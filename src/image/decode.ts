import sharp from 'sharp';
import { readFile } from 'node:fs/promises';
import type { RgbImage } from './rgb-image.ts';

/** Raised when bytes are not a decodable image; carries the source for the error message. */
export class ImageDecodeError extends Error {
  readonly code = 'IMAGE_DECODE_FAILED';
  constructor(
    readonly source: string,
    cause: unknown,
  ) {
    super(`cannot decode image ${source}: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
    this.name = 'ImageDecodeError';
  }
}

/**
 * Decodes JPEG/PNG/WebP/GIF/TIFF/PGM bytes into 8-bit RGB (alpha dropped, grey expanded), applying
 * EXIF orientation so phone photos are upright. `limitInputPixels` bounds memory on hostile inputs.
 */
export async function decodeImage(bytes: Uint8Array, source = '<buffer>'): Promise<RgbImage> {
  try {
    const { data, info } = await sharp(bytes, { limitInputPixels: 64_000_000 })
      .rotate()
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`expected 3 channels after conversion, got ${info.channels}`);
    return {
      width: info.width,
      height: info.height,
      data: new Uint8Array(data.buffer, data.byteOffset, data.length),
    };
  } catch (err) {
    throw new ImageDecodeError(source, err);
  }
}

/** Reads and decodes an image file. */
export async function decodeImageFile(path: string): Promise<RgbImage> {
  return decodeImage(await readFile(path), path);
}

/** Encodes an RgbImage as PNG (lossless) or JPEG bytes. */
export async function encodeImage(
  image: RgbImage,
  format: 'png' | 'jpeg' = 'png',
  quality = 90,
): Promise<Buffer> {
  const s = sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } });
  return format === 'png' ? s.png().toBuffer() : s.jpeg({ quality }).toBuffer();
}
