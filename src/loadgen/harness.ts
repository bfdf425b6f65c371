import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import type { RedisClient } from '../store/redis-connection.ts';
import { CONFIG_DEFAULTS } from '../config/defaults.ts';
import { redisConfigFromEnv } from '../config/load-config.ts';
import { configSchema } from '../config/schema.ts';
import type { ProbeRouting } from '../models/size-routed.ts';
import { EventLog } from '../store/event-log.ts';
import { connectRedis } from '../../workers/connect-redis.ts';
import { BullBatchSink, dropCounterKey, EMBED_QUEUE, type BacklogPolicy } from '../queue/embed-queue.ts';
import { deleteAllKeys } from '../store/delete-keys.ts';
import { RedisKeys } from '../store/redis-keys.ts';
import { WatchlistStore } from '../store/watchlist-store.ts';
import { BatchFactory } from './batch-factory.ts';
import { loadCropPool, type PoolCrop } from './crop-pool.ts';
import { EventCollector } from './event-collector.ts';
import { resolveLoadgenModel, type LoadgenModel } from './loadgen-model.ts';
import { batchesToSend, dueAtMs } from './pacing.ts';
import type { DepthSample } from './ramp.ts';
import { enrolSyntheticWatchlist } from './synthetic-watchlist.ts';
import { WorkerPool } from './worker-pool.ts';
import { readWorkerSnapshots, type WorkerSnapshot } from './worker-stats.ts';

/** What a load-generator run sets up: the Redis prefix, the model, the crops, the worker processes. */
export interface HarnessOptions {
  /** @defaultValue BRIDGEFACE_REDIS_URL or redis://127.0.0.1:6379 */
  readonly redisUrl?: string;
  /** Redis Cluster startup nodes (redis:// URLs) instead of `redisUrl`. @defaultValue BRIDGEFACE_REDIS_CLUSTER_NODES */
  readonly redisClusterNodes?: readonly string[];
  /** Key prefix; a unique one is generated (and all its keys deleted on close) when omitted. */
  readonly prefix?: string;
  /** `student` (untrained fallback when not shipped), `teacher` or a model dir. @defaultValue 'student' */
  readonly model?: string;
  /** A model already resolved (reused across runs; not cleaned up by this run). */
  readonly resolvedModel?: LoadgenModel;
  /** Embed worker processes. @defaultValue 1 */
  readonly workers?: number;
  /**
   * Which faces also or only go to the teacher + adapter (`embed.blendFromPx` / `teacherFromPx`).
   * @defaultValue the config's
   */
  readonly routing?: ProbeRouting;
  /** Jobs per worker at once. @defaultValue the config's `embed.concurrency` */
  readonly workerConcurrency?: number;
  /** Synthetic identities enrolled. @defaultValue 1000 */
  readonly watchlistSize?: number;
  /** @defaultValue 16 */
  readonly batchFaces?: number;
  /** @defaultValue 2 */
  readonly cropsPerTrack?: number;
  /** Producer backlog bound (batches) and policy. @defaultValue the config's `queue.maxBacklog` / `queue.policy` */
  readonly maxBacklog?: number;
  readonly policy?: BacklogPolicy;
  /** Keep the Redis keys (events, watchlist) after the run. @defaultValue false */
  readonly keepKeys?: boolean;
  /** Crops to use (default: the demo clip's faces). */
  readonly cropPool?: readonly PoolCrop[];
  readonly cropSize?: number;
  readonly onProgress?: (line: string) => void;
}

/** The workers' probe routing: the option, else the config defaults. */
function routingOf(o: HarnessOptions): ProbeRouting {
  return (
    o.routing ?? {
      blendFromPx: CONFIG_DEFAULTS.embed.blendFromPx,
      teacherFromPx: CONFIG_DEFAULTS.embed.teacherFromPx,
      blendWeights: CONFIG_DEFAULTS.embed.blendWeights,
    }
  );
}

/** A paced injection: what was sent, and when it started and ended (ms since epoch). */
export interface PacedInjection {
  readonly faces: number;
  readonly batches: number;
  readonly startMs: number;
  readonly endMs: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * The real distributed path under a controlled load, shared by the ramp (`runLoadgen`) and the soak
 * benchmark: a synthetic watchlist enrolled through the WatchlistStore, embed worker processes (the
 * production embed role), face-crop batches injected into the BullMQ embed queue on an open-loop
 * schedule, events read back from the stream. `close()` stops the workers and deletes the prefix.
 */
export class LoadgenHarness {
  readonly depth: (DepthSample & { step: number })[] = [];
  readonly startedAtMs = Date.now();
  /** Step label of the depth samples taken now (-1: outside any measured phase). */
  step = -1;
  injectedFaces = 0;
  private sampling = false;
  private background: Promise<unknown> = Promise.resolve();
  private closing: Promise<void> | undefined;
  private readonly say: (line: string) => void;

