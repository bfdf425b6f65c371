import { encodeFaceBatch, type FaceBatch, type FaceCropMeta } from '../queue/face-batch.ts';
import type { PoolCrop } from './crop-pool.ts';

export interface BatchFactoryOptions {
  /** Faces per queue job. */
  readonly batchFaces: number;
  /** Crops of one track in a batch (the matcher fuses them into one decision / event). */
  readonly cropsPerTrack: number;
  /** Camera names cycled over batches. @defaultValue 8 */
  readonly cameras?: number;
  /** Prefix of every track id, unique per run. */
  readonly runId: string;
  /** Distinct pixel payloads cycled over batches. @defaultValue 8 */
  readonly variants?: number;
}

/** A batch to inject and the tracks it carries (faces per track). */
export interface InjectedBatch {
  readonly batch: FaceBatch;
  readonly tracks: readonly { trackId: string; faces: number }[];
}

/**
 * Builds queue batches from the real crop pool. Pixels are encoded once per variant (base64 is the
 * expensive part); each batch gets fresh track ids and its enqueue time as every crop's `frameTimeMs`,
 * which the matcher copies into the event: the start of the enqueue-to-event latency.
 */
export class BatchFactory {
  private readonly variants: { pixels: string; cropSize: number; crops: readonly PoolCrop[] }[];
  private seq = 0;
  private trackSeq = 0;

  constructor(
    pool: readonly PoolCrop[],
    private readonly o: BatchFactoryOptions,
  ) {
    if (pool.length === 0) throw new RangeError('empty crop pool');
    if (!Number.isInteger(o.batchFaces) || o.batchFaces < 1) throw new RangeError('batchFaces must be ≥ 1');
    if (!Number.isInteger(o.cropsPerTrack) || o.cropsPerTrack < 1)
      throw new RangeError('cropsPerTrack must be ≥ 1');
    const n = Math.max(1, o.variants ?? 8);
    this.variants = Array.from({ length: n }, (_, v) => {
      const crops = Array.from(
        { length: o.batchFaces },
        (_, i) => pool[(v * o.batchFaces + i) % pool.length]!,
      );
      const cropSize = crops[0]!.image.width;
      const encoded = encodeFaceBatch(
        { batchId: 'template', camera: 'template', enqueuedAtMs: 0 },
        cropSize,
        crops.map((c) => ({ meta: this.meta('t', c, 0), image: c.image })),
      );
      return { pixels: encoded.pixels, cropSize, crops };
    });
  }

  private meta(trackId: string, c: PoolCrop, nowMs: number): FaceCropMeta {
    return { trackId, facePx: c.facePx, quality: 0.5, box: c.box, frameTimeMs: nowMs };
  }

  /** The next batch, stamped with `nowMs` (ms since epoch). */
  next(nowMs: number): InjectedBatch {
    const seq = this.seq++;
    const v = this.variants[seq % this.variants.length]!;
    const tracks: { trackId: string; faces: number }[] = [];
    const crops: FaceCropMeta[] = [];
    for (let i = 0; i < v.crops.length; i += this.o.cropsPerTrack) {
      const trackId = `${this.o.runId}-t${this.trackSeq++}`;
      const n = Math.min(this.o.cropsPerTrack, v.crops.length - i);
      tracks.push({ trackId, faces: n });
      for (let j = 0; j < n; j++) crops.push(this.meta(trackId, v.crops[i + j]!, nowMs));
    }
    const batch: FaceBatch = {
      batchId: `${this.o.runId}-b${seq}`,
      camera: `loadgen-${seq % (this.o.cameras ?? 8)}`,
      enqueuedAtMs: nowMs,
      cropSize: v.cropSize,
      crops,
      pixels: v.pixels,
    };
    return { batch, tracks };
  }
}
