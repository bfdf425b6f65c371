import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Cluster } from 'ioredis';
import { parseConfig } from '../../src/config/load-config.ts';
import { cameraSchema } from '../../src/config/schema.ts';
import { EventLog } from '../../src/store/event-log.ts';
import type { IdentityEvent } from '../../src/events/identity-event.ts';
import { RedisDecisionMemory } from '../../src/store/redis-decision-memory.ts';
import { BullBatchSink, dropCounterKey, startBatchWorker } from '../../src/queue/embed-queue.ts';
import { decodeFaceBatch, encodeFaceBatch, type FaceBatch } from '../../src/queue/face-batch.ts';
import { CameraStore } from '../../src/store/camera-store.ts';
import { deleteAllKeys } from '../../src/store/delete-keys.ts';
import { createRedisClient, duplicateClient, type RedisClient } from '../../src/store/redis-connection.ts';
import { RedisKeys } from '../../src/store/redis-keys.ts';
import { WatchlistStore } from '../../src/store/watchlist-store.ts';
import { localClusterUnavailable, startLocalCluster, type LocalCluster } from '../helpers/redis-cluster.ts';
import { until } from '../helpers/until.ts';

/**
 * The Redis-backed parts of the pipeline on a real 3-master Redis Cluster (loopback ports, started here
 * and stopped after), through the client the config's `redis.cluster` section creates. The tests share
 * one key prefix and run in order: the later ones check where the earlier ones' keys landed and that
 * deleteAllKeys finds them on every master.
 */

let local: LocalCluster | undefined;
let redis: Cluster;
let keys: RedisKeys;

async function slotOf(key: string): Promise<number> {
  return Number(await redis.cluster('KEYSLOT', key));
}

/** Port of the master serving each slot, from CLUSTER SLOTS (`[start, end, [host, port, id], ...]`). */
async function slotOwners(): Promise<(slot: number) => number> {
  const ranges = (await redis.cluster('SLOTS')) as unknown as [number, number, [string, number]][];
  return (slot) => {
    const range = ranges.find(([start, end]) => slot >= start && slot <= end);
    assert.ok(range, `slot ${slot} is served by no master`);
    return range[2][1];
  };
}

/** The hash tag of each concern (RedisKeys), i.e. what Cluster hashes for every key of that concern. */
function concernTags(k: RedisKeys): Record<string, string> {
  return { wl: `{${k.prefix}:wl}`, ev: `{${k.prefix}:ev}`, cam: `{${k.prefix}:cam}`, q: k.queuePrefix() };
}

/**
 * A fresh prefix whose four concerns land on all three masters, so the placement and cleanup checks
 * below cover several shards instead of depending on where a random prefix happens to hash.
 */
async function spreadPrefix(): Promise<RedisKeys> {
  const owner = await slotOwners();
  for (let i = 0; i < 200; i++) {
    const k = new RedisKeys(`bfcluster${i}-${process.pid}`);
    const masters = new Set(
      await Promise.all(Object.values(concernTags(k)).map(async (t) => owner(await slotOf(t)))),
    );
    if (masters.size === 3) return k;
  }
  throw new Error('no prefix among 200 spreads its concerns over the three masters');
}

/** Every key of this prefix, per master port (SCAN on each master's own connection). */
async function keysByMaster(): Promise<Map<number, string[]>> {
  const out = new Map<number, string[]>();
  for (const node of redis.nodes('master')) {
    const found: string[] = [];
    for (const pattern of keys.allKeysPatterns()) {
      let cursor = '0';
      do {
        const [next, page] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
        cursor = next;
        found.push(...page);
      } while (cursor !== '0');
    }
    out.set(node.options.port!, found);
  }
  return out;
}

function event(i: number, evidenceKey: string | null = null): IdentityEvent {
  return {
    eventId: `e${i}`,
    kind: 'decision',
    camera: 'cam1',
    trackId: `t${i}`,
    decision: 'unknown',
    identityId: null,
    identityName: null,
    score: 0.25,
    margin: 0,
    threshold: 0.6,
    facePx: 16,
    quality: 0.5,
    frameTimeMs: Date.now(),
    boxX: null,
    boxY: null,
    boxWidth: null,
    boxHeight: null,
    frameIndex: null,
    mediaTimeMs: null,
    evidenceKey,
    model: 'cluster-test',
  };
}

