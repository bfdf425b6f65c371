import assert from 'node:assert/strict';
import type { Redis } from 'ioredis';
import { after, before, test } from 'node:test';
import type { RedisKeys } from '../../src/store/redis-keys.ts';
import { WatchlistStore } from '../../src/store/watchlist-store.ts';
import { testRedis } from '../helpers/redis.ts';

let redis: Redis;
let keys: RedisKeys;
let cleanup: () => Promise<void>;
before(async () => ({ redis, keys, cleanup } = await testRedis()));
after(async () => cleanup());

test('enrol, list, load the gallery, remove with all data', async () => {
  const store = new WatchlistStore(redis, keys);
  const v0 = await store.version();
  const jane = await store.enrol({
    name: 'Jane Doe',
    model: 'teacher',
    embeddings: [Float32Array.from([1, 0, 0]), Float32Array.from([0.6, 0.8, 0])],
    photos: [Buffer.from('jpeg-bytes')],
  });
  await store.enrol({ name: 'Other Model', model: 'student', embeddings: [Float32Array.from([0, 1])] });
  assert.ok((await store.version()) > v0);
  assert.deepEqual(
    (await store.list()).map((i) => i.name),
    ['Jane Doe', 'Other Model'],
  );
  const g = await store.loadGallery('teacher');
  assert.equal(g.entries.length, 1);
  assert.equal(g.dim, 3);
  assert.deepEqual(
    [...g.entries[0]!.embeddings[1]!].map((x) => Math.round(x * 10) / 10),
    [0.6, 0.8, 0],
  );
  assert.equal((await store.photo(jane.id, 0))?.toString(), 'jpeg-bytes');

  assert.equal(await store.remove(jane.id), true);
  assert.equal(await store.get(jane.id), undefined);
  assert.equal(await store.photo(jane.id, 0), null);
  assert.equal(await redis.exists(keys.embeddings(jane.id)), 0);
  assert.equal(await store.remove(jane.id), false);
});

test('bad enrolments are refused with a reason', async () => {
  const store = new WatchlistStore(redis, keys);
  await assert.rejects(store.enrol({ name: ' ', model: 't', embeddings: [Float32Array.from([1])] }), /name/);
  await assert.rejects(store.enrol({ name: 'X', model: 't', embeddings: [] }), /no enrolment embedding/);
});
