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

/** What an image's header says, read without decoding its pixels. */
export interface ImageInfo {
  /** sharp's name for the format: `jpeg`, `png`, `webp`, `svg`, … */
  readonly format: string;
  readonly width: number;
  readonly height: number;
}

/**
 * Reads format and size from the header only (no pixel limit, so a decompression bomb can be
 * measured and refused as too large rather than failing as undecodable). ImageDecodeError when the
 * bytes are empty or not an image.
 */
export async function probeImage(bytes: Uint8Array, source = '<buffer>'): Promise<ImageInfo> {
  try {
    if (bytes.length === 0) throw new Error('empty file');
    const meta = await sharp(bytes, { limitInputPixels: false }).metadata();
    if (!meta.width || !meta.height) throw new Error('no image size in the header');
    return { format: meta.format, width: meta.width, height: meta.height };
  } catch (err) {
    throw new ImageDecodeError(source, err);
  }
}

export interface DecodeOptions {
  /**
   * Downscale (keeping the aspect ratio) to at most this many pixels while decoding; JPEGs are
   * shrunk on load, so a 40 MP photo never exists at full size in memory. @defaultValue no limit
   */
  readonly maxPixels?: number;
}

/** Width and height fitting `maxPixels`, or undefined when the image fits already. */
function fitted(width: number, height: number, maxPixels: number | undefined) {
  if (maxPixels === undefined || width * height <= maxPixels) return undefined;
  const scale = Math.sqrt(maxPixels / (width * height));
  return { width: Math.max(1, Math.floor(width * scale)), height: Math.max(1, Math.floor(height * scale)) };
}

/**
 * Decodes JPEG/PNG/WebP/GIF/TIFF/PGM bytes into 8-bit RGB (alpha dropped, grey expanded), applying
 * EXIF orientation so phone photos are upright, downscaled to `maxPixels` when given.
 * `limitInputPixels` bounds memory on hostile inputs.
 */
export async function decodeImage(
  bytes: Uint8Array,
  source = '<buffer>',
  options: DecodeOptions = {},
): Promise<RgbImage> {
  try {
    const img = sharp(bytes, { limitInputPixels: 64_000_000 });
    let pipeline = img.rotate();
    if (options.maxPixels !== undefined) {
      const meta = await img.metadata();
      // Orientations 5-8 turn the image a quarter: the upright size is the header's transposed.
      const turned = (meta.orientation ?? 1) >= 5;
      const w = (turned ? meta.height : meta.width) ?? 0;
      const h = (turned ? meta.width : meta.height) ?? 0;
      const size = fitted(w, h, options.maxPixels);
      if (size) pipeline = pipeline.resize({ ...size, fit: 'inside' });
    }
    const { data, info } = await pipeline
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
export async function decodeImageFile(path: string, options: DecodeOptions = {}): Promise<RgbImage> {
  return decodeImage(await readFile(path), path, options);
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
