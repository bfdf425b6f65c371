import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decide, fuseEmbeddings, thresholdFor, type DecisionPolicy } from '../../src/match/decision.ts';

const policy: DecisionPolicy = {
  minFacePx: 10,
  thresholds: [
    { minFacePx: 10, threshold: 0.7 },
    { minFacePx: 24, threshold: 0.5 },
  ],
  minMargin: 0.05,
  minQuality: 0.1,
};
const cands = [
  { identityId: 'jane', score: 0.8 },
  { identityId: 'john', score: 0.6 },
];

test('thresholds depend on face size', () => {
  assert.equal(thresholdFor(policy, 12), 0.7);
  assert.equal(thresholdFor(policy, 30), 0.5);
});

test('match needs score over the size threshold and a margin over the runner-up', () => {
  assert.equal(decide(policy, { candidates: cands, facePx: 16, quality: 0.5 }).decision, 'match');
  assert.equal(decide(policy, { candidates: cands, facePx: 16, quality: 0.5 }).identityId, 'jane');
  const close = [cands[0]!, { identityId: 'john', score: 0.78 }];
  const r = decide(policy, { candidates: close, facePx: 16, quality: 0.5 });
  assert.equal(r.decision, 'unknown');
  assert.equal(r.identityId, null);
  assert.ok(Math.abs(r.margin - 0.02) < 1e-9);
  assert.equal(
    decide(policy, { candidates: [{ identityId: 'x', score: 0.6 }], facePx: 16, quality: 1 }).decision,
    'unknown',
  );
  assert.equal(
    decide(policy, { candidates: [{ identityId: 'x', score: 0.6 }], facePx: 30, quality: 1 }).decision,
    'match',
  );
});

test('tiny faces are too small; low quality and empty watchlists are unknown', () => {
  assert.equal(decide(policy, { candidates: cands, facePx: 8, quality: 1 }).decision, 'too_small');
  assert.equal(decide(policy, { candidates: cands, facePx: 16, quality: 0.01 }).decision, 'unknown');
  assert.equal(decide(policy, { candidates: [], facePx: 16, quality: 1 }).decision, 'unknown');
});

test('fusion weights by quality and returns a unit vector', () => {
  const f = fuseEmbeddings([Float32Array.from([1, 0]), Float32Array.from([0, 1])], [3, 1]);
  assert.ok(Math.abs(Math.hypot(f[0]!, f[1]!) - 1) < 1e-6);
  assert.ok(f[0]! > f[1]!);
  assert.throws(() => fuseEmbeddings([], []), /at least one/);
});
