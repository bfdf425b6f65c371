import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Redis } from 'ioredis';
import { configSchema } from '../../src/config/schema.ts';
import type { CameraStatus } from '../../src/decode/camera-source.ts';
import { locateFfmpeg } from '../../src/decode/ffmpeg-binary.ts';
import { encodeRawVideo } from '../../src/demo/clip-encoder.ts';
import { EventLog } from '../../src/store/event-log.ts';
import { startCameraRole } from '../../workers/camera-role.ts';
import { connectRedis } from '../../workers/connect-redis.ts';
import { startEmbedRole } from '../../workers/embed-role.ts';
import { BullBatchSink } from '../../src/queue/embed-queue.ts';
import { encodeFaceBatch } from '../../src/queue/face-batch.ts';
import { RedisKeys } from '../../src/store/redis-keys.ts';
import { testRedis } from '../helpers/redis.ts';
import { until } from '../helpers/until.ts';
import { freePort } from '../helpers/free-port.ts';

/**
 * Faults at the role level: broken inputs in a camera role (truncated clip, garbage file, unreachable
 * RTSP) and Redis missing at start / restarted under a running embed role.
 *
 * A killed embed worker's jobs being retried (none lost) is tested at the BullMQ level in
 * test/queue/embed-queue.test.ts: at the role level it would need the 30 s default lock to expire
 * (the role does not expose lockDuration), too slow for this suite.
 */

let redis: Redis;
let keys: RedisKeys;
let cleanup: () => Promise<void>;
let dir: string;

before(async () => {
  ({ redis, keys, cleanup } = await testRedis());
  dir = await mkdtemp(join(tmpdir(), 'bf-faults-'));
});
after(async () => {
  await cleanup();
  await rm(dir, { recursive: true, force: true });
});

/** A small valid clip: grey frames with a moving bright square. */
async function tinyClip(path: string, frames: number): Promise<void> {
  const ffmpeg = await locateFfmpeg();
  assert.ok(ffmpeg, 'ffmpeg is needed');
  const w = 128;
  const h = 96;
  const all: Uint8Array[] = [];
  for (let t = 0; t < frames; t++) {
    const f = new Uint8Array(w * h * 3).fill(90);
    for (let y = 30; y < 50; y++)
      for (let x = 10 + t * 4; x < 30 + t * 4; x++) f.fill(220, (y * w + x) * 3, (y * w + x) * 3 + 3);
    all.push(f);
  }
  await encodeRawVideo(all, { ffmpegPath: ffmpeg.path, width: w, height: h, fps: 5, out: path });
}

test('a camera role survives a truncated clip, a garbage file and an unreachable RTSP URL', async () => {
  const good = join(dir, 'good.mp4');
  await tinyClip(good, 20);
  const bytes = await readFile(good);
  const truncated = join(dir, 'truncated.mp4');
  await writeFile(truncated, bytes.subarray(0, Math.floor(bytes.length * 0.4)));
  const garbage = join(dir, 'garbage.mp4');
  await writeFile(garbage, Buffer.from(randomUUID().repeat(200)));
  const cam = (id: string, url: string): Record<string, unknown> => ({
    id,
    url,
    fps: 5,
    width: 128,
    height: 96,
  });
  const config = configSchema.parse({
    redis: { prefix: keys.prefix },
    cameras: [
      cam('good', good),
      cam('truncated', truncated),
      cam('garbage', garbage),
      cam('rtsp', 'rtsp://127.0.0.1:9/none'),
    ],
    detector: { type: 'tiled-tiny', minFaceSize: 14, motion: false },
    // The rtsp camera is on loopback, which the camera network policy refuses unless allowed.
    api: { cameraNetworks: ['127.0.0.0/8'] },
  });
  const role = await startCameraRole(config, redis);
  const status = async (): Promise<Map<string, CameraStatus>> => {
    const h = await redis.hgetall(keys.cameraStatus());
    return new Map(Object.entries(h).map(([id, v]) => [id, JSON.parse(v) as CameraStatus]));
  };
  try {
    await until('every camera to report', async () => {
      const s = await status();
      const reconnecting = (id: string): boolean =>
        s.get(id)?.lastError != null && (s.get(id)?.restarts ?? 0) >= 1;
      return s.get('good')?.state === 'ended' && reconnecting('garbage') && reconnecting('rtsp');
    });
    const s = await status();
    assert.equal(s.get('good')?.frames, 20, 'the good camera delivered its whole clip');
    // A truncated clip yields what decodes, then either ends or errors into the reconnect loop.
    assert.ok(['ended', 'backoff', 'connecting', 'live'].includes(s.get('truncated')!.state));
    for (const id of ['garbage', 'rtsp']) {
      assert.ok(['backoff', 'connecting'].includes(s.get(id)!.state), `${id} is in its reconnect loop`);
      assert.match(s.get(id)!.lastError ?? '', /\S/, `${id} reports its error`);
    }
  } finally {
    await role.close();
  }
});