function batch(id: string, faces = 2): FaceBatch {
  const crops = Array.from({ length: faces }, (_, i) => ({
    meta: {
      trackId: `${id}-t${i}`,
      facePx: 16,
      quality: 0.5,
      box: { x: 0, y: 0, width: 16, height: 16 },
      frameTimeMs: Date.now(),
    },
    image: { width: 2, height: 2, data: new Uint8Array(12).fill(i) },
  }));
  return encodeFaceBatch({ batchId: id, camera: 'cam1', enqueuedAtMs: Date.now() }, 2, crops);
}

before(async () => {
  const missing = localClusterUnavailable();
  assert.equal(
    missing,
    undefined,
    `this test starts a local Redis Cluster and needs the redis-server package: ${missing}`,
  );
  local = await startLocalCluster(3);
  // One startup node is enough: the client discovers the other masters from it.
  const config = parseConfig({ redis: { cluster: { nodes: [local.nodeUrls[0]] } } }, {});
  const client: RedisClient = createRedisClient(config.redis, { maxRetriesPerRequest: null });
  assert.ok(client instanceof Cluster, 'redis.cluster in the config gives a Cluster client');
  redis = client;
  await redis.ping();
  keys = await spreadPrefix();
});

after(async () => {
  redis?.disconnect();
  await local?.stop();
});

test('the Cluster client from the config discovers every master', async () => {
  assert.equal(redis.nodes('master').length, 3);
  const info = await redis.cluster('INFO');
  assert.match(info, /cluster_state:ok/);
  assert.match(info, /cluster_known_nodes:3/);
});

test('watchlist: enrol, list, load the gallery, remove, with change announcements', async () => {
  const store = new WatchlistStore(redis, keys);
  const subscriber = duplicateClient(redis);
  const announced: string[] = [];
  subscriber.on('message', (_channel: string, message: string) => announced.push(message));
  await subscriber.subscribe(keys.watchlistChannel());
  try {
    const jane = await store.enrol({
      name: 'Jane Doe',
      model: 'student',
      embeddings: [Float32Array.from([1, 0, 0]), Float32Array.from([0.6, 0.8, 0])],
      photos: [Buffer.from('jpeg-bytes')],
    });
    const ann = await store.enrol({
      name: 'Ann Lee',
      model: 'student',
      embeddings: [Float32Array.from([0, 0, 1])],
    });
    assert.deepEqual(
      (await store.list()).map((i) => i.name),
      ['Ann Lee', 'Jane Doe'],
    );
    assert.equal((await store.get(jane.id))?.photos, 2);
    assert.equal((await store.photo(jane.id, 0))?.toString(), 'jpeg-bytes');
    const gallery = await store.loadGallery('student');
    assert.equal(gallery.version, 2);
    assert.equal(gallery.entries.length, 2);
    assert.equal(await store.remove(ann.id), true);
    assert.equal(await store.remove(ann.id), false);
    assert.deepEqual(
      (await store.list()).map((i) => i.id),
      [jane.id],
    );
    await until('four watchlist announcements', () => announced.length === 4);
    // Each PUBLISH goes to some node and reaches the others over the cluster bus, so order is not kept;
    // matchers only take a message as a cue to re-read the version, which is why that is harmless.
    assert.deepEqual([...announced].sort(), ['1', '2', '3', '4']);
  } finally {
    subscriber.disconnect();
  }
});

test('events: append with evidence, read back, resume after an id', async () => {
  const log = new EventLog(redis, keys, { evidenceTtlSeconds: 600 });
  const first = await log.append(event(0), Buffer.from('png-0'));
  await log.append(event(1, 'ev1'), Buffer.from('png-1'));
  await log.append(event(2));
  assert.equal(await log.length(), 3);
  assert.deepEqual(
    (await log.readAfter('0')).map((e) => e.event.eventId),
    ['e0', 'e1', 'e2'],
  );
  assert.deepEqual(
    (await log.readAfter(first)).map((e) => e.event.eventId),
    ['e1', 'e2'],
  );
  assert.equal((await log.evidence('ev1'))?.toString(), 'png-1');
  assert.ok((await redis.ttl(keys.evidence('ev1'))) > 0, 'evidence crops expire');
});

