/**
 * Open-loop rate pacing: the injector sends what the schedule says is due, whatever the system under
 * test does (a closed loop would slow down with the system and hide overload). Pure functions, so the
 * schedule is testable without clocks.
 */

/** Batches of `batchFaces` faces that are due `elapsedMs` after a step started at `facesPerSecond`. */
export function batchesDue(elapsedMs: number, facesPerSecond: number, batchFaces: number): number {
  if (!(facesPerSecond > 0) || !(elapsedMs > 0)) return 0;
  if (!Number.isInteger(batchFaces) || batchFaces < 1) {
    throw new RangeError(`batchFaces must be a positive integer, got ${batchFaces}`);
  }
  return Math.floor((elapsedMs / 1000) * (facesPerSecond / batchFaces));
}

/** Batches to send now: due minus already sent, capped at `maxBurst` so a stalled loop catches up gradually. */
export function batchesToSend(
  elapsedMs: number,
  facesPerSecond: number,
  batchFaces: number,
  sent: number,
  maxBurst = Number.POSITIVE_INFINITY,
): number {
  return Math.max(0, Math.min(maxBurst, batchesDue(elapsedMs, facesPerSecond, batchFaces) - sent));
}

/** Milliseconds from the step start until batch number `index` (0-based) is due. */
export function dueAtMs(index: number, facesPerSecond: number, batchFaces: number): number {
  if (!(facesPerSecond > 0)) return Number.POSITIVE_INFINITY;
  return ((index + 1) * batchFaces * 1000) / facesPerSecond;
}
