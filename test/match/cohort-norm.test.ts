import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CohortNormaliser } from '../../src/match/cohort-norm.ts';

const unit = (...v: number[]): Float32Array => {
  const n = Math.hypot(...v);
  return Float32Array.from(v, (x) => x / n);
};

test('stats are the mean and deviation of the query’s top-k cohort cosines', () => {
  // Cohort cosines to the query e1: 1, 0.6, 0, -1 → top 2: mean 0.8, std 0.2.
  const cohort = [unit(1, 0), unit(0.6, 0.8), unit(0, 1), unit(-1, 0)];
  const n = new CohortNormaliser(cohort, 2);
  const s = n.stats(unit(1, 0));
  assert.ok(Math.abs(s.mean - 0.8) < 1e-6, `mean ${s.mean}`);
  assert.ok(Math.abs(s.std - 0.2) < 1e-6, `std ${s.std}`);
  // topK above the cohort size uses all of it: mean 0.15.
  assert.ok(Math.abs(new CohortNormaliser(cohort, 50).stats(unit(1, 0)).mean - 0.15) < 1e-6);
});

test('applyToCandidates keeps the candidates’ order, converts scores and keeps the raw cosine', () => {
  const n = new CohortNormaliser([unit(1, 0, 0), unit(0, 1, 0), unit(0, 0, 1)], 3);
  const q = unit(1, 1, 0);
  const s = n.stats(q);
  const out = CohortNormaliser.applyToCandidates(
    [
      { identityId: 'a', score: 0.9 },
      { identityId: 'b', score: 0.5 },
    ],
    s,
  );
  assert.deepEqual(
    out.map((c) => c.identityId),
    ['a', 'b'],
  );
  assert.ok(Math.abs(out[0]!.score - (0.9 - s.mean) / s.std) < 1e-9);
  assert.equal(out[0]!.cosine, 0.9);
  assert.ok(out[0]!.score > out[1]!.score);
});

test('statsMany gives each query what stats gives it alone', () => {
  const cohort = Array.from({ length: 300 }, (_, i) =>
    unit(Math.sin(i), Math.cos(i * 1.7), Math.sin(i * 0.3)),
  );
  const n = new CohortNormaliser(cohort, 20);
  const queries = [unit(1, 0, 0), unit(0.2, -1, 0.4), unit(-0.3, 0.3, 0.9)];
  const many = n.statsMany(queries);
  assert.equal(many.length, 3);
  queries.forEach((q, i) => {
    // Reference: the definition, in float64.
    const cos = cohort
      .map((c) => c.reduce((s, x, d) => s + x * q[d]!, 0))
      .sort((a, b) => b - a)
      .slice(0, 20);
    const mean = cos.reduce((a, b) => a + b, 0) / 20;
    const std = Math.sqrt(cos.reduce((a, b) => a + (b - mean) ** 2, 0) / 20);
    assert.ok(Math.abs(many[i]!.mean - mean) < 1e-6, `query ${i} mean`);
    assert.ok(Math.abs(many[i]!.std - std) < 1e-6, `query ${i} std`);
    assert.deepEqual(n.stats(q), many[i]);
  });
  assert.deepEqual(n.statsMany([]), []);
  assert.throws(() => n.statsMany([unit(1, 0)]), /query has 2 dims, the cohort 3/);
  n.dispose();
});

test('a probe whose cosines are all depressed (a harder camera) is lifted back to the same scale', () => {
  // Two probes of one person: the second's cosines to everyone are lower by 0.2 (blur, night, another camera).
  const cohort = [unit(1, 0.2, 0), unit(0.5, 1, 0), unit(0.1, 0.1, 1), unit(0.7, 0.7, 0.1)];
  const n = new CohortNormaliser(cohort, 4);
  const q = unit(1, 0.3, 0.2);
  const s = n.stats(q);
  const shifted = { mean: s.mean - 0.2, std: s.std };
  assert.ok(Math.abs(CohortNormaliser.apply(0.8, s) - CohortNormaliser.apply(0.6, shifted)) < 1e-9);
});

test('a flat cohort does not divide by zero, and bad input is refused', () => {
  const flat = new CohortNormaliser([unit(0, 1), unit(0, 1)], 2);
  const s = flat.stats(unit(1, 0));
  assert.ok(s.std > 0 && Number.isFinite(CohortNormaliser.apply(0.5, s)));
  assert.throws(() => new CohortNormaliser([unit(1, 0)], 2), /at least two/);
  assert.throws(() => new CohortNormaliser([unit(1, 0), unit(0, 1)], 1), /topK/);
  assert.throws(() => new CohortNormaliser([unit(1, 0), unit(0, 1, 0)], 2), /dims/);
  assert.throws(() => flat.stats(unit(1, 0, 0)), /3 dims/);
});