test('camera registry (Lua replace) and shared track decisions (MULTI) work on the cluster', async () => {
  const cameras = new CameraStore(redis, keys);
  assert.equal(await cameras.add(cameraSchema.parse({ id: 'cam1', url: 'a.mp4' })), true);
  const cam = (await cameras.get('cam1'))!;
  assert.equal(await cameras.replace({ ...cam, fps: 2 }), true);
  assert.equal((await cameras.get('cam1'))?.fps, 2);
  assert.equal(await cameras.replace({ ...cam, id: 'missing' }), false);
  assert.equal(await cameras.version(), 2);

  const decisions = new RedisDecisionMemory(redis, keys, 600);
  const d1 = { decision: 'match', score: 0.8, identityId: 'id-1' } as const;
  assert.equal((await decisions.record('t1', d1, 0.02)).kind, 'decision');
  assert.deepEqual(await decisions.get('t1'), d1);
});

test('BullMQ: the repo queue producer and worker round-trip batches, the backlog bound counts drops', async () => {
  const sink = new BullBatchSink(redis, keys, { maxBacklog: 3, policy: 'drop-oldest' });
  // Enqueued before a worker exists: six batches into a backlog of 3 drop the three oldest.
  for (let i = 0; i < 6; i++) await sink.submit(batch(`b${i}`));
  assert.equal(await sink.backlog(), 3);
  assert.equal(Number(await redis.get(dropCounterKey(keys))), 6);
  const seen: string[] = [];
  const worker = startBatchWorker(
    redis,
    keys,
    async (b) => {
      assert.equal(decodeFaceBatch(b)[1]!.data[0], 1, 'pixels intact');
      seen.push(b.batchId);
    },
    { concurrency: 2 },
  );
  try {
    await until('three batches processed', () => seen.length === 3);
    assert.deepEqual([...seen].sort(), ['b3', 'b4', 'b5']);
  } finally {
    await worker.close();
    await sink.close();
  }
});

test("every key lands in its concern's hash-tag slot, and the concerns are spread over the masters", async () => {
  const owner = await slotOwners();
  const tags = concernTags(keys);
  const byMaster = await keysByMaster();
  const all = [...byMaster.values()].flat();
  for (const [concern, tag] of Object.entries(tags)) {
    const slot = await slotOf(tag);
    const ofConcern = all.filter((k) => k.startsWith(`${tag}:`));
    assert.ok(ofConcern.length > 0, `the tests above wrote ${concern} keys`);
    for (const key of ofConcern) assert.equal(await slotOf(key), slot, key);
    // ...so all of them are on the one master serving that slot.
    assert.deepEqual(
      [...byMaster].filter(([, found]) => found.some((k) => k.startsWith(`${tag}:`))).map(([port]) => port),
      [owner(slot)],
      concern,
    );
  }
  assert.equal(
    all.filter((k) => !Object.values(tags).some((t) => k.startsWith(`${t}:`))).length,
    0,
    'no key outside the four concerns',
  );
  assert.equal([...byMaster.values()].filter((found) => found.length > 0).length, 3);
});

test('deleteAllKeys removes the prefix from every master', async () => {
  const before = [...(await keysByMaster()).values()].flat().length;
  assert.ok(before > 10);
  const other = new RedisKeys(`${keys.prefix}-other`);
  await redis.set(`${other.queuePrefix()}:keep`, '1');
  assert.equal(await deleteAllKeys(redis, keys), before);
  assert.deepEqual([...(await keysByMaster()).values()].flat(), []);
  assert.equal(await redis.get(`${other.queuePrefix()}:keep`), '1', 'other prefixes are left alone');
  assert.equal(await deleteAllKeys(redis, other), 1);
});
