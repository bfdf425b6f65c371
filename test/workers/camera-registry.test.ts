import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { after, before, test } from 'node:test';
import { configSchema } from '../../src/config/schema.ts';
import { startCameraRole } from '../../workers/camera-role.ts';
import { CAMERA_STATUS_PUBLISH_MS, CameraStore } from '../../src/store/camera-store.ts';
import type { RedisKeys } from '../../src/store/redis-keys.ts';
import { testRedis } from '../helpers/redis.ts';
import { writeTestClip } from '../helpers/test-clip.ts';
import { until } from '../helpers/until.ts';

let redis: Redis;
let keys: RedisKeys;
let cleanup: () => Promise<void>;
let dir = '';
before(async () => {
  ({ redis, keys, cleanup } = await testRedis());
  dir = await mkdtemp(join(tmpdir(), 'bf-registry-'));
  await writeTestClip(join(dir, 'clip.mp4'));
});
after(async () => {
  await cleanup();
  await rm(dir, { recursive: true, force: true });
});

async function statusOf(id: string): Promise<{ state?: string } | undefined> {
  const json = await redis.hget(keys.cameraStatus(), id);
  return json ? (JSON.parse(json) as { state?: string }) : undefined;
}

test('a running camera worker picks up cameras added, changed and removed in the registry', async () => {
  const config = configSchema.parse({ redis: { prefix: keys.prefix }, detector: { type: 'plain-tiny' } });
  const role = await startCameraRole(config, redis);
  const store = new CameraStore(redis, keys);
  try {
    const camera = configSchema.shape.cameras.parse([
      { id: 'lobby', url: join(dir, 'clip.mp4'), fps: 5, width: 160, height: 120, loop: true },
    ])[0]!;
    assert.equal(await store.add(camera), true);
    await until(
      'the camera worker to apply the change',
      async () => (await statusOf('lobby'))?.state === 'live',
    );
    assert.equal(await store.replace({ ...camera, enabled: false }), true);
    await until(
      'the camera worker to apply the change',
      async () => (await statusOf('lobby'))?.state === 'stopped',
    );
    assert.equal(await store.replace({ ...camera, enabled: true, fps: 2 }), true);
    await until(
      'the camera worker to apply the change',
      async () => (await statusOf('lobby'))?.state === 'live',
    );
    await store.remove('lobby');
    await until('the camera worker to apply the change', async () => (await statusOf('lobby')) === undefined);
    // Through the next status publish, the removed camera stays gone.
    const removedAt = Date.now();
    await until('a status publish after the removal', async () => {
      assert.equal(await statusOf('lobby'), undefined);
      return Date.now() - removedAt > CAMERA_STATUS_PUBLISH_MS;
    });
  } finally {
    await role.close();
  }
});

test('statuses say where each camera comes from and are cleared when the worker stops', async () => {
  const clip = { url: join(dir, 'clip.mp4'), fps: 5, width: 160, height: 120, loop: true };
  const config = configSchema.parse({
    redis: { prefix: keys.prefix },
    detector: { type: 'plain-tiny' },
    cameras: [{ id: 'yard', ...clip }],
  });
  const store = new CameraStore(redis, keys);
  assert.equal(await store.add(configSchema.shape.cameras.parse([{ id: 'porch', ...clip }])[0]!), true);
  const role = await startCameraRole(config, redis);
  try {
    await until(
      'the camera worker to apply the change',
      async () => (await statusOf('yard'))?.state === 'live' && (await statusOf('porch'))?.state === 'live',
    );
    const yard = (await statusOf('yard')) as { origin?: string; camera?: { url: string; fps: number } };
    assert.equal(yard.origin, 'config');
    assert.deepEqual([yard.camera?.url, yard.camera?.fps], [clip.url, 5]);
    assert.equal(((await statusOf('porch')) as { origin?: string }).origin, 'api');
  } finally {
    await role.close();
    await store.remove('porch');
  }
  assert.equal(await statusOf('yard'), undefined, 'a stopped worker leaves no status behind');
});
