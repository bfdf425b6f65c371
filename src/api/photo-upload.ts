import type { FastifyRequest } from 'fastify';
import sharp from 'sharp';
import { EnrolmentError } from '../embed/gallery-embedder.ts';
import { decodeImage, encodeImage, ImageDecodeError } from '../image/decode.ts';
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

export type PhotoRejection = 'not_an_image' | 'too_large' | 'no_face' | 'several_faces';

export interface RejectedPhoto {
  readonly photo: string;
  readonly reason: PhotoRejection;
  readonly message: string;
}

/** A file name safe to echo: base name, printable ASCII, at most 100 characters. */
export function displayName(filename: string | undefined, index: number): string {
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

/**
 * Decodes and embeds every photo; if any is unusable, throws 422 PHOTO_REJECTED listing each
 * rejected photo with its reason, so the client can fix them all at once.
 */
export async function embedPhotos(
  photos: readonly UploadedPhoto[],
  enroller: PhotoEnroller,
  maxPixels: number,
): Promise<EmbeddedPhoto[]> {
  const accepted: EmbeddedPhoto[] = [];
  const rejected: RejectedPhoto[] = [];
  for (const p of photos) {
    try {
      accepted.push(await embedOne(p, enroller, maxPixels));
    } catch (err) {
      rejected.push(rejection(p.name, err));
    }
  }
  if (rejected.length > 0) {
    const list = rejected.map((r) => r.message).join('; ');
    throw new ApiError('PHOTO_REJECTED', `photo(s) rejected: ${list}`, rejected);
  }
  return accepted;
}

class TooLargeError extends Error {}

async function embedOne(
  p: UploadedPhoto,
  enroller: PhotoEnroller,
  maxPixels: number,
): Promise<EmbeddedPhoto> {
  const meta = await sharp(p.bytes)
    .metadata()
    .catch((err: unknown) => {
      throw new ImageDecodeError(p.name, err);
    });
  if ((meta.width ?? 0) * (meta.height ?? 0) > maxPixels) {
    throw new TooLargeError(`${meta.width}x${meta.height} is over ${maxPixels} pixels`);
  }
  const image = await decodeImage(p.bytes, p.name);
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
  throw err;
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
