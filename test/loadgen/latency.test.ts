import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventLatencyMs, streamIdTimeMs, summarizeLatencies } from '../../src/loadgen/latency.ts';
import { quantile } from '../../src/util/quantile.ts';

test('stream entry ids carry their append time in ms', () => {
  assert.equal(streamIdTimeMs('1700000000123-0'), 1_700_000_000_123);
  assert.equal(streamIdTimeMs('5-17'), 5);
  assert.throws(() => streamIdTimeMs('abc'), RangeError);
  assert.throws(() => streamIdTimeMs('12-'), RangeError);
});

test('latency is entry time minus the stamped frame time, clamped at 0', () => {
  assert.equal(eventLatencyMs('1700000000500-3', { frameTimeMs: 1_700_000_000_100 }), 400);
  assert.equal(eventLatencyMs('1700000000100-0', { frameTimeMs: 1_700_000_000_101 }), 0);
});

test('nearest-rank quantiles', () => {
  const xs = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(quantile(xs, 0.5), 50);
  assert.equal(quantile(xs, 0.95), 95);
  assert.equal(quantile(xs, 0.99), 99);
  assert.equal(quantile(xs, 1), 100);
  assert.equal(quantile(xs, 0), 1);
  assert.equal(quantile([], 0.5), null);
  assert.throws(() => quantile(xs, 1.5), RangeError);
  const s = summarizeLatencies([30, 10, 20]);
  assert.deepEqual(s, { count: 3, p50: 20, p95: 30, p99: 30, max: 30 });
});
