import { performance } from 'node:perf_hooks';
import { CONFIG_DEFAULTS } from '../config/defaults.ts';
import type { RgbImage } from '../image/rgb-image.ts';
import type { FaceEmbedder } from '../models/embedder.ts';
import { withDefaults, type OptionsInput } from '../util/with-defaults.ts';

export interface DynamicBatcherOptions {
  /** Largest number of faces in one model call. @defaultValue 256 */
  readonly maxBatch: number;
  /** Longest a face waits for others to fill a batch, ms. @defaultValue 5 */
  readonly maxWaitMs: number;
  /** Called after each successful model call with its faces and forward-pass seconds (no waiting). */
  readonly onModelCall?: (faces: number, seconds: number) => void;
}

/** The config's `embed.maxBatch` and `embed.maxWaitMs` defaults (src/config/schema.ts). */
export const DEFAULT_BATCHER_OPTIONS: DynamicBatcherOptions = Object.freeze({
  maxBatch: CONFIG_DEFAULTS.embed.maxBatch,
  maxWaitMs: CONFIG_DEFAULTS.embed.maxWaitMs,
});

interface Pending {
  readonly chips: readonly RgbImage[];
  /** Face side of each chip in source pixels, when the caller knows it (see FaceEmbedder.embed). */
  readonly facePx: readonly number[] | undefined;
  resolve(v: Float32Array[]): void;
  reject(e: unknown): void;
}

export interface BatcherStats {
  calls: number;
  faces: number;
  /** Histogram of model-call sizes: the mean tells how well batching works under the current load. */
  readonly batchSizes: number[];
}

/**
 * Merges concurrent embedding requests (one per queue job) into model calls of up to `maxBatch` faces,
 * flushing when full or after `maxWaitMs`: a GPU or SIMD backend is several times faster per face on
 * big batches, while a lone request still completes within a few ms. Model calls run one at a time.
 */
export class DynamicBatcher {
  private queue: Pending[] = [];
  private queuedFaces = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  readonly stats: BatcherStats = { calls: 0, faces: 0, batchSizes: [] };
  private readonly options: DynamicBatcherOptions;

  constructor(
    private readonly embedder: FaceEmbedder,
    options: OptionsInput<DynamicBatcherOptions> = {},
  ) {
    this.options = withDefaults(DEFAULT_BATCHER_OPTIONS, options);
    if (this.options.maxBatch < 1) throw new RangeError('maxBatch must be ≥ 1');
  }

  embed(chips: readonly RgbImage[], facePx?: readonly number[]): Promise<Float32Array[]> {
    if (chips.length === 0) return Promise.resolve([]);
    if (facePx && facePx.length !== chips.length) {
      return Promise.reject(new RangeError(`${chips.length} chips but ${facePx.length} face sizes`));
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ chips, facePx, resolve, reject });
      this.queuedFaces += chips.length;
      if (this.queuedFaces >= this.options.maxBatch) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.options.maxWaitMs);
    });
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    // Take whole requests up to maxBatch faces (a single request larger than maxBatch goes alone).
    const take: Pending[] = [];
    let faces = 0;
    while (this.queue.length > 0) {
      const next = this.queue[0]!;
      if (take.length > 0 && faces + next.chips.length > this.options.maxBatch) break;
      take.push(this.queue.shift()!);
      faces += next.chips.length;
    }
    this.queuedFaces -= faces;
    if (this.queue.length > 0)
      this.timer = setTimeout(
        () => this.flush(),
        this.queuedFaces >= this.options.maxBatch ? 0 : this.options.maxWaitMs,
      );
    this.running = this.running.then(() => this.run(take, faces));
  }

  private async run(take: Pending[], faces: number): Promise<void> {
    try {
      const chips = take.flatMap((p) => p.chips);
      // A request without sizes lends its chips' widths, as the embedder would assume for it alone.
      const facePx = take.some((p) => p.facePx)
        ? take.flatMap((p) => p.facePx ?? p.chips.map((c) => c.width))
        : undefined;
      const t0 = performance.now();
      const all = await this.embedder.embed(chips, facePx);
      this.options.onModelCall?.(faces, (performance.now() - t0) / 1000);
      this.stats.calls++;
      this.stats.faces += faces;
      this.stats.batchSizes.push(faces);
      if (this.stats.batchSizes.length > 1000) this.stats.batchSizes.splice(0, 500);
      let o = 0;
      for (const p of take) {
        p.resolve(all.slice(o, o + p.chips.length));
        o += p.chips.length;
      }
    } catch (err) {
      for (const p of take) p.reject(err);
    }
  }

  /** Waits for queued requests to finish. */
  async drain(): Promise<void> {
    if (this.queue.length > 0) this.flush();
    await this.running;
  }
}
