export interface BackoffOptions {
  /** First delay after a failure. @defaultValue 500 */
  readonly initialMs: number;
  /** Upper bound of the delay. @defaultValue 30000 */
  readonly maxMs: number;
  /** Growth per consecutive failure. @defaultValue 2 */
  readonly factor: number;
  /** Fraction of the delay randomised (±), so many cameras that dropped together do not reconnect together. @defaultValue 0.2 */
  readonly jitter: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = Object.freeze({
  initialMs: 500,
  maxMs: 30_000,
  factor: 2,
  jitter: 0.2,
});

/**
 * Capped exponential backoff with jitter: delay(n) = min(max, initial * factor^n) * (1 + jitter * u),
 * u uniform in [-1, 1). `random` is injectable so tests are deterministic.
 */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions = DEFAULT_BACKOFF,
  random = Math.random,
): number {
  const base = Math.min(options.maxMs, options.initialMs * options.factor ** Math.max(0, attempt));
  const jittered = base * (1 + options.jitter * (2 * random() - 1));
  return Math.max(0, Math.round(jittered));
}
