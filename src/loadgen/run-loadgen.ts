import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import type { RedisClient } from '../store/redis-connection.ts';
import { configSchema } from '../config/schema.ts';
import { EventLog } from '../events/event-log.ts';
import { connectRedis } from '../pipeline/distributed.ts';
import { BullBatchSink, dropCounterKey, EMBED_QUEUE, type BacklogPolicy } from '../queue/embed-queue.ts';
import { deleteAllKeys } from '../store/delete-keys.ts';
import { RedisKeys } from '../store/redis-keys.ts';
import { redisClusterNodesFromEnv } from '../store/redis-url.ts';
import { WatchlistStore } from '../store/watchlist-store.ts';
import { BatchFactory } from './batch-factory.ts';
import { loadCropPool, type PoolCrop } from './crop-pool.ts';
import { EventCollector } from './event-collector.ts';
import { summarizeLatencies } from './latency.ts';
import { resolveLoadgenModel, type LoadgenModel } from './loadgen-model.ts';
import { batchesToSend, dueAtMs } from './pacing.ts';
import {
  backlogSlopePerSecond,
  DEFAULT_KEEP_UP,
  judgeStep,
  rampRates,
  sustainedRate,
  type DepthSample,
  type KeepUpCriterion,
  type RampOptions,
} from './ramp.ts';
import type { LoadgenReport, StepReport } from './report.ts';
import { enrolSyntheticWatchlist } from './synthetic-watchlist.ts';
import { WorkerPool } from './worker-pool.ts';
import { readWorkerSnapshots, utilisations } from './worker-stats.ts';

