import type { TopLevelSpec } from 'vega-lite';
import type { LatencySummary } from './latency.ts';
import { leastSquaresSlope } from './slope.ts';
import type { WorkerSnapshot } from './worker-stats.ts';

/**
 * The soak benchmark's pure parts: memory samples taken from worker snapshots, their summary (is
 * tensor / RSS memory flat after warm-up?), where per-face time goes, the plot and the table.
 */

/** The memory fields of a worker snapshot (see WorkerSnapshot for what each one measures). */
type WorkerMemory = Pick<
  WorkerSnapshot,
  | 'numTensors'
  | 'numDataBuffers'
  | 'tensorBytes'
  | 'rssBytes'
  | 'heapUsedBytes'
  | 'externalBytes'
  | 'wasmBytes'
  | 'facesEmbedded'
>;

/** One worker's memory at one moment of the soak (field names as the issue names them). */
export interface SoakSample extends WorkerMemory {
  /** ms since the soak phase started (the snapshot's own clock). */
  readonly tMs: number;
  readonly worker: string;
}

export function soakSample(s: WorkerSnapshot, phaseStartMs: number): SoakSample {
  return {
    tMs: s.atMs - phaseStartMs,
    worker: s.workerId,
    numTensors: s.numTensors,
    numDataBuffers: s.numDataBuffers,
    tensorBytes: s.tensorBytes,
    rssBytes: s.rssBytes,
    heapUsedBytes: s.heapUsedBytes,
    externalBytes: s.externalBytes,
    wasmBytes: s.wasmBytes,
    facesEmbedded: s.facesEmbedded,
  };
}

export const SOAK_SERIES = [
  'numTensors',
  'numDataBuffers',
  'tensorBytes',
  'rssBytes',
  'heapUsedBytes',
  'externalBytes',
  'wasmBytes',
] as const;
export type SoakSeries = (typeof SOAK_SERIES)[number];

export interface SeriesSummary {
  readonly first: number;
  readonly last: number;
  readonly max: number;
  /** Least-squares slope per hour over the fit window (null with fewer than 2 samples in it). */
  readonly slope_per_hour: number | null;
}

export interface WorkerMemorySummary {
  readonly worker: string;
  readonly samples: number;
  /** Samples at or after `fit_from_s` (the second half of the run) fitted for the slopes. */
  readonly fit_samples: number;
  /** Null for a series the worker does not report (wasmBytes off the wasm backend). */
  readonly series: { readonly [K in SoakSeries]: SeriesSummary | null };
}

const MS_PER_HOUR = 3_600_000;

/** first / last / max / slope per hour of one series (null when no sample has it). */
export function seriesSummary(
  samples: readonly SoakSample[],
  key: SoakSeries,
  fitFromMs: number,
): SeriesSummary | null {
  const has = samples.filter((s) => s[key] !== null);
  if (has.length === 0) return null;
  const v = (s: SoakSample): number => s[key] ?? 0;
  const fit = has.filter((s) => s.tMs >= fitFromMs);
  return {
    first: v(has[0]!),
    last: v(has[has.length - 1]!),
    max: has.reduce((m, s) => Math.max(m, v(s)), Number.NEGATIVE_INFINITY),
    slope_per_hour: fit.length < 2 ? null : leastSquaresSlope(fit, (s) => s.tMs / MS_PER_HOUR, v),
  };
}

/**
 * Per worker, per series: first, last, max over the whole run and the least-squares slope per hour
 * over samples at or after `fitFromMs` (after warm-up: allocator pools, JIT and caches settle first,
 * so a leak shows as a steady slope there, not as the early ramp).
 */
