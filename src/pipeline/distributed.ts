import type { BridgefaceConfig, CameraConfig } from '../config/schema.ts';
import { EventLog } from '../events/event-log.ts';
import { PipelineMetrics } from '../metrics/pipeline-metrics.ts';
import { createEmbedder } from '../models/registry.ts';
import { BullBatchSink, startBatchWorker } from '../queue/embed-queue.ts';
import {
  CAMERA_STATUS_PUBLISH_MS,
  CameraStore,
  type CameraChange,
  type CameraStatus,
} from '../store/camera-store.ts';
import {
  createRedisClient,
  describeRedis,
  duplicateClient,
  type RedisClient,
} from '../store/redis-connection.ts';
import { RedisKeys } from '../store/redis-keys.ts';
import { WatchlistStore } from '../store/watchlist-store.ts';
import { log } from '../util/log.ts';
import { maskUrlPassword } from '../util/mask-url-password.ts';
import { createMatchStage, startCameraStage } from './assemble.ts';
import { RedisDecisionMemory } from './decision-memory.ts';
import { FanoutEventSink, JsonlEventSink, RedisEventSink, type EventSink } from './event-sink.ts';
import { StoreGallerySource } from './gallery-source.ts';

export interface RoleHandle {
  readonly metrics: PipelineMetrics;
  /** Resolves when the role has nothing more to do (file cameras ended); never for live roles. */
  readonly finished: Promise<void>;
  close(): Promise<void>;
}

/**
 * A Redis (or Redis Cluster, when `redis.cluster` is set) client that waits for Redis instead of
 * failing: at start and after an outage, commands queue until the server is back (workers "wait and
 * resume"), with capped reconnect delays.
 */
export function connectRedis(config: BridgefaceConfig): RedisClient {
  const redis = createRedisClient(config.redis, {
    maxRetriesPerRequest: null,
    retryStrategy: (attempt) => Math.min(10_000, 200 * 2 ** Math.min(attempt, 6)),
  });
  const url = describeRedis(config.redis);
  let down = false;
  redis.on('error', (err: Error) => {
    if (!down) log.warn({ url, err: err.message }, 'Redis unreachable; waiting for it');
    down = true;
  });
  redis.on('ready', () => {
    if (down) log.info({ url }, 'Redis reachable again');
    down = false;
  });
  return redis;
}

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
      closing ??= (async () => {
        clearInterval(timer);
        subscriber.disconnect();
        await applying;
        await stage.close();
        // This worker's cameras stop with it: their status rows go too (a row left by a worker that
        // died is ignored once stale, see CAMERA_STATUS_STALE_MS).
        if (published.size > 0) await redis.hdel(keys.cameraStatus(), ...published).catch(() => 0);
        await sink.close();
      })();
      return closing;
    },
  };
}

/** Embed role: BullMQ worker → student (or teacher) → watchlist match → events stream. */
export async function startEmbedRole(config: BridgefaceConfig, redis: RedisClient): Promise<RoleHandle> {
  const keys = new RedisKeys(config.redis.prefix);
  const metrics = new PipelineMetrics();
  const embedder = await createEmbedder(config.embed.model);
  const store = new WatchlistStore(redis, keys);
  const gallery = new StoreGallerySource(store, redis, keys, embedder.name, embedder.dim);
  const sinks: EventSink[] = [new RedisEventSink(new EventLog(redis, keys, config.events))];
  if (config.events.jsonl) sinks.push(new JsonlEventSink(config.events.jsonl));
  const stage = createMatchStage(config, {
    embedder,
    gallery,
    decisions: new RedisDecisionMemory(redis, keys),
    sink: new FanoutEventSink(sinks),
    metrics,
  });
  const worker = startBatchWorker(redis, keys, async (batch) => void (await stage.process(batch)), {
    concurrency: config.embed.concurrency,
  });
  let closing: Promise<void> | undefined;
  return {
    metrics,
    finished: new Promise<void>(() => {}),
    close() {
      closing ??= (async () => {
        await worker.close();
        await gallery.close();
        embedder.dispose();
      })();
      return closing;
    },
  };
}
