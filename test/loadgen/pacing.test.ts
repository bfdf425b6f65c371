import assert from 'node:assert/strict';
import { test } from 'node:test';
import { batchesDue, batchesToSend, dueAtMs } from '../../src/loadgen/pacing.ts';

test('batchesDue follows the offered rate in whole batches', () => {
  assert.equal(batchesDue(0, 100, 10), 0);
  assert.equal(batchesDue(99, 100, 10), 0);
  assert.equal(batchesDue(100, 100, 10), 1);
  assert.equal(batchesDue(1000, 100, 10), 10);
  assert.equal(batchesDue(10_000, 50, 16), 31); // 500 faces → 31 whole batches of 16
  assert.equal(batchesDue(1000, 0, 10), 0);
  assert.throws(() => batchesDue(1000, 100, 0), RangeError);
});

test('batchesToSend subtracts what was sent and caps bursts', () => {
  assert.equal(batchesToSend(1000, 100, 10, 4), 6);
  assert.equal(batchesToSend(1000, 100, 10, 12), 0); // ahead of schedule: nothing, never negative
  assert.equal(batchesToSend(10_000, 100, 10, 0, 5), 5);
});

test('dueAtMs is the inverse of batchesDue', () => {
  for (const [rate, size] of [
    [100, 10],
    [37, 16],
    [1500, 64],
  ] as const) {
    for (let i = 0; i < 20; i++) {
      const at = dueAtMs(i, rate, size);
      assert.equal(batchesDue(at + 1e-6, rate, size), i + 1);
      assert.equal(batchesDue(at - 1e-3, rate, size), i);
    }
  }
  assert.equal(dueAtMs(0, 0, 10), Number.POSITIVE_INFINITY);
});
