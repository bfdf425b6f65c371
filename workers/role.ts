import type { PipelineMetrics } from '../src/metrics/pipeline-metrics.ts';
import { log } from '../src/util/log.ts';

export interface RoleHandle {
  readonly metrics: PipelineMetrics;
  /** Resolves when the role has nothing more to do (file cameras ended); never for live roles. */
  readonly finished: Promise<void>;
  /** Stops the role; idempotent, every cleanup step runs even when one fails (`closeAll`). */
  close(): Promise<void>;
}

/** How long one cleanup step of a role may take before shutdown moves on without it (ms). */
export const CLOSE_STEP_TIMEOUT_MS = 30_000;

/** One cleanup step: a name for the log line when it fails, and what it does. */
export type CloseStep = readonly [name: string, run: () => unknown];

/**
 * Runs every cleanup step in order, each bounded by `timeoutMs`: a step that fails or hangs is logged
 * and the next one still runs, so one broken connection does not leave the others open. Rejects after
 * all have run when any failed (an AggregateError of their errors).
 */
export async function closeAll(
  what: string,
  steps: readonly CloseStep[],
  timeoutMs = CLOSE_STEP_TIMEOUT_MS,
): Promise<void> {
  const errors: unknown[] = [];
  for (const [name, run] of steps) {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${name} did not finish within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([Promise.resolve().then(run), timeout]);
    } catch (err) {
      errors.push(err);
      log.warn(
        { what, step: name, err: err instanceof Error ? err.message : String(err) },
        'cleanup step failed',
      );
    } finally {
      clearTimeout(timer);
    }
  }
  if (errors.length > 0) throw new AggregateError(errors, `${what}: ${errors.length} cleanup step(s) failed`);
}
