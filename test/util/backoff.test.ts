import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffDelay } from '../../src/util/backoff.ts';

const opts = { initialMs: 100, maxMs: 1000, factor: 2, jitter: 0.5 };

test('delay grows exponentially and is capped', () => {
  const mid = (): number => 0.5; // u = 0: no jitter
  assert.deepEqual(
    [0, 1, 2, 3, 4, 10].map((n) => backoffDelay(n, opts, mid)),
    [100, 200, 400, 800, 1000, 1000],
  );
});

test('jitter spreads the delay within ±jitter', () => {
  assert.equal(
    backoffDelay(0, opts, () => 0),
    50,
  );
  assert.equal(
    backoffDelay(0, opts, () => 0.999999),
    150,
  );
});