export interface LoadgenOptions {
  /** @defaultValue BRIDGEFACE_REDIS_URL or redis://127.0.0.1:6379 */
  readonly redisUrl?: string;
  /** Redis Cluster startup nodes (redis:// URLs) instead of `redisUrl`. @defaultValue BRIDGEFACE_REDIS_CLUSTER_NODES */
  readonly redisClusterNodes?: readonly string[];
  /** Key prefix; a unique one is generated (and all its keys deleted at the end) when omitted. */
  readonly prefix?: string;
  /** `student` (untrained fallback when not shipped), `teacher` or a model dir. @defaultValue 'student' */
  readonly model?: string;
  /** A model already resolved (reused across runs; not cleaned up by this run). */
  readonly resolvedModel?: LoadgenModel;
  /** Embed worker processes. @defaultValue 1 */
  readonly workers?: number;
  /** Jobs per worker at once (`embed.concurrency`). @defaultValue 4 */
  readonly workerConcurrency?: number;
  /** Synthetic identities enrolled. @defaultValue 1000 */
  readonly watchlistSize?: number;
  /** @defaultValue { startRate: 50, factor: 1.5, maxSteps: 8 } */
  readonly ramp?: RampOptions;
  /** @defaultValue 15 */
  readonly stepSeconds?: number;
  /** Stop at the first step that does not keep up. @defaultValue true */
  readonly stopWhenBehind?: boolean;
  /** @defaultValue 16 */
  readonly batchFaces?: number;
  /** @defaultValue 2 */
  readonly cropsPerTrack?: number;
  /** Producer backlog bound (batches) and policy, as `queue.maxBacklog` / `queue.policy`. @defaultValue 200, drop-oldest */
  readonly maxBacklog?: number;
  readonly policy?: BacklogPolicy;
  /** Batches enqueued before the workers start (exercises the bounded backlog). @defaultValue 0 */
  readonly coldBurstBatches?: number;
  readonly keepUp?: KeepUpCriterion;
  /** @defaultValue 120 */
  readonly drainTimeoutSeconds?: number;
  /** Keep the Redis keys (events, watchlist) after the run. @defaultValue false */
  readonly keepKeys?: boolean;
  /** Crops to use (default: the demo clip's faces). */
  readonly cropPool?: readonly PoolCrop[];
  readonly cropSize?: number;
  readonly onProgress?: (line: string) => void;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function counter(redis: RedisClient, key: string): Promise<number> {
  return Number((await redis.get(key)) ?? 0);
}

/**
 * Drives the real distributed path with a controlled load: synthetic watchlist enrolled through the
 * WatchlistStore, embed worker processes spawned, face-crop batches injected into the BullMQ embed
 * queue at stepped rates, events read back from the stream, until a step does not keep up.
 */
export async function runLoadgen(o: LoadgenOptions = {}): Promise<LoadgenReport> {
  const say = o.onProgress ?? (() => {});
  const prefix = o.prefix ?? `bflg-${randomBytes(4).toString('hex')}`;
  const workers = o.workers ?? 1;
  const concurrency = o.workerConcurrency ?? 4;
  const watchlistSize = o.watchlistSize ?? 1000;
  const batchFaces = o.batchFaces ?? 16;
  const cropsPerTrack = o.cropsPerTrack ?? 2;
  const stepMs = (o.stepSeconds ?? 15) * 1000;
  const rates = rampRates(o.ramp ?? { startRate: 50, factor: 1.5, maxSteps: 8 });
  const model = o.resolvedModel ?? (await resolveLoadgenModel(o.model ?? 'student'));
  const pool = o.cropPool ?? (await loadCropPool({ cropSize: o.cropSize ?? 32 }));
  const cropSize = pool[0]!.image.width;
  const tmp = await mkdtemp(join(tmpdir(), 'bf-loadgen-'));
  const clusterNodes = o.redisClusterNodes ?? redisClusterNodesFromEnv();
  const config = configSchema.parse({
    redis: {
      url: o.redisUrl ?? process.env.BRIDGEFACE_REDIS_URL ?? 'redis://127.0.0.1:6379',
      prefix,
      cluster: clusterNodes ? { nodes: clusterNodes } : undefined,
    },
    cameras: [{ id: 'loadgen', url: 'loadgen' }],
    embed: { model: model.spec, concurrency, cropSize },
  });
  const configPath = join(tmp, 'worker-config.json');
  await writeFile(configPath, JSON.stringify(config));
  const keys = new RedisKeys(prefix);
  const redis = connectRedis(config);
  const sink = new BullBatchSink(redis, keys, {
    maxBacklog: o.maxBacklog ?? 200,
    policy: o.policy ?? 'drop-oldest',
  });
  const queue = new Queue(EMBED_QUEUE, { connection: redis, prefix: keys.queuePrefix() });
  const collector = new EventCollector(new EventLog(redis, keys));
  const factory = new BatchFactory(pool, { batchFaces, cropsPerTrack, runId: prefix });
  const workerPool = new WorkerPool({ count: workers, configPath });
  const t = { enrol: 0, workers_start: 0, warmup: 0, drain: 0 };
  const runStart = Date.now();
  const depth: (DepthSample & { step: number })[] = [];
  let step = -1;
  let sampling = true;
  let injectedFaces = 0;

  const inject = async (stepIndex: number): Promise<number> => {
    const { batch, tracks } = factory.next(Date.now());
    for (const tr of tracks)
      collector.expect(tr.trackId, { step: stepIndex, faces: tr.faces, enqueuedAtMs: batch.enqueuedAtMs });
    await sink.submit(batch);
    injectedFaces += batch.crops.length;
    return batch.crops.length;
  };
  const sampleDepth = async (): Promise<void> => {
    while (sampling) {
      const c = await queue.getJobCounts('wait', 'prioritized', 'active').catch(() => undefined);
      if (c)
        depth.push({
          tMs: Date.now() - runStart,
          waiting: (c.wait ?? 0) + (c.prioritized ?? 0),
          active: c.active ?? 0,
          step,
        });
      await sleep(250);
    }
  };
  const pollEvents = async (): Promise<void> => {
    while (sampling) {
      await collector.poll().catch(() => 0);
      await sleep(100);
    }
  };

  try {
    let s = Date.now();
    say(`enrolling ${watchlistSize} synthetic identities (${model.name}, dim ${model.dim})`);
    await enrolSyntheticWatchlist(new WatchlistStore(redis, keys), {
      size: watchlistSize,
      model: model.name,
      dim: model.dim,
    });
    t.enrol = (Date.now() - s) / 1000;
    for (let i = 0; i < (o.coldBurstBatches ?? 0); i++) await inject(-1);

    s = Date.now();
    say(`starting ${workers} embed worker process(es)`);
    workerPool.start();
    await workerPool.waitReady(redis, keys);
    t.workers_start = (Date.now() - s) / 1000;
    const background = Promise.all([sampleDepth(), pollEvents()]);

    // Warm-up: until every worker has embedded faces (its gallery is loaded) and warm-up tracks are done.
    s = Date.now();
    say('warming up (workers load the watchlist on their first batch)');
    for (;;) {
      workerPool.assertAlive();
      const snaps = await readWorkerSnapshots(redis, keys);
      const allWorked = workerPool.ids.every((id) => (snaps.get(id)?.facesEmbedded ?? 0) > 0);
      const c = await queue.getJobCounts('wait', 'prioritized', 'active');
      const queued = (c.wait ?? 0) + (c.prioritized ?? 0) + (c.active ?? 0);
      const drops = await counter(redis, dropCounterKey(keys));
      // Cold-burst tracks dropped by the backlog policy never get events: they are accounted as drops.
      const settled = queued === 0 && collector.facesCompleted + drops >= injectedFaces;
      if (allWorked && settled) break;
      if (Date.now() - s > 600_000) throw new Error('warm-up did not finish in 10 minutes');
      if (!allWorked && (await queue.getWaitingCount()) < workers)
        for (let i = 0; i < workers * concurrency; i++) await inject(-1);
      await sleep(500);
    }
    t.warmup = (Date.now() - s) / 1000;

    const steps: Omit<
      StepReport,
      'latency_ms_p50' | 'latency_ms_p95' | 'latency_ms_p99' | 'tracks_without_event'
    >[] = [];
    let stopReason = 'ramp finished (all steps kept up)';
    for (const [i, rate] of rates.entries()) {
      step = i;
      const snapsBefore = await readWorkerSnapshots(redis, keys);
      const dropsBefore = await counter(redis, dropCounterKey(keys));
      const t0 = Date.now();
      let sent = 0;
      let faces = 0;
      for (let elapsed = 0; elapsed < stepMs; elapsed = Date.now() - t0) {
        const n = batchesToSend(elapsed, rate, batchFaces, sent, 50);
        for (let k = 0; k < n; k++, sent++) faces += await inject(i);
        workerPool.assertAlive();
        await sleep(Math.min(50, Math.max(1, dueAtMs(sent, rate, batchFaces) - (Date.now() - t0))));
      }
      const t1 = Date.now();
      await sleep(150); // events written just before t1 reach the stream read
      await collector.poll();
      const snapsAfter = await readWorkerSnapshots(redis, keys);
      const dropped = (await counter(redis, dropCounterKey(keys))) - dropsBefore;
      const dur = t1 - t0;
      const samples = depth.filter((d) => d.step === i);
      const obs = {
        offeredRate: rate,
        injectedRate: (faces * 1000) / dur,
        completedRate: (collector.facesCompletedBetween(t0, t1) * 1000) / dur,
        dropped,
        durationMs: dur,
        depth: samples,
      };
      const verdict = judgeStep(obs, o.keepUp ?? DEFAULT_KEEP_UP);
      steps.push({
        step: i,
        offered_faces_per_second: rate,
        injected_faces_per_second: obs.injectedRate,
        completed_faces_per_second: obs.completedRate,
        injected_faces: faces,
        dropped,
        duration_s: dur / 1000,
        kept_up: verdict.keptUp,
        reasons: verdict.reasons,
        backlog_slope_batches_per_s: backlogSlopePerSecond(samples),
        max_waiting_batches: samples.reduce((m, d) => Math.max(m, d.waiting), 0),
        workers: utilisations(snapsBefore, snapsAfter),
      });
      say(
        `step ${i}: offered ${rate} faces/s, injected ${obs.injectedRate.toFixed(0)}, completed ${obs.completedRate.toFixed(0)}` +
          `${verdict.keptUp ? ' — kept up' : ` — behind: ${verdict.reasons.join('; ')}`}`,
      );
      if (!verdict.keptUp && (o.stopWhenBehind ?? true)) {
        stopReason = `step ${i} (${rate} faces/s) did not keep up: ${verdict.reasons.join('; ')}`;
        break;
      }
    }

    // Drain: every injected face is either processed (its track has an event) or counted as dropped.
    step = -1;
    s = Date.now();
    let failed = 0;
    for (;;) {
      await collector.poll();
      const c = await queue.getJobCounts('wait', 'prioritized', 'active', 'delayed', 'failed');
      failed = c.failed ?? 0;
      const busy = (c.wait ?? 0) + (c.prioritized ?? 0) + (c.active ?? 0) + (c.delayed ?? 0);
      const drops = await counter(redis, dropCounterKey(keys));
      if (busy === 0 && collector.facesCompleted + drops >= injectedFaces) break;
      if (Date.now() - s > (o.drainTimeoutSeconds ?? 120) * 1000) break;
      await sleep(200);
    }
    t.drain = (Date.now() - s) / 1000;
    sampling = false;
    await background;

    const dropped = await counter(redis, dropCounterKey(keys));
    const withLatency: StepReport[] = steps.map((st) => {
      const l = summarizeLatencies(collector.latencies(st.step));
      return {
        ...st,
        latency_ms_p50: l.p50,
        latency_ms_p95: l.p95,
        latency_ms_p99: l.p99,
        tracks_without_event: collector.missing(st.step),
      };
    });
    const kept = withLatency.filter((st) => st.kept_up).map((st) => st.step);
    const overall = summarizeLatencies(
      (kept.length > 0 ? kept : withLatency.map((st) => st.step)).flatMap((i) => collector.latencies(i)),
    );
    return {
      model: model.name,
      model_note: model.note,
      watchlist_size: watchlistSize,
      workers,
      worker_concurrency: concurrency,
      batch_faces: batchFaces,
      crops_per_track: cropsPerTrack,
      crop_size: cropSize,
      crop_pool: pool.length,
      sustained_faces_per_second: sustainedRate(
        withLatency.map((st) => ({ completedRate: st.completed_faces_per_second, keptUp: st.kept_up })),
      ),
      peak_faces_per_second: withLatency.reduce((m, st) => Math.max(m, st.completed_faces_per_second), 0),
      latency_ms_p50: overall.p50,
      latency_ms_p95: overall.p95,
      latency_ms_p99: overall.p99,
      dropped,
      injected_faces: injectedFaces,
      processed_faces: collector.facesCompleted,
      unaccounted_faces: injectedFaces - collector.facesCompleted - dropped,
      failed_batches: failed,
      duplicate_events: collector.stats.duplicateEvents,
      unstepped_tracks_without_event: collector.missing(-1),
      stop_reason: stopReason,
      steps: withLatency,
      queue_depth: depth,
      timings_s: t,
      host: { cpus: cpus().length, loadavg_1m: loadavg()[0]!, node: process.version },
    };
  } finally {
    sampling = false;
    await workerPool.close();
    await queue.close().catch(() => {});
    await sink.close().catch(() => {});
    if (!o.keepKeys) await deleteAllKeys(redis, keys).catch(() => 0);
    await redis.quit().catch(() => redis.disconnect());
    if (!o.resolvedModel) await model.cleanup();
    await rm(tmp, { recursive: true, force: true });
  }
}
