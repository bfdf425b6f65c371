import { cpus, loadavg } from 'node:os';
import { blendWeightsInUse } from '../models/size-routed.ts';
import { LoadgenHarness, type HarnessOptions } from './harness.ts';
import { summarizeLatencies } from './latency.ts';
import {
  backlogSlopePerSecond,
  DEFAULT_KEEP_UP,
  judgeStep,
  rampRates,
  sustainedRate,
  type KeepUpCriterion,
  type RampOptions,
} from './ramp.ts';
import type { LoadgenReport, StepReport } from './report.ts';
import { utilisations } from './worker-stats.ts';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface LoadgenOptions extends HarnessOptions {
  /** @defaultValue { startRate: 50, factor: 1.5, maxSteps: 8 } */
  readonly ramp?: RampOptions;
  /** @defaultValue 15 */
  readonly stepSeconds?: number;
  /** Stop at the first step that does not keep up. @defaultValue true */
  readonly stopWhenBehind?: boolean;
  /** Batches enqueued before the workers start (exercises the bounded backlog). @defaultValue 0 */
  readonly coldBurstBatches?: number;
  readonly keepUp?: KeepUpCriterion;
  /** @defaultValue 120 */
  readonly drainTimeoutSeconds?: number;
}

/**
 * Drives the real distributed path with a controlled load (a LoadgenHarness): synthetic watchlist
 * enrolled, embed worker processes spawned, face-crop batches injected into the BullMQ embed queue at
 * stepped rates, events read back from the stream, until a step does not keep up.
 */
export async function runLoadgen(o: LoadgenOptions = {}): Promise<LoadgenReport> {
  const say = o.onProgress ?? (() => {});
  const stepMs = (o.stepSeconds ?? 15) * 1000;
  const rates = rampRates(o.ramp ?? { startRate: 50, factor: 1.5, maxSteps: 8 });
  const h = await LoadgenHarness.open(o);
  const { collector, model } = h;
  const t = { enrol: 0, workers_start: 0, warmup: 0, drain: 0 };

  try {
    t.enrol = await h.enrol();
    for (let i = 0; i < (o.coldBurstBatches ?? 0); i++) await h.inject(-1);
    t.workers_start = await h.startWorkers();
    h.startBackground();
    t.warmup = await h.warmUp();

    const steps: Omit<
      StepReport,
      'latency_ms_p50' | 'latency_ms_p95' | 'latency_ms_p99' | 'tracks_without_event'
    >[] = [];
    let stopReason = 'ramp finished (all steps kept up)';
    for (const [i, rate] of rates.entries()) {
      h.step = i;
      const snapsBefore = await h.snapshots();
      const dropsBefore = await h.dropped();
      const { faces, startMs: t0, endMs: t1 } = await h.injectAt(rate, stepMs, i);
      await sleep(150); // events written just before t1 reach the stream read
      await collector.poll();
      const snapsAfter = await h.snapshots();
      const dropped = (await h.dropped()) - dropsBefore;
      const dur = t1 - t0;
      const samples = h.depth.filter((d) => d.step === i);
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
    h.step = -1;
    const { failed, seconds: drainSeconds } = await h.drain(o.drainTimeoutSeconds ?? 120);
    t.drain = drainSeconds;
    await h.stopBackground();

    const dropped = await h.dropped();
    const injectedFaces = h.injectedFaces;
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
      watchlist_size: h.watchlistSize,
      workers: h.workers,
      worker_concurrency: h.workerConcurrency,
      batch_faces: h.batchFaces,
      crops_per_track: h.cropsPerTrack,
      crop_size: h.cropSize,
      teacher_from_px: h.routing.teacherFromPx,
      blend_from_px: h.routing.blendFromPx,
      blend_weights: blendWeightsInUse(h.routing),
      crop_pool: h.pool.length,
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
      queue_depth: h.depth,
      timings_s: t,
      host: { cpus: cpus().length, loadavg_1m: loadavg()[0]!, node: process.version },
    };
  } finally {
    await h.close();
  }
}
