import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { before, test } from 'node:test';
import { Gallery } from '../../src/match/gallery.ts';
import { initBackend } from '../../src/runtime/backend.ts';

before(async () => {
  await initBackend();
});

function unit(v: number[]): Float32Array {
  const n = Math.hypot(...v);
  return Float32Array.from(v.map((x) => x / n));
}

test('search returns identities by their best enrolment, top-k without duplicates', async () => {
  const g = new Gallery(
    [
      { identityId: 'a', embeddings: [unit([1, 0, 0]), unit([0.9, 0.1, 0])] },
      { identityId: 'b', embeddings: [unit([0, 1, 0])] },
      { identityId: 'c', embeddings: [unit([0, 0, 1])] },
    ],
    3,
  );
  const [r1, r2] = await g.search([unit([1, 0.05, 0]), unit([0, 0.2, 1])], 2);
  assert.deepEqual(
    r1!.map((c) => c.identityId),
    ['a', 'b'],
  );
  assert.ok(r1![0]!.score > 0.99);
  assert.deepEqual(
    r2!.map((c) => c.identityId),
    ['c', 'b'],
  );
  g.dispose();
});

test('an empty gallery answers with no candidates; wrong dims are rejected', async () => {
  const g = new Gallery([], 4);
  assert.deepEqual(await g.search([unit([1, 0, 0, 0])], 3), [[]]);
  const h = new Gallery([{ identityId: 'a', embeddings: [unit([1, 0, 0, 0])] }], 4);
  await assert.rejects(h.search([unit([1, 0])], 1), /2 dims/);
  assert.throws(() => new Gallery([{ identityId: 'z', embeddings: [unit([1, 0])] }], 4), /identity z/);
  h.dispose();
});

test('search and dispose leave no tensors behind', async () => {
  const before = tf.memory().numTensors;
  const g = new Gallery([{ identityId: 'a', embeddings: [unit([1, 2, 3])] }], 3);
  for (let i = 0; i < 5; i++) await g.search([unit([1, 1, 1])], 1);
  g.dispose();
  assert.equal(tf.memory().numTensors, before);
});