  private constructor(
    private readonly o: HarnessOptions,
    readonly prefix: string,
    readonly keys: RedisKeys,
    readonly redis: RedisClient,
    readonly model: LoadgenModel,
    readonly pool: readonly PoolCrop[],
    readonly workerPool: WorkerPool,
    private readonly sink: BullBatchSink,
    readonly queue: Queue,
    readonly collector: EventCollector,
    private readonly factory: BatchFactory,
    private readonly tmp: string,
  ) {
    this.say = o.onProgress ?? (() => {});
  }

  get workers(): number {
    return this.o.workers ?? 1;
  }
  get workerConcurrency(): number {
    return this.o.workerConcurrency ?? CONFIG_DEFAULTS.embed.concurrency;
  }
  get watchlistSize(): number {
    return this.o.watchlistSize ?? 1000;
  }
  get batchFaces(): number {
    return this.o.batchFaces ?? 16;
  }
  get cropsPerTrack(): number {
    return this.o.cropsPerTrack ?? 2;
  }
  get routing(): ProbeRouting {
    return routingOf(this.o);
  }

  get cropSize(): number {
    return this.pool[0]!.image.width;
  }

  /** Resolves the model and crops, writes the workers' config, connects to Redis. Starts nothing yet. */
  static async open(o: HarnessOptions = {}): Promise<LoadgenHarness> {
    const prefix = o.prefix ?? `bflg-${randomBytes(4).toString('hex')}`;
    const model = o.resolvedModel ?? (await resolveLoadgenModel(o.model ?? 'student'));
    let tmp: string | undefined;
    try {
      const pool =
        o.cropPool ?? (await loadCropPool({ cropSize: o.cropSize ?? CONFIG_DEFAULTS.embed.cropSize }));
      tmp = await mkdtemp(join(tmpdir(), 'bf-loadgen-'));
      const fromEnv = redisConfigFromEnv();
      const clusterNodes = o.redisClusterNodes ?? fromEnv.cluster?.nodes;
      const config = configSchema.parse({
        redis: {
          url: o.redisUrl ?? fromEnv.url,
          prefix,
          cluster: clusterNodes ? { nodes: clusterNodes } : undefined,
        },
        cameras: [{ id: 'loadgen', url: 'loadgen' }],
        embed: {
          model: model.spec,
          concurrency: o.workerConcurrency ?? CONFIG_DEFAULTS.embed.concurrency,
          cropSize: pool[0]!.image.width,
          ...routingOf(o),
        },
      });
      const configPath = join(tmp, 'worker-config.json');
      await writeFile(configPath, JSON.stringify(config));
      const keys = new RedisKeys(prefix);
      const redis = connectRedis(config);
      return new LoadgenHarness(
        o,
        prefix,
        keys,
        redis,
        model,
        pool,
        new WorkerPool({ count: o.workers ?? 1, configPath }),
        new BullBatchSink(redis, keys, {
          maxBacklog: o.maxBacklog ?? CONFIG_DEFAULTS.queue.maxBacklog,
          policy: o.policy ?? CONFIG_DEFAULTS.queue.policy,
        }),
        new Queue(EMBED_QUEUE, { connection: redis, prefix: keys.queuePrefix() }),
        new EventCollector(new EventLog(redis, keys)),
        new BatchFactory(pool, {
          batchFaces: o.batchFaces ?? 16,
          cropsPerTrack: o.cropsPerTrack ?? 2,
          runId: prefix,
        }),
        tmp,
      );
    } catch (err) {
      if (!o.resolvedModel) await model.cleanup();
      if (tmp) await rm(tmp, { recursive: true, force: true });
      throw err;
    }
  }

  /** Enrols the synthetic watchlist; returns the seconds it took. */
  async enrol(): Promise<number> {
    const s = Date.now();
    this.say(
      `enrolling ${this.watchlistSize} synthetic identities (${this.model.name}, dim ${this.model.dim})`,
    );
    await enrolSyntheticWatchlist(new WatchlistStore(this.redis, this.keys), {
      size: this.watchlistSize,
      model: this.model.name,
      dim: this.model.dim,
    });
    return (Date.now() - s) / 1000;
  }

  /** Enqueues the next batch, its tracks expected under `step`; returns its faces. */
  async inject(step: number): Promise<number> {
    const { batch, tracks } = this.factory.next(Date.now());
    for (const tr of tracks)
      this.collector.expect(tr.trackId, { step, faces: tr.faces, enqueuedAtMs: batch.enqueuedAtMs });
    await this.sink.submit(batch);
    this.injectedFaces += batch.crops.length;
    return batch.crops.length;
  }

  /** Starts the worker processes and waits until each has published a snapshot; returns the seconds. */
  async startWorkers(): Promise<number> {
    const s = Date.now();
    this.say(`starting ${this.workers} embed worker process(es)`);
    this.workerPool.start();
    await this.workerPool.waitReady(this.redis, this.keys);
    return (Date.now() - s) / 1000;
  }

