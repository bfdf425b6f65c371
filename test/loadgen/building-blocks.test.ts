import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BatchFactory } from '../../src/loadgen/batch-factory.ts';
import type { PoolCrop } from '../../src/loadgen/crop-pool.ts';
import { randomUnitVector } from '../../src/loadgen/synthetic-watchlist.ts';
import { utilisationBetween, type WorkerSnapshot } from '../../src/loadgen/worker-stats.ts';
import { decodeFaceBatch } from '../../src/queue/face-batch.ts';
import { createRng } from '../../src/util/random.ts';
import { workerSnapshot } from '../helpers/worker-snapshot.ts';

const pool: PoolCrop[] = Array.from({ length: 5 }, (_, i) => ({
  image: { width: 4, height: 4, data: new Uint8Array(48).fill(i * 10) },
  facePx: 14 + i,
  box: { x: i, y: 0, width: 14 + i, height: 14 + i },
}));

test('batches carry fresh tracks, the enqueue stamp and real pixels', () => {
  const f = new BatchFactory(pool, { batchFaces: 5, cropsPerTrack: 2, runId: 'r', variants: 2 });
  const a = f.next(1000);
  const b = f.next(2000);
  assert.deepEqual(
    a.tracks.map((t) => t.faces),
    [2, 2, 1],
  );
  assert.equal(a.batch.crops.length, 5);
  assert.ok(a.batch.crops.every((c) => c.frameTimeMs === 1000));
  assert.equal(a.batch.enqueuedAtMs, 1000);
  const ids = new Set([...a.tracks, ...b.tracks].map((t) => t.trackId));
  assert.equal(ids.size, 6);
  assert.deepEqual(new Set(a.batch.crops.map((c) => c.trackId)), new Set(a.tracks.map((t) => t.trackId)));
  const images = decodeFaceBatch(b.batch); // variant 1 starts at pool[5 % 5] = pool[0]
  assert.equal(images.length, 5);
  assert.equal(images[1]!.data[0], 10);
  assert.notEqual(a.batch.batchId, b.batch.batchId);
});

test('synthetic identities are unit vectors', () => {
  const rng = createRng(1);
  for (let i = 0; i < 5; i++) {
    const v = randomUnitVector(rng, 128);
    const n = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
    assert.ok(Math.abs(n - 1) < 1e-5);
  }
});

test('utilisation is busy time over wall time between two snapshots', () => {
  const a: WorkerSnapshot = workerSnapshot({
    workerId: 'w1',
    pid: 1,
    atMs: 10_000,
    loopActiveMs: 1000,
    loopIdleMs: 4000,
    cpuMs: 900,
    facesEmbedded: 100,
  });
  const b: WorkerSnapshot = {
    ...a,
    atMs: 12_000,
    loopActiveMs: 2500,
    loopIdleMs: 4500,
    cpuMs: 2100,
    facesEmbedded: 500,
  };
  const u = utilisationBetween(a, b)!;
  assert.equal(u.busy, 0.75);
  assert.equal(u.cpu, 0.6);
  assert.equal(u.facesPerSecond, 200);
  assert.equal(utilisationBetween(b, b), null);
});
