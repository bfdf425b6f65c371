import assert from 'node:assert/strict';
import { test } from 'node:test';
import { drawLowResSize } from '../../src/distill/lr-batch.ts';
import { createRng } from '../../src/util/random.ts';

function histogram(range: Parameters<typeof drawLowResSize>[0], n = 20_000): Map<number, number> {
  const rng = createRng('lr-sizes');
  const h = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const r = drawLowResSize(range, rng.next());
    h.set(r, (h.get(r) ?? 0) + 1);
  }
  return h;
}

test('LR sizes: uniform by default, every size in range drawn about equally', () => {
  const h = histogram({ minSize: 8, maxSize: 32 });
  assert.deepEqual(
    [...h.keys()].sort((a, b) => a - b),
    Array.from({ length: 25 }, (_, i) => 8 + i),
  );
  for (const n of h.values()) assert.ok(Math.abs(n / 20_000 - 1 / 25) < 0.01);
});

test('LR sizes: a peak makes its neighbourhood the most frequent and keeps both ends reachable', () => {
  const h = histogram({ minSize: 8, maxSize: 32, peakSize: 16 });
  const [mode] = [...h.entries()].sort((a, b) => b[1] - a[1])[0]!;
  assert.ok(Math.abs(mode - 16) <= 1, `mode ${mode} near the peak`);
  assert.ok((h.get(8) ?? 0) > 0 && (h.get(32) ?? 0) > 0, 'both ends still drawn');
  assert.ok((h.get(16) ?? 0) > 3 * (h.get(30) ?? 0), 'sizes near the peak dominate the far end');
  for (const r of h.keys()) assert.ok(r >= 8 && r <= 32);
});

test('LR sizes: a peak outside the range is a clear error', () => {
  assert.throws(() => drawLowResSize({ minSize: 8, maxSize: 32, peakSize: 40 }, 0.5), /peakSize 40/);
});
