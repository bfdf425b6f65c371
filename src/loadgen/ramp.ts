/**
 * The load ramp: offered rates rise step by step until the system stops keeping up. Pure functions:
 * the rate schedule and the per-step verdict.
 */
import { leastSquaresSlope } from './slope.ts';

export interface RampOptions {
  /** Offered load of the first step, faces/s. */
  readonly startRate: number;
  /** Each step offers `factor` × the previous one (> 1). */
  readonly factor: number;
  /** Most steps. */
  readonly maxSteps: number;
  /** Highest offered rate. @defaultValue Infinity */
  readonly maxRate?: number;
}

/** The geometric rate schedule (rounded to whole faces/s, strictly increasing). */
export function rampRates(o: RampOptions): number[] {
  if (!(o.startRate > 0)) throw new RangeError(`startRate must be > 0, got ${o.startRate}`);
  if (!(o.factor > 1)) throw new RangeError(`factor must be > 1, got ${o.factor}`);
  const max = o.maxRate ?? Number.POSITIVE_INFINITY;
  const out: number[] = [];
  let r = o.startRate;
  while (out.length < o.maxSteps && r <= max) {
    const rounded = Math.max(1, Math.round(r));
    if (out.length === 0 || rounded > out[out.length - 1]!) out.push(rounded);
    r *= o.factor;
  }
  return out;
}

/** One sample of the embed queue. */
export interface DepthSample {
  /** ms since the run started. */
  readonly tMs: number;
  /** Waiting batches. */
  readonly waiting: number;
  /** Batches held by workers. */
  readonly active: number;
}

/** Least-squares slope of waiting batches per second over the samples (0 with fewer than 2). */
export function backlogSlopePerSecond(samples: readonly DepthSample[]): number {
  return (
    leastSquaresSlope(
      samples,
      (s) => s.tMs,
      (s) => s.waiting,
    ) * 1000
  );
}

export interface StepObservation {
  /** Offered load, faces/s. */
  readonly offeredRate: number;
  /** Faces actually enqueued per second (below offered when the injector itself cannot keep up). */
  readonly injectedRate: number;
  /** Faces whose event was written during the step, per second. */
  readonly completedRate: number;
  /** Faces dropped by the backlog policy during the step. */
  readonly dropped: number;
  readonly durationMs: number;
  readonly depth: readonly DepthSample[];
}

export interface KeepUpCriterion {
  /** Completed must reach this fraction of the injected rate. @defaultValue 0.9 */
  readonly minCompletedFraction: number;
  /** Backlog growth over the step (slope × duration, in batches) above which it "grows steadily". @defaultValue 4 */
  readonly maxBacklogGrowthBatches: number;
}

export const DEFAULT_KEEP_UP: KeepUpCriterion = Object.freeze({
  minCompletedFraction: 0.9,
  maxBacklogGrowthBatches: 4,
});

export interface StepVerdict {
  readonly keptUp: boolean;
  /** Why not (empty when it kept up). */
  readonly reasons: readonly string[];
}

/**
 * Whether a step kept up: no drops, the backlog did not grow steadily (fitted growth over the step
 * above the limit and the last sample above the first), and events came out at (nearly) the rate
 * faces went in.
 */
export function judgeStep(s: StepObservation, c: KeepUpCriterion = DEFAULT_KEEP_UP): StepVerdict {
  const reasons: string[] = [];
  if (s.dropped > 0) reasons.push(`${s.dropped} faces dropped`);
  const growth = backlogSlopePerSecond(s.depth) * (s.durationMs / 1000);
  const first = s.depth[0]?.waiting ?? 0;
  const last = s.depth[s.depth.length - 1]?.waiting ?? 0;
  if (growth > c.maxBacklogGrowthBatches && last > first) {
    reasons.push(`backlog grew by ${growth.toFixed(1)} batches (${first} → ${last})`);
  }
  if (s.injectedRate > 0 && s.completedRate < c.minCompletedFraction * s.injectedRate) {
    reasons.push(
      `events at ${s.completedRate.toFixed(0)} faces/s < ${Math.round(c.minCompletedFraction * 100)}% of ${s.injectedRate.toFixed(0)} injected`,
    );
  }
  return { keptUp: reasons.length === 0, reasons };
}

/**
 * The sustained throughput of a ramp: the highest completed rate among steps that kept up (0 when
 * none did; then the system cannot sustain even the first step).
 */
export function sustainedRate(steps: readonly { completedRate: number; keptUp: boolean }[]): number {
  return steps.filter((s) => s.keptUp).reduce((m, s) => Math.max(m, s.completedRate), 0);
}
