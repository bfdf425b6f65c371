import { performance } from 'node:perf_hooks';
import * as tf from '@tensorflow/tfjs';
import type { RedisClient } from '../store/redis-connection.ts';
import type { EmbedStageSeconds, PipelineMetrics } from '../metrics/pipeline-metrics.ts';
import type { RedisKeys } from '../store/redis-keys.ts';

/**
 * What each loadgen embed worker process reports about itself, cumulative since it started, so the
 * load generator can compute utilisation over any window from two snapshots.
 */
export interface WorkerSnapshot {
  readonly workerId: string;
  readonly pid: number;
  /** Wall clock of the snapshot, ms since epoch. */
  readonly atMs: number;
  /** Event-loop active / idle time (ms): tfjs-wasm runs on the main thread, so active ≈ busy. */
  readonly loopActiveMs: number;
  readonly loopIdleMs: number;
  /** Process CPU time (user + system, ms; all threads). */
  readonly cpuMs: number;
  /** Faces embedded (PipelineMetrics `bridgeface_faces_embedded_total`). */
  readonly facesEmbedded: number;
  /** Cumulative seconds per job-handler stage (PipelineMetrics stage histograms' sums). */
  readonly stageSeconds: EmbedStageSeconds;
  /** The tfjs backend of the worker (null before one is set). */
  readonly backend: string | null;
  /** Live tensors, their data buffers and bytes (`tf.memory()`; 0 when no backend is set). */
  readonly numTensors: number;
  readonly numDataBuffers: number;
  readonly tensorBytes: number;
  /** `process.memoryUsage()`: resident set, V8 heap used, memory of C++ objects bound to JS. */
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
  readonly externalBytes: number;
  /**
   * Size of the wasm backend's linear memory (null on other backends). WebAssembly memory only
   * grows, so this is the backend heap's high-water mark, not what is in use now.
   */
  readonly wasmBytes: number | null;
}

/** The wasm backend's linear-memory size, when the active backend is wasm and exposes its heap. */
export function wasmHeapBytes(): number | null {
  if (tf.getBackend() !== 'wasm') return null;
  const backend: unknown = tf.backend();
  if (typeof backend !== 'object' || backend === null || !('wasm' in backend)) return null;
  const wasmModule: unknown = backend.wasm;
  if (typeof wasmModule !== 'object' || wasmModule === null || !('HEAPU8' in wasmModule)) return null;
  const heap: unknown = wasmModule.HEAPU8;
  return heap instanceof Uint8Array ? heap.byteLength : null;
}

/** Memory fields of a snapshot, taken in this process. */
export function memorySelf(): Pick<
  WorkerSnapshot,
  | 'backend'
  | 'numTensors'
  | 'numDataBuffers'
  | 'tensorBytes'
  | 'rssBytes'
  | 'heapUsedBytes'
  | 'externalBytes'
  | 'wasmBytes'
> {
  const backend = tf.getBackend() || null;
  const tensors = backend ? tf.memory() : null;
  const mem = process.memoryUsage();
  return {
    backend,
    numTensors: tensors?.numTensors ?? 0,
    numDataBuffers: tensors?.numDataBuffers ?? 0,
    tensorBytes: tensors?.numBytes ?? 0,
    rssBytes: mem.rss,
    heapUsedBytes: mem.heapUsed,
    externalBytes: mem.external,
    wasmBytes: wasmHeapBytes(),
  };
}

/**
 * HASH workerId → JSON WorkerSnapshot, written by loadgen workers every `intervalMs`. Under the queue's
 * hash tag (same slot as the queue on Cluster), removed with the prefix's other keys.
 */
export function workerStatsKey(keys: RedisKeys): string {
  return `${keys.queuePrefix()}:loadgen:workers`;
}

async function facesEmbedded(metrics: PipelineMetrics): Promise<number> {
  const v = await metrics.facesEmbedded.get();
  return v.values.reduce((s, x) => s + x.value, 0);
}

/** Takes a snapshot of this process. */
export async function snapshotSelf(workerId: string, metrics: PipelineMetrics): Promise<WorkerSnapshot> {
  const elu = performance.eventLoopUtilization();
  const cpu = process.cpuUsage();
  return {
    workerId,
    pid: process.pid,
    atMs: Date.now(),
    loopActiveMs: elu.active,
    loopIdleMs: elu.idle,
    cpuMs: (cpu.user + cpu.system) / 1000,
    facesEmbedded: await facesEmbedded(metrics),
    stageSeconds: await metrics.embedStageSeconds(),
    ...memorySelf(),
  };
}

/** Publishes this process's snapshot now and every `intervalMs`; the returned function stops it. */
export function startStatsReporter(
  redis: RedisClient,
  keys: RedisKeys,
  workerId: string,
  metrics: PipelineMetrics,
  intervalMs = 500,
): { stop(): Promise<void> } {
  const publish = async (): Promise<void> => {
    const snap = await snapshotSelf(workerId, metrics);
    await redis.hset(workerStatsKey(keys), workerId, JSON.stringify(snap));
  };
  void publish().catch(() => {});
  const timer = setInterval(() => void publish().catch(() => {}), intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await publish().catch(() => {});
    },
  };
}

/** Every worker's latest snapshot. */
export async function readWorkerSnapshots(
  redis: RedisClient,
  keys: RedisKeys,
): Promise<Map<string, WorkerSnapshot>> {
  const h = await redis.hgetall(workerStatsKey(keys));
  return new Map(Object.entries(h).map(([id, json]) => [id, JSON.parse(json) as WorkerSnapshot]));
}

export interface WorkerUtilisation {
  readonly workerId: string;
  /** Event-loop busy time / wall time over the window (0..1). */
  readonly busy: number;
  /** CPU time / wall time over the window (can exceed 1 with helper threads). */
  readonly cpu: number;
  readonly facesEmbedded: number;
  readonly facesPerSecond: number;
}

/** Utilisation of one worker between two of its snapshots (null when the window is empty). */
export function utilisationBetween(a: WorkerSnapshot, b: WorkerSnapshot): WorkerUtilisation | null {
  const wall = b.atMs - a.atMs;
  const loop = b.loopActiveMs - a.loopActiveMs + (b.loopIdleMs - a.loopIdleMs);
  if (!(wall > 0) || !(loop > 0)) return null;
  const faces = b.facesEmbedded - a.facesEmbedded;
  return {
    workerId: b.workerId,
    busy: Math.min(1, Math.max(0, (b.loopActiveMs - a.loopActiveMs) / loop)),
    cpu: Math.max(0, (b.cpuMs - a.cpuMs) / wall),
    facesEmbedded: faces,
    facesPerSecond: (faces * 1000) / wall,
  };
}

/** Utilisation of every worker present in both snapshot sets. */
export function utilisations(
  before: ReadonlyMap<string, WorkerSnapshot>,
  after: ReadonlyMap<string, WorkerSnapshot>,
): WorkerUtilisation[] {
  const out: WorkerUtilisation[] = [];
  for (const [id, b] of after) {
    const a = before.get(id);
    const u = a ? utilisationBetween(a, b) : null;
    if (u) out.push(u);
  }
  return out.sort((x, y) => x.workerId.localeCompare(y.workerId));
}
