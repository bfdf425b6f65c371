import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crossIdentityScores, identityOfPath, operatingPoints } from '../../src/eval/impostor-set.ts';

const unit = (...v: number[]): Float32Array => {
  const n = Math.hypot(...v);
  return Float32Array.from(v, (x) => x / n);
};

test('identityOfPath: the parent folder names the identity', () => {
  assert.equal(identityOfPath('/data/lfw/images/Ann_Lee/Ann_Lee_0001.jpg'), 'Ann_Lee');
});

test('crossIdentityScores: every pair of two identities, never a genuine one', () => {
  const probes = [unit(1, 0), unit(1, 0), unit(0, 1)];
  const ids = ['a', 'a', 'b'];
  assert.deepEqual([...crossIdentityScores(probes, ids)], [0, 0]);
  const gallery = [unit(0, 1), undefined, unit(1, 0)];
  // gallery 0 (a) vs probe 2 (b): 1; gallery 2 (b) vs probes 0 and 1 (a): 1, 1; gallery 1 is missing.
  assert.deepEqual(
    [...crossIdentityScores(probes, ids, gallery)].map((x) => Math.round(x * 1e6) / 1e6),
    [1, 1, 1],
  );
  assert.throws(() => crossIdentityScores(probes, ['a']), /one identity per probe/);
});

test('operatingPoints: at most floor(far·N) impostors above the threshold', () => {
  const impostors = Float32Array.from({ length: 10_000 }, (_, i) => i / 10_000); // 0 … 0.9999
  const genuine = [0.99995, 0.9995, 0.995, 0.5];
  const [p3, p4] = operatingPoints(genuine, impostors, [1e-3, 1e-4]);
  let above = 0;
  for (const s of impostors) if (s > p3!.threshold) above++;
  assert.ok(above <= 10, `${above} impostors above the 1e-3 threshold`);
  assert.equal(p3!.tar, 0.5); // 0.99995 and 0.9995 are above the 11th-highest impostor (0.999)
  assert.ok(p4!.threshold > p3!.threshold);
  assert.equal(p4!.tar, 0.25);
});