  /** Starts sampling the queue depth (every `depthEveryMs`) and following the events stream. */
  startBackground(depthEveryMs = 250): void {
    if (this.sampling) return;
    this.sampling = true;
    const sampleDepth = async (): Promise<void> => {
      while (this.sampling) {
        const c = await this.queue.getJobCounts('wait', 'prioritized', 'active').catch(() => undefined);
        if (c)
          this.depth.push({
            tMs: Date.now() - this.startedAtMs,
            waiting: (c.wait ?? 0) + (c.prioritized ?? 0),
            active: c.active ?? 0,
            step: this.step,
          });
        await sleep(depthEveryMs);
      }
    };
    const pollEvents = async (): Promise<void> => {
      while (this.sampling) {
        await this.collector.poll().catch(() => 0);
        await sleep(100);
      }
    };
    this.background = Promise.all([sampleDepth(), pollEvents()]);
  }

  async stopBackground(): Promise<void> {
    this.sampling = false;
    await this.background.catch(() => undefined);
  }

  /** Faces dropped by the backlog policy so far (the shared Redis counter). */
  async dropped(): Promise<number> {
    return Number((await this.redis.get(dropCounterKey(this.keys))) ?? 0);
  }

  snapshots(): Promise<Map<string, WorkerSnapshot>> {
    return readWorkerSnapshots(this.redis, this.keys);
  }

  /**
   * Warm-up: until every worker has embedded faces (its gallery is loaded) and the warm-up tracks are
   * done (tracks injected before, e.g. a cold burst dropped by the backlog policy, count as drops).
   * Returns the seconds it took (early when `signal` aborts).
   */
  async warmUp(signal?: AbortSignal, timeoutMs = 600_000): Promise<number> {
    const s = Date.now();
    this.say('warming up (workers load the watchlist on their first batch)');
    while (!signal?.aborted) {
      this.workerPool.assertAlive();
      const snaps = await this.snapshots();
      const allWorked = this.workerPool.ids.every((id) => (snaps.get(id)?.facesEmbedded ?? 0) > 0);
      const c = await this.queue.getJobCounts('wait', 'prioritized', 'active');
      const queued = (c.wait ?? 0) + (c.prioritized ?? 0) + (c.active ?? 0);
      const settled =
        queued === 0 && this.collector.facesCompleted + (await this.dropped()) >= this.injectedFaces;
      if (allWorked && settled) break;
      if (Date.now() - s > timeoutMs) throw new Error(`warm-up did not finish in ${timeoutMs / 1000} s`);
      if (!allWorked && (await this.queue.getWaitingCount()) < this.workers)
        for (let i = 0; i < this.workers * this.workerConcurrency; i++) await this.inject(-1);
      await sleep(500);
    }
    return (Date.now() - s) / 1000;
  }

  /**
   * Injects at `facesPerSecond` for `durationMs` on the open-loop schedule (what is due is sent,
   * whatever the workers do; bursts capped at 50 batches), tracks labelled `step`. Throws when a
   * worker exits; stops early, without throwing, when `signal` aborts.
   */
  async injectAt(
    facesPerSecond: number,
    durationMs: number,
    step: number,
    signal?: AbortSignal,
  ): Promise<PacedInjection> {
    const batchFaces = this.batchFaces;
    const startMs = Date.now();
    let sent = 0;
    let faces = 0;
    for (let elapsed = 0; elapsed < durationMs && !signal?.aborted; elapsed = Date.now() - startMs) {
      const n = batchesToSend(elapsed, facesPerSecond, batchFaces, sent, 50);
      for (let k = 0; k < n; k++, sent++) faces += await this.inject(step);
      if (signal?.aborted) break;
      this.workerPool.assertAlive();
      const wait = dueAtMs(sent, facesPerSecond, batchFaces) - (Date.now() - startMs);
      await sleep(Math.min(50, Math.max(1, wait)));
    }
    return { faces, batches: sent, startMs, endMs: Date.now() };
  }

  /**
   * Drain: until every injected face is processed (its track has an event) or counted as dropped, or
   * `timeoutSeconds` pass. Returns the batches that failed all attempts and the seconds it took.
   */
  async drain(timeoutSeconds = 120, signal?: AbortSignal): Promise<{ failed: number; seconds: number }> {
    const s = Date.now();
    let failed = 0;
    while (!signal?.aborted) {
      await this.collector.poll();
      const c = await this.queue.getJobCounts('wait', 'prioritized', 'active', 'delayed', 'failed');
      failed = c.failed ?? 0;
      const busy = (c.wait ?? 0) + (c.prioritized ?? 0) + (c.active ?? 0) + (c.delayed ?? 0);
      if (busy === 0 && this.collector.facesCompleted + (await this.dropped()) >= this.injectedFaces) break;
      if (Date.now() - s > timeoutSeconds * 1000) break;
      await sleep(200);
    }
    return { failed, seconds: (Date.now() - s) / 1000 };
  }

  /** Stops the workers and the background loops, deletes the prefix's keys (unless kept). Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.sampling = false;
      await this.workerPool.close();
      await this.background.catch(() => undefined);
      await this.queue.close().catch(() => {});
      await this.sink.close().catch(() => {});
      if (!this.o.keepKeys) await deleteAllKeys(this.redis, this.keys).catch(() => 0);
      await this.redis.quit().catch(() => this.redis.disconnect());
      if (!this.o.resolvedModel) await this.model.cleanup();
      await rm(this.tmp, { recursive: true, force: true });
    })();
    return this.closing;
  }
}