export function summarizeSoakMemory(
  samples: readonly SoakSample[],
  fitFromMs: number,
): WorkerMemorySummary[] {
  const byWorker = new Map<string, SoakSample[]>();
  for (const s of samples) byWorker.set(s.worker, [...(byWorker.get(s.worker) ?? []), s]);
  return [...byWorker.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([worker, list]) => {
      const sorted = [...list].sort((a, b) => a.tMs - b.tMs);
      const series = Object.fromEntries(SOAK_SERIES.map((k) => [k, seriesSummary(sorted, k, fitFromMs)])) as {
        [K in SoakSeries]: SeriesSummary | null;
      };
      return {
        worker,
        samples: sorted.length,
        fit_samples: sorted.filter((s) => s.tMs >= fitFromMs).length,
        series,
      };
    });
}

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

export interface SoakConfig {
  readonly workers: number;
  readonly worker_concurrency: number;
  readonly watchlist_size: number;
  readonly rate_faces_per_second: number;
  readonly minutes: number;
  readonly sample_seconds: number;
  readonly batch_faces: number;
  readonly crops_per_track: number;
  readonly crop_size: number;
  readonly crop_pool: number;
  readonly model: string;
  /** Non-null when the weights are untrained (speed and memory only). */
  readonly model_note: string | null;
  readonly redis_prefix: string;
}

export interface SoakMachine {
  readonly cpu_model: string;
  readonly cores: number;
  readonly total_memory_bytes: number;
  readonly node: string;
  /** The workers' tfjs backend (from their snapshots). */
  readonly backend: string | null;
  readonly loadavg_1m_start: number;
  readonly loadavg_1m_end: number;
}

export interface SoakSummary {
  /**
   * `running` in the JSON rewritten while the soak runs; `interrupted` after SIGINT / SIGTERM;
   * `failed` when the run stopped on an error (e.g. a worker exited).
   */
  readonly status: 'running' | 'completed' | 'interrupted' | 'failed';
  /** Length of the soak phase so far (after warm-up), s. */
  readonly elapsed_s: number;
  /** Slopes are fitted over samples at or after this time (the second half of the soak). */
  readonly fit_from_s: number;
  readonly injected_faces: number;
  readonly injected_faces_per_second: number;
  /** Faces of soak tracks that got an event. */
  readonly processed_faces: number;
  /** Faces embedded by the workers during the soak (their counters). */
  readonly faces_embedded: number;
  /** Faces dropped by the backlog policy during the soak. */
  readonly dropped: number;
  /** Soak tracks without an event (yet). */
  readonly tracks_without_event: number;
  readonly latency_ms: LatencySummary;
  readonly max_waiting_batches: number;
  readonly backlog_slope_batches_per_s: number;
  readonly memory: readonly WorkerMemorySummary[];
  readonly stages: ReturnType<typeof stageBreakdown>;
}

export interface SoakReport {
  readonly config: SoakConfig;
  readonly machine: SoakMachine;
  /** ISO time the soak phase started. */
  readonly date: string;
  readonly summary: SoakSummary;
  readonly samples: readonly SoakSample[];
  /** Embed-queue depth at each sample time. */
  readonly queue: readonly { tMs: number; waiting: number; active: number }[];
}

const MIB = 1024 * 1024;

