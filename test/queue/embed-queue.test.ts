import assert from 'node:assert/strict';
import type { Redis } from 'ioredis';
import { after, before, test } from 'node:test';
import { BullBatchSink, dropCounterKey, startBatchWorker } from '../../src/queue/embed-queue.ts';
import { encodeFaceBatch, decodeFaceBatch, type FaceBatch } from '../../src/queue/face-batch.ts';
import { MemoryBatchQueue } from '../../src/queue/memory-batch-queue.ts';
import type { RedisKeys } from '../../src/store/redis-keys.ts';
import { testRedis } from '../helpers/redis.ts';
import { until } from '../helpers/until.ts';

let redis: Redis;
let keys: RedisKeys;
let cleanup: () => Promise<void>;
before(async () => ({ redis, keys, cleanup } = await testRedis()));
after(async () => cleanup());

function batch(id: string, faces = 2): FaceBatch {
  const crops = Array.from({ length: faces }, (_, i) => ({
    meta: {
      trackId: `${id}-t${i}`,
      facePx: 16,
      quality: 0.5,
      box: { x: 0, y: 0, width: 16, height: 16 },
      frameTimeMs: 1,
    },
    image: { width: 2, height: 2, data: new Uint8Array(12).fill(i) },
  }));
  return encodeFaceBatch({ batchId: id, camera: 'cam', enqueuedAtMs: Date.now() }, 2, crops);
}

test('batches flow from producer to worker with their pixels intact', async () => {
  const sink = new BullBatchSink(redis, keys);
  const seen: string[] = [];
  const worker = startBatchWorker(redis, keys, async (b) => {
    decodeFaceBatch(b);
    seen.push(b.batchId);
  });
  for (let i = 0; i < 5; i++) await sink.submit(batch(`flow${i}`));
  await until('the worker', () => seen.length === 5);
  assert.deepEqual([...seen].sort(), ['flow0', 'flow1', 'flow2', 'flow3', 'flow4']);
  await worker.close();
  await sink.close();
});

test('a full backlog drops the oldest batches and counts every dropped face', async () => {
  const sink = new BullBatchSink(redis, keys, { maxBacklog: 3, policy: 'drop-oldest' });
  const before = Number((await redis.get(dropCounterKey(keys))) ?? 0);
  for (let i = 0; i < 6; i++) await sink.submit(batch(`bl${i}`, 2));
  assert.equal(await sink.backlog(), 3);
  assert.equal(sink.droppedFaces, 6);
  assert.equal(Number(await redis.get(dropCounterKey(keys))) - before, 6);
  const seen: string[] = [];
  const worker = startBatchWorker(redis, keys, async (b) => void seen.push(b.batchId));
  await until('the worker', () => seen.length === 3);
  assert.deepEqual([...seen].sort(), ['bl3', 'bl4', 'bl5'], 'the newest survive');
  await worker.close();
  await sink.close();
});

test('a corrupt batch fails once without retries; a worker killed mid-batch loses nothing', async () => {
  const sink = new BullBatchSink(redis, keys, { attempts: 3 });
  let corruptAttempts = 0;
  let hang = true;
  const done: string[] = [];
  const processor = async (b: FaceBatch): Promise<void> => {
    if (b.batchId === 'corrupt') {
      corruptAttempts++;
      decodeFaceBatch(b);
    }
    if (b.batchId === 'victim' && hang) {
      hang = false;
      await new Promise(() => {}); // the first worker dies holding this batch
    }
    done.push(b.batchId);
  };
  const first = startBatchWorker(redis, keys, processor, {
    lockDurationMs: 1500,
    concurrency: 1,
  });
  await sink.submit({ ...batch('corrupt'), pixels: 'AAAA' });
  await sink.submit(batch('victim'));
  await until('the worker', () => !hang);
  await first.close(true); // force: like a crash, the lock is not released
  const second = startBatchWorker(redis, keys, processor, {
    lockDurationMs: 1500,
    concurrency: 1,
  });
  await until('the worker', () => done.includes('victim'));
  assert.equal(corruptAttempts, 1, 'corrupt input is not retried');
  await second.close();
  await sink.close();
});

test('the in-memory queue applies the same drop policy and drains', async () => {
  const seen: string[] = [];
  let release: () => void = () => {};
  const gate = new Promise<void>((r) => (release = r));
  const q = new MemoryBatchQueue(
    async (b) => {
      await gate;
      seen.push(b.batchId);
    },
    2,
    'drop-oldest',
  );
  for (let i = 0; i < 5; i++) await q.submit(batch(`m${i}`, 1));
  release();
  await q.drain();
  // m0 was taken by the consumer before the backlog filled; m1, m2 were dropped for m3, m4.
  assert.deepEqual(seen, ['m0', 'm3', 'm4']);
  assert.equal(q.droppedFaces, 2);
});
