import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  applySimilarity,
  fitSimilarity,
  invertSimilarity,
  similarityScale,
} from '../../../src/models/teacher/similarity.ts';

test('fitSimilarity recovers an exact rotation + scale + translation', () => {
  const truth = { a: 1.7 * Math.cos(0.3), b: 1.7 * Math.sin(0.3), tx: 12.5, ty: -4 };
  const from = [0, 0, 10, 0, 0, 10, 7, 3, -2, 5];
  const to = [];
  for (let i = 0; i < from.length; i += 2) to.push(...applySimilarity(truth, from[i], from[i + 1]));
  const s = fitSimilarity(from, to);
  for (const k of ['a', 'b', 'tx', 'ty'] as const) assert.ok(Math.abs(s[k] - truth[k]) < 1e-9, k);
  assert.ok(Math.abs(similarityScale(s) - 1.7) < 1e-9);
});

test('fitSimilarity never reflects: a mirrored target collapses the scale', () => {
  // Mirrored target: the best similarity cannot reflect, so its scale collapses towards 0.
  const from = [0, 0, 1, 0, 0, 1, 1, 1];
  const mirrored = [0, 0, -1, 0, 0, 1, -1, 1];
  assert.ok(similarityScale(fitSimilarity(from, mirrored)) < 1e-9);
});

test('invertSimilarity composes to the identity', () => {
  const s = { a: 0.8, b: -0.5, tx: 3, ty: 9 };
  const inv = invertSimilarity(s);
  const [x, y] = applySimilarity(s, 4.25, -7.5);
  const [bx, by] = applySimilarity(inv, x, y);
  assert.ok(Math.abs(bx - 4.25) < 1e-9 && Math.abs(by + 7.5) < 1e-9);
});

test('fitSimilarity rejects mismatched or degenerate input', () => {
  assert.throws(() => fitSimilarity([0, 0, 1, 1], [0, 0]), RangeError);
  assert.throws(() => fitSimilarity([1, 1, 1, 1], [0, 0, 1, 1]), RangeError);
});
