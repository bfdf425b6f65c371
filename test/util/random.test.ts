import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRng } from '../../src/util/random.ts';

test('same seed gives the same stream; different seeds differ', () => {
  const a = createRng(42);
  const b = createRng(42);
  const c = createRng(43);
  const xa = Array.from({ length: 100 }, () => a.next());
  const xb = Array.from({ length: 100 }, () => b.next());
  const xc = Array.from({ length: 100 }, () => c.next());
  assert.deepEqual(xa, xb);
  assert.notDeepEqual(xa, xc);
  assert.ok(xa.every((x) => x >= 0 && x < 1));
  assert.deepEqual(
    Array.from({ length: 5 }, () => createRng('abc').next()),
    Array.from({ length: 5 }, () => createRng('abc').next()),
  );
});

test('uniform, int and bernoulli stay in range and look uniform', () => {
  const rng = createRng(1);
  const counts = [0, 0, 0, 0, 0, 0];
  for (let i = 0; i < 60_000; i++) counts[rng.int(0, 5)]++;
  for (const c of counts) assert.ok(Math.abs(c - 10_000) < 500, `count ${c}`);
  for (let i = 0; i < 1000; i++) {
    const u = rng.uniform(-2, 3);
    assert.ok(u >= -2 && u < 3);
  }
  let heads = 0;
  for (let i = 0; i < 10_000; i++) if (rng.bernoulli(0.3)) heads++;
  assert.ok(Math.abs(heads - 3000) < 200);
  assert.throws(() => rng.int(3, 2), /lo <= hi/);
});

test('normal has the requested mean and standard deviation', () => {
  const rng = createRng(7);
  const n = 50_000;
  const xs = Array.from({ length: n }, () => rng.normal(5, 2));
  const mean = xs.reduce((s, x) => s + x, 0) / n;
  const std = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / n);
  assert.ok(Math.abs(mean - 5) < 0.05, `mean ${mean}`);
  assert.ok(Math.abs(std - 2) < 0.05, `std ${std}`);
});

test('shuffle is a deterministic permutation; fork gives reproducible sub-streams', () => {
  const items = Array.from({ length: 50 }, (_, i) => i);
  const s1 = createRng(9).shuffle([...items]);
  const s2 = createRng(9).shuffle([...items]);
  assert.deepEqual(s1, s2);
  assert.notDeepEqual(s1, items);
  assert.deepEqual(
    [...s1].sort((a, b) => a - b),
    items,
  );
  const f1 = createRng(3).fork();
  const f2 = createRng(3).fork();
  assert.equal(f1.next(), f2.next());
});
