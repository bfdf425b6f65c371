import type { BridgefaceConfig, CameraConfig } from '../src/config/schema.ts';
import { PipelineMetrics } from '../src/metrics/pipeline-metrics.ts';
import { startCameraStage } from '../src/pipeline/assemble.ts';
import { BullBatchSink } from '../src/queue/embed-queue.ts';
import {
  CAMERA_STATUS_PUBLISH_MS,
  CameraStore,
  type CameraChange,
  type CameraStatus,
} from '../src/store/camera-store.ts';
import { duplicateClient, type RedisClient } from '../src/store/redis-connection.ts';
import { RedisKeys } from '../src/store/redis-keys.ts';
import { log } from '../src/util/log.ts';
import { maskUrlPassword } from '../src/util/mask-url-password.ts';
import { closeAll, type RoleHandle } from './role.ts';

/** A camera's settings as the console lists them, its URL's password masked. */
function cameraSummary(c: CameraConfig): NonNullable<CameraStatus['camera']> {
  return {
    url: maskUrlPassword(c.url),
    fps: c.fps,
    width: c.width,
    height: c.height,
    minFacePx: c.minFacePx,
    enabled: c.enabled,
  };
}

/** Camera role: decode → detect → track → batches on the BullMQ embed queue; camera status to Redis. */
export async function startCameraRole(config: BridgefaceConfig, redis: RedisClient): Promise<RoleHandle> {
  const keys = new RedisKeys(config.redis.prefix);
  const metrics = new PipelineMetrics();
  const sink = new BullBatchSink(redis, keys, config.queue);
  const stage = await startCameraStage(config, sink, metrics);
  // What each running camera is and where it comes from, published with its status for the console.
  const cameras = new Map(config.cameras.map((c) => [c.id, c]));
  const fromRegistry = new Set<string>();
  const published = new Set<string>();
  const publish = (): void => {
    const fields = stage.status().flatMap((s) => {
      const camera = cameras.get(s.id);
      published.add(s.id);
      const status: CameraStatus = {
        ...s,
        origin: fromRegistry.has(s.id) ? 'api' : 'config',
        publishedAtMs: Date.now(),
        ...(camera ? { camera: cameraSummary(camera) } : {}),
      };
      return [s.id, JSON.stringify(status)];
    });
    if (fields.length > 0) redis.hset(keys.cameraStatus(), ...fields).catch(() => {});
    sink
      .backlog()
      .then((n) => metrics.queueDepth.set(n))
      .catch(() => {});
  };
  const timer = setInterval(publish, CAMERA_STATUS_PUBLISH_MS);
  timer.unref();

  // The camera registry (managed through the API) adds to and overrides the config's cameras, live:
  // every change is announced on a channel and applied without restarting the worker.
  const registry = new CameraStore(redis, keys);
  const subscriber = duplicateClient(redis);
  subscriber.on('error', (err: Error) => log.warn({ err: err.message }, 'camera registry subscriber error'));
  let applying: Promise<void> = Promise.resolve();
  const apply = (change: CameraChange): void => {
    applying = applying
      .then(async () => {
        const camera = change.op === 'remove' ? undefined : await registry.get(change.id);
        if (camera) {
          cameras.set(camera.id, camera);
          fromRegistry.add(camera.id);
        } else fromRegistry.delete(change.id);
        if (camera?.enabled) {
          await stage.upsert(camera);
        } else {
          const last = await stage.remove(change.id);
          // A disabled camera keeps its row (state `stopped`); a removed one loses it (again: a status
          // publish may have raced with the registry's own delete).
          if (camera && last) {
            const status: CameraStatus = { ...last, origin: 'api', camera: cameraSummary(camera) };
            await redis.hset(keys.cameraStatus(), camera.id, JSON.stringify(status));
          } else await redis.hdel(keys.cameraStatus(), change.id);
          published.delete(change.id);
        }
        log.info({ camera: change.id, op: change.op }, 'camera registry change applied');
        publish();
      })
      .catch((err: unknown) =>
        log.error(
          { camera: change.id, err: err instanceof Error ? err.message : String(err) },
          'camera change failed',
        ),
      );
  };
  subscriber.on('message', (_channel: string, message: string) => {
    try {
      apply(JSON.parse(message) as CameraChange);
    } catch {
      log.warn({ message }, 'ignored malformed camera change');
    }
  });
  await subscriber.subscribe(keys.cameraChannel());
  for (const camera of await registry.list()) apply({ op: 'upsert', id: camera.id, version: 0 });
  await applying;
  publish();

  let closing: Promise<void> | undefined;
  return {
    metrics,
    finished: stage.finished(),
    close() {
      clearInterval(timer);
      // This worker's cameras stop with it: their status rows go too (a row left by a worker that
      // died is ignored once stale, see CAMERA_STATUS_STALE_MS).
      closing ??= closeAll('camera role', [
        ['camera registry subscriber', () => subscriber.disconnect()],
        ['camera registry changes', () => applying],
        ['cameras', () => stage.close()],
        // Best effort: with Redis gone the rows expire as stale anyway.
        [
          'camera status',
          () => (published.size > 0 ? redis.hdel(keys.cameraStatus(), ...published).catch(() => 0) : 0),
        ],
        ['queue producer', () => sink.close()],
      ]);
      return closing;
    },
  };
}
