import { leastSquaresSlope } from './slope.ts';
import type { WorkerSnapshot } from './worker-stats.ts';

/**
 * The soak benchmark's memory samples, taken from worker snapshots, and their summary: is tensor / RSS
 * memory flat after warm-up? (Stage costs: soak-stages.ts; the report: soak-report.ts.)
 */

/** The memory series of a worker snapshot (see WorkerSnapshot for what each one measures). */
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

/** The memory fields of a worker snapshot, and its face count. */
type WorkerMemory = Pick<WorkerSnapshot, SoakSeries | 'facesEmbedded'>;

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

/** Bytes per MiB, as plots and tables show memory. */
export const MIB = 1024 * 1024;
