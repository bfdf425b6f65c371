import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DynamicBatcher } from '../../src/embed/dynamic-batcher.ts';
import type { RgbImage } from '../../src/image/rgb-image.ts';
import type { FaceEmbedder } from '../../src/models/embedder.ts';

/** Embeds a chip as [first pixel value, 0]: lets tests check each caller gets its own results back. */
function fakeEmbedder(calls: number[]): FaceEmbedder {
  return {
    name: 'fake',
    dim: 2,
    inputSize: 2,
    params: 0,
    async embed(chips) {
      calls.push(chips.length);
      return chips.map((c) => Float32Array.from([c.data[0]!, 0]));
    },
    dispose() {},
  };
}
const chip = (v: number): RgbImage => ({ width: 1, height: 1, data: Uint8Array.from([v, v, v]) });

test('concurrent requests merge into one model call and get their own results back', async () => {
  const calls: number[] = [];
  const b = new DynamicBatcher(fakeEmbedder(calls), { maxBatch: 100, maxWaitMs: 20 });
  const [r1, r2, r3] = await Promise.all([
    b.embed([chip(1), chip(2)]),
    b.embed([chip(3)]),
    b.embed([chip(4), chip(5), chip(6)]),
  ]);
  assert.deepEqual(calls, [6]);
  assert.deepEqual(
    r1!.map((e) => e[0]),
    [1, 2],
  );
  assert.deepEqual(
    r2!.map((e) => e[0]),
    [3],
  );
  assert.deepEqual(
    r3!.map((e) => e[0]),
    [4, 5, 6],
  );
});

test('a full batch flushes at once without waiting; batches never exceed maxBatch', async () => {
  const calls: number[] = [];
  const b = new DynamicBatcher(fakeEmbedder(calls), { maxBatch: 4, maxWaitMs: 10_000 });
  const t0 = Date.now();
  const results = await Promise.all([1, 2, 3, 4, 5, 6, 7, 8].map((v) => b.embed([chip(v)])));
  assert.ok(Date.now() - t0 < 5_000, 'did not wait for the 10 s timer');
  assert.deepEqual(calls, [4, 4]);
  assert.deepEqual(
    results.map((r) => r[0]![0]),
    [1, 2, 3, 4, 5, 6, 7, 8],
  );
  assert.equal(b.stats.faces, 8);
});

test('a lone request is served after maxWaitMs; model errors reach every caller of that batch', async () => {
  const calls: number[] = [];
  const b = new DynamicBatcher(fakeEmbedder(calls), { maxBatch: 64, maxWaitMs: 5 });
  assert.equal((await b.embed([chip(9)]))[0]![0], 9);
  const failing = new DynamicBatcher(
    { ...fakeEmbedder([]), embed: async () => Promise.reject(new Error('boom')) },
    { maxWaitMs: 1 },
  );
  await Promise.all([
    assert.rejects(failing.embed([chip(1)]), /boom/),
    assert.rejects(failing.embed([chip(2)]), /boom/),
  ]);
});

test('onModelCall reports each model call: its faces and forward-pass seconds', async () => {
  const seen: [number, number][] = [];
  const b = new DynamicBatcher(fakeEmbedder([]), {
    maxBatch: 4,
    maxWaitMs: 10_000,
    onModelCall: (faces, seconds) => seen.push([faces, seconds]),
  });
  await Promise.all([1, 2, 3, 4, 5, 6, 7, 8].map((v) => b.embed([chip(v)])));
  assert.deepEqual(
    seen.map(([f]) => f),
    [4, 4],
  );
  assert.ok(seen.every(([, s]) => s >= 0 && s < 5));
});

test('face sizes travel with their chips through a merged call (a size-routed model needs them)', async () => {
  const sizes: (readonly number[] | undefined)[] = [];
  const embedder: FaceEmbedder = {
    name: 'sized',
    dim: 1,
    inputSize: 1,
    params: 0,
    async embed(chips, facePx) {
      sizes.push(facePx);
      return chips.map(() => Float32Array.from([1]));
    },
    dispose() {},
  };
  const b = new DynamicBatcher(embedder, { maxBatch: 100, maxWaitMs: 20 });
  // The second request knows no sizes: its chips' widths (1 px here) stand in, as for a lone call.
  await Promise.all([b.embed([chip(1), chip(2)], [30, 12]), b.embed([chip(3)]), b.embed([chip(4)], [24])]);
  assert.deepEqual(sizes, [[30, 12, 1, 24]]);
  // No request with sizes: none are passed.
  await b.embed([chip(5)]);
  assert.deepEqual(sizes[1], undefined);
  await assert.rejects(b.embed([chip(6)], [1, 2]), /1 chips but 2 face sizes/);
});