function startRedisServer(port: number): ChildProcess {
  return spawn(
    'redis-server',
    ['--port', String(port), '--save', '', '--appendonly', 'no', '--daemonize', 'no'],
    {
      stdio: 'ignore',
    },
  );
}

async function stopRedisServer(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null) return;
  const exited = new Promise<void>((r) => p.once('exit', () => r()));
  p.kill('SIGKILL');
  await exited;
}

const hasRedisServer = spawnSync('redis-server', ['--version']).status === 0;

test(
  'an embed role started before Redis waits for it, and resumes after a Redis restart',
  { skip: hasRedisServer ? false : 'redis-server is not on PATH' },
  async () => {
    const port = await freePort();
    const config = configSchema.parse({
      redis: { url: `redis://127.0.0.1:${port}`, prefix: 'bf-fault' },
      cameras: [{ id: 'x', url: 'unused.mp4' }],
      embed: { model: 'teacher', concurrency: 1 },
      // The teacher has no score-normalisation cohort: raw cosines (the thresholds do not matter here).
      match: { scoreNorm: 'none', thresholds: [{ minFacePx: 0, threshold: 0.9 }] },
    });
    const keysLocal = new RedisKeys('bf-fault');
    const client = connectRedis(config);
    let server: ChildProcess | undefined;
    const role = await startEmbedRole(config, client); // Redis is not there yet
    const producer = connectRedis(config);
    const events = new EventLog(producer, keysLocal, config.events);
    const submit = async (id: string): Promise<void> => {
      const sink = new BullBatchSink(producer, keysLocal);
      const crop = { width: 32, height: 32, data: new Uint8Array(32 * 32 * 3).fill(120) };
      const meta = {
        trackId: `t-${id}`,
        facePx: 24,
        quality: 0.5,
        box: { x: 0, y: 0, width: 24, height: 24 },
        frameTimeMs: Date.now(),
      };
      await sink.submit(
        encodeFaceBatch({ batchId: id, camera: 'x', enqueuedAtMs: Date.now() }, 32, [{ meta, image: crop }]),
      );
      await sink.close();
    };
    try {
      await until('the worker to find Redis missing', () => client.status === 'reconnecting');
      server = startRedisServer(port);
      await submit('before-restart');
      await until('an event after Redis came up', async () => (await events.length()) >= 1, 40_000);

      await stopRedisServer(server);
      await until('the worker to lose Redis', () => client.status !== 'ready');
      server = startRedisServer(port); // empty again: nothing was saved
      await submit('after-restart');
      await until('an event after the restart', async () => (await events.length()) >= 1, 40_000);
      const [e] = await events.readAfter('0', 10);
      assert.equal(e!.event.trackId, 't-after-restart');
    } finally {
      await role.close();
      client.disconnect();
      producer.disconnect();
      if (server) await stopRedisServer(server);
    }
  },
);
