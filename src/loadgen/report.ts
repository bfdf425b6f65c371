import { renderVegaLiteSvg } from '../util/vega-svg.ts';
import type { TopLevelSpec } from 'vega-lite';
import type { BlendWeight } from '../models/size-routed.ts';
import type { DepthSample } from './ramp.ts';
import type { WorkerUtilisation } from './worker-stats.ts';

/** One ramp step in the report (snake_case: the JSON is read by scripts and other languages). */
export interface StepReport {
  readonly step: number;
  readonly offered_faces_per_second: number;
  readonly injected_faces_per_second: number;
  /** Faces whose event was written during the step, per second. */
  readonly completed_faces_per_second: number;
  readonly injected_faces: number;
  readonly dropped: number;
  readonly duration_s: number;
  readonly kept_up: boolean;
  readonly reasons: readonly string[];
  readonly backlog_slope_batches_per_s: number;
  readonly max_waiting_batches: number;
  /** Over the tracks injected in this step (events may arrive after the step ended). */
  readonly latency_ms_p50: number | null;
  readonly latency_ms_p95: number | null;
  readonly latency_ms_p99: number | null;
  /** Tracks of this step without an event after the drain (dropped by the backlog policy, or lost). */
  readonly tracks_without_event: number;
  readonly workers: readonly WorkerUtilisation[];
}

export interface LoadgenReport {
  readonly model: string;
  /** Non-null when the numbers measure speed only (untrained weights). */
  readonly model_note: string | null;
  readonly watchlist_size: number;
  readonly workers: number;
  readonly worker_concurrency: number;
  readonly batch_faces: number;
  readonly crops_per_track: number;
  readonly crop_size: number;
  /** Faces from this size were embedded by the teacher + adapter alone (`embed.teacherFromPx`); null: never. */
  readonly teacher_from_px: number | null;
  /** Faces from this size up to teacher_from_px by the model and the teacher + adapter, blended (`embed.blendFromPx`, `blend_weights`); null: never. */
  readonly blend_from_px: number | null;
  /** The teacher + adapter's share of a blended face, from each row's `minFacePx` up; null: no blending. */
  readonly blend_weights: readonly BlendWeight[] | null;
  readonly crop_pool: number;
  /** Highest completed rate among steps that kept up. */
  readonly sustained_faces_per_second: number;
  /** Highest completed rate of any step (overloaded steps included). */
  readonly peak_faces_per_second: number;
  /** Over the tracks of steps that kept up (all steps when none did). */
  readonly latency_ms_p50: number | null;
  readonly latency_ms_p95: number | null;
  readonly latency_ms_p99: number | null;
  /** Faces dropped by the backlog policy (the Redis drop counter). */
  readonly dropped: number;
  readonly injected_faces: number;
  /** Faces whose track got an event. */
  readonly processed_faces: number;
  /** injected − processed − dropped after the drain (0 unless the drain timed out or events were lost). */
  readonly unaccounted_faces: number;
  /** Batches that failed all their attempts (BullMQ `failed`). */
  readonly failed_batches: number;
  /** Events for a track that already had one (should be 0: tracks are unique and one batch each). */
  readonly duplicate_events: number;
  /** Cold-burst and warm-up tracks without an event after the drain (normally the dropped ones). */
  readonly unstepped_tracks_without_event: number;
  readonly stop_reason: string;
  readonly steps: readonly StepReport[];
  readonly queue_depth: readonly (DepthSample & { step: number })[];
  readonly timings_s: {
    readonly enrol: number;
    readonly workers_start: number;
    readonly warmup: number;
    readonly drain: number;
  };
  readonly host: { readonly cpus: number; readonly loadavg_1m: number; readonly node: string };
}

/** Vega-Lite spec: completed vs offered faces/s (with the y = x line) beside latency vs offered load. */
export function loadgenPlotSpec(r: LoadgenReport): TopLevelSpec {
  const thr = r.steps.flatMap((s) => [
    { offered: s.offered_faces_per_second, rate: s.completed_faces_per_second, series: 'completed (events)' },
    { offered: s.offered_faces_per_second, rate: s.offered_faces_per_second, series: 'offered' },
  ]);
  const lat = r.steps.flatMap((s) =>
    (
      [
        ['p50', s.latency_ms_p50],
        ['p95', s.latency_ms_p95],
        ['p99', s.latency_ms_p99],
      ] as const
    )
      .filter(([, v]) => v !== null)
      .map(([q, v]) => ({ offered: s.offered_faces_per_second, latency: v, quantile: q })),
  );
  const x = { field: 'offered', type: 'quantitative' as const, title: 'offered load (faces/s)' };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `loadgen: ${r.model}, ${r.workers} worker(s), watchlist ${r.watchlist_size}${r.model_note ? ` (${r.model_note})` : ''}`,
    resolve: { scale: { color: 'independent' }, legend: { color: 'independent' } },
    hconcat: [
      {
        title: `Throughput (sustained ${Math.round(r.sustained_faces_per_second)} faces/s)`,
        width: 300,
        height: 240,
        data: { values: thr },
        mark: { type: 'line', point: true },
        encoding: {
          x,
          y: { field: 'rate', type: 'quantitative', title: 'faces/s' },
          color: { field: 'series', type: 'nominal', title: null },
          strokeDash: { field: 'series', type: 'nominal', legend: null },
        },
      },
      {
        title: 'Enqueue-to-event latency',
        width: 300,
        height: 240,
        data: { values: lat },
        mark: { type: 'line', point: true },
        encoding: {
          x,
          y: { field: 'latency', type: 'quantitative', title: 'ms', scale: { type: 'symlog' } },
          color: { field: 'quantile', type: 'nominal', sort: ['p50', 'p95', 'p99'] },
        },
      },
    ],
  };
}

/** Renders the plot as a standalone SVG (headless). */
export function renderLoadgenPlot(r: LoadgenReport): Promise<string> {
  return renderVegaLiteSvg(loadgenPlotSpec(r));
}
