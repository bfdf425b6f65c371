import type { FastifyRequest } from 'fastify';
import { EnrolmentError } from '../models/adapted-teacher.ts';
import { decodeImage, encodeImage, ImageDecodeError, probeImage } from '../image/decode.ts';
import { ApiError } from './api-error.ts';
import type { PhotoEnroller } from './model-holder.ts';

export interface UploadedPhoto {
  /** Client file name, reduced to a safe display form (used in error messages). */
  readonly name: string;
  readonly bytes: Buffer;
}

export interface Upload {
  readonly fields: Readonly<Record<string, string>>;
  readonly photos: UploadedPhoto[];
}

export type PhotoRejection =
  'not_an_image' | 'unsupported_format' | 'too_large' | 'no_face' | 'several_faces';

export interface RejectedPhoto {
  readonly photo: string;
  readonly reason: PhotoRejection;
  readonly message: string;
}

/** A file name safe to echo: base name, printable ASCII, at most 100 characters. */
function displayName(filename: string | undefined, index: number): string {
  const base = (filename ?? '').split(/[\\/]/).pop() ?? '';
  const clean = base.replace(/[^\x20-\x7e]/g, '_').slice(0, 100);
  return clean.length > 0 ? clean : `photo-${index + 1}`;
}

/**
 * Reads a multipart request: text fields and `photos` files (limits from the multipart plugin:
 * size and count overruns throw 413). Files under another field name are refused.
 */
export async function readUpload(request: FastifyRequest, allowedFields: readonly string[]): Promise<Upload> {
  if (!request.isMultipart()) {
    throw new ApiError('UNSUPPORTED_MEDIA_TYPE', 'expected multipart/form-data with photos');
  }
  const fields: Record<string, string> = {};
  const photos: UploadedPhoto[] = [];
  for await (const part of request.parts()) {
    if (part.type === 'file') {
      if (part.fieldname !== 'photos') {
        part.file.resume();
        throw new ApiError('VALIDATION_FAILED', `unexpected file field '${part.fieldname.slice(0, 64)}'`);
      }
      photos.push({ name: displayName(part.filename, photos.length), bytes: await part.toBuffer() });
    } else {
      if (!allowedFields.includes(part.fieldname)) {
        throw new ApiError('VALIDATION_FAILED', `unknown field '${part.fieldname.slice(0, 64)}'`);
      }
      fields[part.fieldname] = String(part.value);
    }
  }
  if (photos.length === 0)
    throw new ApiError('VALIDATION_FAILED', 'at least one photo is required (field photos)');
  return { fields, photos };
}

/** An accepted photo: its enrolment vector and a re-encoded JPEG (metadata such as GPS stripped). */
export interface EmbeddedPhoto {
  readonly embedding: Float32Array;
  readonly jpeg: Buffer;
}

/** Photo formats accepted for enrolment (docs/API.md); anything else, SVG included, is refused. */
const PHOTO_FORMATS: ReadonlySet<string> = new Set(['jpeg', 'png']);

export interface PhotoLimits {
  /** Largest photo accepted, by its header's width × height (api.maxPhotoPixels). */
  readonly maxPixels: number;
  /** Photos are downscaled to at most this many pixels before alignment (api.maxEnrolPixels). */
  readonly enrolPixels: number;
}

/**
 * Checks every photo's header (empty, not an image, format, size) before anything is decoded or
 * embedded, then decodes each downscaled to `enrolPixels` and embeds it. If any photo is unusable,
 * throws 422 PHOTO_REJECTED listing each rejected photo with its reason, so the client can fix them
 * all at once.
 */
export async function embedPhotos(
  photos: readonly UploadedPhoto[],
  enroller: PhotoEnroller,
  limits: PhotoLimits,
): Promise<EmbeddedPhoto[]> {
  throwIfRejected(await screenPhotos(photos, limits.maxPixels));
  const accepted: EmbeddedPhoto[] = [];
  const rejected: RejectedPhoto[] = [];
  for (const p of photos) {
    try {
      accepted.push(await embedOne(p, enroller, limits.enrolPixels));
    } catch (err) {
      rejected.push(rejection(p.name, err));
    }
  }
  throwIfRejected(rejected);
  return accepted;
}

function throwIfRejected(rejected: readonly RejectedPhoto[]): void {
  if (rejected.length === 0) return;
  const list = rejected.map((r) => r.message).join('; ');
  throw new ApiError('PHOTO_REJECTED', `photo(s) rejected: ${list}`, rejected);
}

/** The header checks of every photo: cheap, and done before any decoding. */
async function screenPhotos(photos: readonly UploadedPhoto[], maxPixels: number): Promise<RejectedPhoto[]> {
  const rejected: RejectedPhoto[] = [];
  for (const p of photos) {
    try {
      const info = await probeImage(p.bytes, p.name);
      if (!PHOTO_FORMATS.has(info.format)) throw new UnsupportedFormatError(info.format);
      if (info.width * info.height > maxPixels) {
        throw new TooLargeError(`${info.width}x${info.height} is over ${maxPixels} pixels`);
      }
    } catch (err) {
      rejected.push(rejection(p.name, err));
    }
  }
  return rejected;
}

class TooLargeError extends Error {}

class UnsupportedFormatError extends Error {
  constructor(readonly format: string) {
    super(`${format.slice(0, 16)} is not accepted (JPEG or PNG)`);
  }
}

async function embedOne(
  p: UploadedPhoto,
  enroller: PhotoEnroller,
  enrolPixels: number,
): Promise<EmbeddedPhoto> {
  const image = await decodeImage(p.bytes, p.name, { maxPixels: enrolPixels });
  const embedding = await enroller.enrolPhoto(image, p.name);
  return { embedding, jpeg: await encodeImage(image, 'jpeg', 90) };
}

function rejection(photo: string, err: unknown): RejectedPhoto {
  if (err instanceof EnrolmentError) return { photo, reason: err.reason, message: err.message };
  if (err instanceof ImageDecodeError) {
    return { photo, reason: 'not_an_image', message: `${photo}: not a decodable image` };
  }
  if (err instanceof TooLargeError)
    return { photo, reason: 'too_large', message: `${photo}: ${err.message}` };
  if (err instanceof UnsupportedFormatError)
    return { photo, reason: 'unsupported_format', message: `${photo}: ${err.message}` };
  throw err;
}

/**
 * Admission of enrolment uploads: at most `max` in progress (reading, decoding, embedding), so that
 * concurrent uploads cannot hold more than `max` × (photos × photo size) of memory; `tryEnter`
 * returns the release, or undefined when full.
 */
export class EnrolmentGate {
  private active = 0;

  constructor(private readonly max: number) {}

  tryEnter(): (() => void) | undefined {
    if (this.active >= this.max) return undefined;
    this.active += 1;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.active -= 1;
    };
  }
}

/** Runs enrolments one at a time: embedding is CPU-heavy and the API shares its cores. */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const next = this.tail.then(task, task);
    this.tail = next.catch(() => undefined);
    return next;
  }
}
