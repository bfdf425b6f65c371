import { randomBytes } from 'node:crypto';
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Queue, Worker } from 'bullmq';
import { Cluster } from 'ioredis';
import { EventLog } from '../../src/store/event-log.ts';
import type { IdentityEvent } from '../../src/events/identity-event.ts';
import { streamIdTimeMs } from '../../src/loadgen/latency.ts';
import { BullBatchSink, dropCounterKey, EMBED_QUEUE } from '../../src/queue/embed-queue.ts';
import { decodeFaceBatch, encodeFaceBatch, type FaceBatch } from '../../src/queue/face-batch.ts';
import { RedisKeys } from '../../src/store/redis-keys.ts';
import { localClusterUnavailable, startLocalCluster, type LocalCluster } from '../helpers/redis-cluster.ts';

/**
 * BullMQ + the events stream on a real 3-master Redis Cluster on loopback ports (started here, stopped
 * after). Skips, saying why, when redis-server / redis-cli are missing or the cluster does not form.
 * Our producer (BullBatchSink) and EventLog take the Cluster client as it is; the consumer is a plain
 * BullMQ Worker so that the test sees each job (test/store/redis-cluster.test.ts covers
 * startBatchWorker and the stores on a cluster).
 */

let local: LocalCluster | undefined;
let cluster: Cluster | undefined;
let setupError: string | undefined = localClusterUnavailable();

before(async () => {
  if (setupError) return;
  try {
    local = await startLocalCluster(3);
  } catch (err) {
    setupError = err instanceof Error ? err.message : String(err);
    return;
  }
  cluster = new Cluster([{ host: '127.0.0.1', port: local.ports[0]! }], {
    redisOptions: { maxRetriesPerRequest: null },
  });
});

after(async () => {
  cluster?.disconnect();
  await local?.stop();
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function batch(i: number): FaceBatch {
  const now = Date.now();
  const crops = Array.from({ length: 4 }, (_, j) => ({
    meta: {
      trackId: `b${i}-t${j}`,
      facePx: 16,
      quality: 0.5,
      box: { x: 0, y: 0, width: 16, height: 16 },
      frameTimeMs: now,
    },
    image: { width: 4, height: 4, data: new Uint8Array(48).fill(j) },
  }));
  return encodeFaceBatch({ batchId: `b${i}`, camera: 'cam', enqueuedAtMs: now }, 4, crops);
}

test('face batches go through BullMQ and events through the stream on a Redis Cluster', async (t) => {
  if (setupError || !cluster) {
    const why = setupError ?? 'no cluster';
    console.log(`# cluster test skipped: ${why}`);
    t.skip(why);
    return;
  }
  // Unique per run: the cluster may be shared with other runs.
  const keys = new RedisKeys(`bfcl-${randomBytes(4).toString('hex')}`);
  // One slot per concern: a queue's keys share the queue's slot; events and watchlist have their own.
  const slot = async (k: string): Promise<number> => Number(await cluster!.cluster('KEYSLOT', k));
  assert.equal(await slot(`${keys.queuePrefix()}:embed:wait`), await slot(dropCounterKey(keys)));
  assert.equal(await slot(keys.events()), await slot(keys.evidence('x')));
  assert.equal(
    new Set([await slot(keys.queuePrefix()), await slot(keys.events()), await slot(keys.watchlistIds())])
      .size,
    3,
  );

  const sink = new BullBatchSink(cluster, keys, { maxBacklog: 3 });
  const log = new EventLog(cluster, keys);
  const seen: string[] = [];
  // Passed connections stay open when BullMQ closes: this one is disconnected below, or its reconnect
  // loop would outlive the cluster and keep the test process alive.
  const workerConnection = cluster.duplicate();
  const worker = new Worker<FaceBatch>(
    EMBED_QUEUE,
    async (job) => {
      const images = decodeFaceBatch(job.data);
      for (const [i, meta] of job.data.crops.entries()) {
        const event: IdentityEvent = {
          eventId: `${job.data.batchId}-${i}`,
          kind: 'decision',
          camera: job.data.camera,
          trackId: meta.trackId,
          decision: 'unknown',
          identityId: null,
          identityName: null,
          score: images[i]!.data[0]! / 255,
          margin: 0,
          threshold: 0.5,
          facePx: meta.facePx,
          quality: meta.quality,
          frameTimeMs: meta.frameTimeMs,
          boxX: null,
          boxY: null,
          boxWidth: null,
          boxHeight: null,
          frameIndex: null,
          mediaTimeMs: null,
          evidenceKey: null,
          model: 'cluster-test',
        };
        await log.append(event);
        seen.push(meta.trackId);
      }
    },
    { connection: workerConnection, prefix: keys.queuePrefix(), concurrency: 2, autorun: false },
  );
  // Five batches into a backlog of 3 before the worker runs: two dropped (counted), three processed.
  for (let i = 0; i < 5; i++) await sink.submit(batch(i));
  assert.equal(Number(await cluster.get(dropCounterKey(keys))), 8);
  void worker.run();
  const queue = new Queue(EMBED_QUEUE, { connection: cluster, prefix: keys.queuePrefix() });
  for (let i = 0; seen.length < 12; i++) {
    if (i > 200) assert.fail(`only ${seen.length} of 12 crops processed`);
    await sleep(50);
  }
  const events = await log.readAfter('0', 100);
  assert.equal(events.length, 12);
  assert.deepEqual(new Set(events.map((e) => e.event.trackId.split('-')[0])), new Set(['b2', 'b3', 'b4']));
  for (const e of events) assert.ok(streamIdTimeMs(e.streamId) >= e.event.frameTimeMs);
  await worker.close();
  workerConnection.disconnect();
  await queue.obliterate({ force: true });
  await queue.close();
  await sink.close();
});
