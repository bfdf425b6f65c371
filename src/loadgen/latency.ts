import type { IdentityEvent } from '../events/identity-event.ts';
import { quantile } from '../util/quantile.ts';

/**
 * Enqueue-to-event latency. The injector stamps each crop's `frameTimeMs` with its enqueue time; the
 * matcher copies the best crop's frame time into the event, and Redis stamps the stream entry id with
 * its own clock at XADD. Latency = entry-id time − frameTimeMs (same host here: no clock skew).
 */

/** The millisecond part of a stream entry id `<ms>-<seq>`; throws on anything else. */
export function streamIdTimeMs(streamId: string): number {
  const m = /^(\d+)-(\d+)$/.exec(streamId);
  if (!m) throw new RangeError(`not a stream entry id: '${streamId}'`);
  return Number(m[1]);
}

/** Latency of one event in ms (never negative: the ms clocks of Redis and Node may differ by one). */
export function eventLatencyMs(streamId: string, event: Pick<IdentityEvent, 'frameTimeMs'>): number {
  return Math.max(0, streamIdTimeMs(streamId) - event.frameTimeMs);
}

export interface LatencySummary {
  readonly count: number;
  readonly p50: number | null;
  readonly p95: number | null;
  readonly p99: number | null;
  readonly max: number | null;
}

export function summarizeLatencies(values: readonly number[]): LatencySummary {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: quantile(sorted, 0.5),
    p95: quantile(sorted, 0.95),
    p99: quantile(sorted, 0.99),
    max: sorted.length > 0 ? sorted[sorted.length - 1]! : null,
  };
}
