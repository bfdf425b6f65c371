import type { WorkerSnapshot } from './worker-stats.ts';

/**
 * Where an embed worker's time per face goes over a window (two snapshots): each stage's seconds
 * over the faces embedded in the window, in ms per face. Stage times are wall clock (with several
 * jobs in flight, one job's awaits overlap another's work): `decode`, `model` (the forward pass),
 * `match` (fuse + watchlist search + decide) and `event_write` (decision memory, evidence, XADD) are
 * the handler's stages; `embed_wait` is what jobs waited for their embeddings (batching wait +
 * queueing + the pass, summed over jobs); `job` the whole handler. `busy` is event-loop active time
 * and `cpu` process CPU time (all threads) per face: the budget actually consumed.
 * `unattributed_busy` = busy − (decode + model + match + event_write), at least 0: BullMQ job
 * fetch/ack and lock renewal, the Redis client, JSON, GC (a lower bound: stage wall times include
 * Redis waits).
 */
export interface StageBreakdown {
  readonly faces: number;
  readonly decode_ms: number;
  readonly model_ms: number;
  readonly match_ms: number;
  readonly event_write_ms: number;
  readonly embed_wait_ms: number;
  readonly job_ms: number;
  readonly busy_ms: number;
  readonly cpu_ms: number;
  readonly unattributed_busy_ms: number;
}

interface StageDelta {
  faces: number;
  decode: number;
  model: number;
  match: number;
  eventWrite: number;
  embed: number;
  job: number;
  busyMs: number;
  cpuMs: number;
}

function delta(a: WorkerSnapshot, b: WorkerSnapshot): StageDelta {
  return {
    faces: b.facesEmbedded - a.facesEmbedded,
    decode: b.stageSeconds.decode - a.stageSeconds.decode,
    model: b.stageSeconds.model - a.stageSeconds.model,
    match: b.stageSeconds.match - a.stageSeconds.match,
    eventWrite: b.stageSeconds.eventWrite - a.stageSeconds.eventWrite,
    embed: b.stageSeconds.embed - a.stageSeconds.embed,
    job: b.stageSeconds.job - a.stageSeconds.job,
    busyMs: b.loopActiveMs - a.loopActiveMs,
    cpuMs: b.cpuMs - a.cpuMs,
  };
}

function perFace(d: StageDelta): StageBreakdown | null {
  if (!(d.faces > 0)) return null;
  const ms = (seconds: number): number => (seconds * 1000) / d.faces;
  const busy = d.busyMs / d.faces;
  const staged = ms(d.decode) + ms(d.model) + ms(d.match) + ms(d.eventWrite);
  return {
    faces: d.faces,
    decode_ms: ms(d.decode),
    model_ms: ms(d.model),
    match_ms: ms(d.match),
    event_write_ms: ms(d.eventWrite),
    embed_wait_ms: ms(d.embed),
    job_ms: ms(d.job),
    busy_ms: busy,
    cpu_ms: d.cpuMs / d.faces,
    unattributed_busy_ms: Math.max(0, busy - staged),
  };
}

/** The breakdown of all workers together (summed) and of each worker, between two snapshot sets. */
export function stageBreakdown(
  before: ReadonlyMap<string, WorkerSnapshot>,
  after: ReadonlyMap<string, WorkerSnapshot>,
): { total: StageBreakdown | null; workers: (StageBreakdown & { worker: string })[] } {
  const total: StageDelta = {
    faces: 0,
    decode: 0,
    model: 0,
    match: 0,
    eventWrite: 0,
    embed: 0,
    job: 0,
    busyMs: 0,
    cpuMs: 0,
  };
  const workers: (StageBreakdown & { worker: string })[] = [];
  for (const [id, b] of [...after.entries()].sort(([x], [y]) => x.localeCompare(y))) {
    const a = before.get(id);
    if (!a) continue;
    const d = delta(a, b);
    for (const k of Object.keys(total) as (keyof StageDelta)[]) total[k] += d[k];
    const w = perFace(d);
    if (w) workers.push({ worker: id, ...w });
  }
  return { total: perFace(total), workers };
}
