import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { Redis } from 'ioredis';
import { renderLoadgenPlot } from '../../src/loadgen/report.ts';
import { runLoadgen } from '../../src/loadgen/run-loadgen.ts';
import { RedisKeys } from '../../src/store/redis-keys.ts';
import { testRedis } from '../helpers/redis.ts';

/**
 * One short real run: the synthetic watchlist in Redis, one embed worker process (the production
 * embed role), batches of real demo-clip crops through BullMQ, events read back from the stream. A
 * cold burst into a tiny backlog before the worker starts forces counted drops; the paced step after
 * it must yield an event for every track. No timing is asserted (the machine may be loaded).
 */

let redis: Redis;
let cleanup: () => Promise<void>;
before(async () => ({ redis, cleanup } = await testRedis()));
after(async () => cleanup());

test('every injected face is processed (its track gets an event) or counted as dropped', async () => {
  const prefix = `bftest-${randomBytes(4).toString('hex')}`;
  const batchFaces = 16;
  const report = await runLoadgen({
    prefix,
    workers: 1,
    watchlistSize: 1000,
    ramp: { startRate: 40, factor: 2, maxSteps: 1 },
    stepSeconds: 6,
    stopWhenBehind: false,
    batchFaces,
    cropsPerTrack: 2,
    maxBacklog: 4,
    coldBurstBatches: 10,
    drainTimeoutSeconds: 300,
    // The student alone: the subject is accounting, not speed. With the shipped routing most demo crops
    // (≥ 16 px) also go through the teacher, ~25-60 faces/s on a wasm core depending on the host, so the
    // paced 40 faces/s could back up past the tiny backlog and drop a batch of the paced step.
    routing: { blendFromPx: null, teacherFromPx: null },
  });

  // Nothing silently dropped: drops counted == injected − processed.
  assert.equal(report.dropped, report.injected_faces - report.processed_faces);
  assert.equal(report.unaccounted_faces, 0);
  assert.equal(report.failed_batches, 0);
  assert.equal(report.duplicate_events, 0);
  // The cold burst into a backlog of 4: the 6 oldest batches were dropped, and only their tracks lack events.
  assert.equal(report.dropped, 6 * batchFaces);
  assert.equal(report.unstepped_tracks_without_event, (6 * batchFaces) / 2);
  // The paced step: a few hundred faces, an event for every track.
  const [step] = report.steps;
  assert.ok(step);
  assert.ok(step.injected_faces >= 200, `injected ${step.injected_faces}`);
  assert.equal(step.tracks_without_event, 0);
  assert.equal(step.dropped, 0);
  assert.ok(step.latency_ms_p50 !== null && step.latency_ms_p95! >= step.latency_ms_p50);
  assert.equal(step.workers.length, 1);
  assert.ok(step.workers[0]!.busy > 0 && step.workers[0]!.busy <= 1);
  assert.equal(report.watchlist_size, 1000);
  assert.ok(report.queue_depth.length > 0);
  // The run cleans its keys up.
  const [, left] = await redis.scan('0', 'MATCH', `{${prefix}:*`, 'COUNT', 1000);
  assert.deepEqual(left, []);
  assert.ok(new RedisKeys(prefix).queuePrefix().includes(prefix));

  const svg = await renderLoadgenPlot(report);
  assert.match(svg, /^<svg/);
});
