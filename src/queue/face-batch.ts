import type { Box } from '../image/box.ts';
import type { RgbImage } from '../image/rgb-image.ts';

/** One face crop of a track, as it travels from a camera worker to an embed worker. */
export interface FaceCropMeta {
  readonly trackId: string;
  /** Face side in source pixels (before resizing to the crop size). */
  readonly facePx: number;
  readonly quality: number;
  readonly box: Box;
  readonly frameTimeMs: number;
  /** Index of the crop's frame among the camera's decoded frames (absent in synthetic batches). */
  readonly frameIndex?: number;
  /** Media time of that frame, ms (see IdentityEvent.mediaTimeMs). */
  readonly mediaTimeMs?: number;
}

/**
 * A batch of same-size square face crops from one camera: metadata as JSON, pixels as one binary blob
 * (N × size × size × 3 bytes, base64 inside the job because BullMQ stores job data as JSON; base64
 * costs a third more bytes, a JSON array of numbers would cost four times more and be slow to parse).
 */
export interface FaceBatch {
  readonly batchId: string;
  readonly camera: string;
  /** Enqueue time, ms since epoch: the start of the enqueue-to-event latency. */
  readonly enqueuedAtMs: number;
  readonly cropSize: number;
  readonly crops: readonly FaceCropMeta[];
  /** base64 of N × cropSize × cropSize × 3 RGB bytes. */
  readonly pixels: string;
}

export class FaceBatchError extends Error {
  readonly code = 'BAD_FACE_BATCH';
  constructor(message: string) {
    super(message);
    this.name = 'FaceBatchError';
  }
}

/** Packs crops (all `cropSize` square) into a batch. */
export function encodeFaceBatch(
  head: Omit<FaceBatch, 'pixels' | 'crops' | 'cropSize'>,
  cropSize: number,
  crops: readonly { meta: FaceCropMeta; image: RgbImage }[],
): FaceBatch {
  const per = cropSize * cropSize * 3;
  const buf = Buffer.allocUnsafe(per * crops.length);
  for (const [i, c] of crops.entries()) {
    if (c.image.width !== cropSize || c.image.height !== cropSize || c.image.data.length !== per) {
      throw new FaceBatchError(
        `crop ${i} is ${c.image.width}x${c.image.height}, batch crops must be ${cropSize}x${cropSize}`,
      );
    }
    buf.set(c.image.data, i * per);
  }
  return { ...head, cropSize, crops: crops.map((c) => c.meta), pixels: buf.toString('base64') };
}

/** Unpacks a batch into images (views on one decoded buffer); validates sizes so corrupt jobs fail clearly. */
export function decodeFaceBatch(batch: FaceBatch): RgbImage[] {
  const per = batch.cropSize * batch.cropSize * 3;
  if (!Number.isInteger(batch.cropSize) || batch.cropSize <= 0)
    throw new FaceBatchError(`bad cropSize ${batch.cropSize}`);
  const bytes = Buffer.from(batch.pixels, 'base64');
  if (bytes.length !== per * batch.crops.length) {
    throw new FaceBatchError(
      `batch ${batch.batchId}: ${bytes.length} pixel bytes for ${batch.crops.length} crops of ${batch.cropSize}px`,
    );
  }
  return batch.crops.map((_, i) => ({
    width: batch.cropSize,
    height: batch.cropSize,
    data: new Uint8Array(bytes.buffer, bytes.byteOffset + i * per, per),
  }));
}