/** Vega-Lite spec: live tensors over time beside worker memory (RSS, V8 heap, wasm heap, tensors) in MiB. */
export function soakPlotSpec(r: Pick<SoakReport, 'config' | 'samples'>): TopLevelSpec {
  const tensors = r.samples.map((s) => ({ min: s.tMs / 60_000, tensors: s.numTensors, worker: s.worker }));
  const memory = r.samples.flatMap((s) =>
    (
      [
        ['RSS', s.rssBytes],
        ['V8 heap used', s.heapUsedBytes],
        ['wasm heap (high-water)', s.wasmBytes],
        ['tensor bytes', s.tensorBytes],
      ] as const
    )
      .filter(([, v]) => v !== null)
      .map(([series, v]) => ({ min: s.tMs / 60_000, mib: (v ?? 0) / MIB, series, worker: s.worker })),
  );
  const x = {
    field: 'min',
    type: 'quantitative' as const,
    title: 'minutes into the soak',
    scale: { nice: false },
  };
  const c = r.config;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `soak: ${c.model}, ${c.workers} worker(s), ${c.rate_faces_per_second} faces/s, watchlist ${c.watchlist_size}${c.model_note ? ` (${c.model_note})` : ''}`,
    resolve: { scale: { color: 'independent' }, legend: { color: 'independent' } },
    hconcat: [
      {
        title: 'Live tensors (tf.memory().numTensors)',
        width: 320,
        height: 240,
        data: { values: tensors },
        mark: { type: 'line', point: tensors.length < 60 },
        encoding: {
          x,
          y: {
            field: 'tensors',
            type: 'quantitative',
            title: 'tensors',
            scale: { zero: false },
            axis: { format: 'd', tickMinStep: 1 },
          },
          color: { field: 'worker', type: 'nominal' },
        },
      },
      {
        title: 'Worker memory',
        width: 320,
        height: 240,
        data: { values: memory },
        mark: { type: 'line' },
        encoding: {
          x,
          y: { field: 'mib', type: 'quantitative', title: 'MiB' },
          color: { field: 'series', type: 'nominal', title: null, legend: { labelLimit: 300 } },
          strokeDash: { field: 'worker', type: 'nominal' },
        },
      },
    ],
  };
}

const BYTE_SERIES: ReadonlySet<SoakSeries> = new Set([
  'tensorBytes',
  'rssBytes',
  'heapUsedBytes',
  'externalBytes',
  'wasmBytes',
]);

function fmt(key: SoakSeries, v: number | null): string {
  if (v === null) return '-';
  return BYTE_SERIES.has(key) ? `${(v / MIB).toFixed(1)} MiB` : v.toFixed(Number.isInteger(v) ? 0 : 1);
}

function align(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows
    .map((r) => r.map((x, i) => (i === 0 ? x.padEnd(widths[i]!) : x.padStart(widths[i]!))).join('  '))
    .join('\n');
}

/** Plain-text tables of the summary: memory per worker and series, then ms per face per stage. */
export function soakTable(s: SoakSummary): string {
  const mem: string[][] = [['worker / series', 'first', 'last', 'max', 'slope/h (2nd half)']];
  for (const w of s.memory) {
    for (const k of SOAK_SERIES) {
      const x = w.series[k];
      if (!x) continue;
      mem.push([
        `${w.worker} ${k}`,
        fmt(k, x.first),
        fmt(k, x.last),
        fmt(k, x.max),
        fmt(k, x.slope_per_hour),
      ]);
    }
  }
  const stages: string[][] = [['ms per face', 'all workers', ...s.stages.workers.map((w) => w.worker)]];
  const cols: (keyof StageBreakdown)[] = [
    'decode_ms',
    'model_ms',
    'match_ms',
    'event_write_ms',
    'unattributed_busy_ms',
    'busy_ms',
    'cpu_ms',
    'embed_wait_ms',
    'job_ms',
  ];
  for (const c of cols)
    stages.push([
      c.replace(/_ms$/, ''),
      s.stages.total ? s.stages.total[c].toFixed(3) : '-',
      ...s.stages.workers.map((w) => w[c].toFixed(3)),
    ]);
  const l = s.latency_ms;
  return [
    `soak ${s.status}: ${s.elapsed_s.toFixed(0)} s, injected ${s.injected_faces} faces (${s.injected_faces_per_second.toFixed(1)}/s), ` +
      `processed ${s.processed_faces}, dropped ${s.dropped}, tracks without event ${s.tracks_without_event}`,
    `latency ms p50 ${l.p50 ?? '-'} p95 ${l.p95 ?? '-'} p99 ${l.p99 ?? '-'} max ${l.max ?? '-'}; ` +
      `max waiting batches ${s.max_waiting_batches}, backlog slope ${s.backlog_slope_batches_per_s.toFixed(3)} batches/s`,
    '',
    `memory (slopes fitted from ${s.fit_from_s.toFixed(0)} s)`,
    align(mem),
    '',
    align(stages),
  ].join('\n');
}
