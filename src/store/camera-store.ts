import type { RedisClient } from './redis-connection.ts';
import { z } from 'zod';
import { cameraSchema, type CameraConfig } from '../config/schema.ts';
import type { RedisKeys } from './redis-keys.ts';

/** How often camera workers republish the status of the cameras they run (ms). */
export const CAMERA_STATUS_PUBLISH_MS = 2000;
/** A status not republished for this long was left by a worker that stopped without clearing it (ms). */
const CAMERA_STATUS_STALE_MS = 30_000;

/** Where a running camera comes from: the worker's config file, or the registry (the API, the console). */
export type CameraOrigin = 'config' | 'api';

/**
 * What camera workers publish in the status hash (the source's status plus `origin`, `publishedAtMs`
 * and, so that the console can list cameras it did not add, the camera's settings with its URL
 * masked); unknown fields are kept.
 */
const cameraStatusSchema = z.looseObject({
  state: z.string().optional(),
  origin: z.enum(['config', 'api']).optional(),
  publishedAtMs: z.number().optional(),
  camera: z
    .looseObject({
      url: z.string(),
      fps: z.number(),
      width: z.number(),
      height: z.number(),
      minFacePx: z.number(),
      enabled: z.boolean(),
    })
    .optional(),
});
export type CameraStatus = z.infer<typeof cameraStatusSchema>;

/** Payload of the camera channel (RedisKeys.cameraChannel): workers re-read the camera `id`. */
export interface CameraChange {
  readonly op: 'upsert' | 'remove';
  readonly id: string;
  readonly version: number;
}

/**
 * The camera registry in Redis: camera configs (validated by the config's cameraSchema) in one hash,
 * a version counter, and a pub/sub announcement per change so camera workers pick changes up.
 */
export class CameraStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
  ) {}

  async list(): Promise<CameraConfig[]> {
    const all = await this.redis.hgetall(this.keys.cameraConfigs());
    return Object.values(all)
      .map((json) => this.parse(json))
      .filter((c): c is CameraConfig => c !== undefined)
      .sort((a, b) => a.id.localeCompare(b.id));
  }

  async get(id: string): Promise<CameraConfig | undefined> {
    const json = await this.redis.hget(this.keys.cameraConfigs(), id);
    return json === null ? undefined : this.parse(json);
  }

  /** Adds a camera; false when the id is taken. */
  async add(camera: CameraConfig): Promise<boolean> {
    const valid = cameraSchema.parse(camera);
    const added = await this.redis.hsetnx(this.keys.cameraConfigs(), valid.id, JSON.stringify(valid));
    if (added === 1) await this.announce('upsert', valid.id);
    return added === 1;
  }

  /** Replaces an existing camera; false when there is none with that id. */
  async replace(camera: CameraConfig): Promise<boolean> {
    const valid = cameraSchema.parse(camera);
    // Lua keeps "exists?" and "write" atomic, so a concurrent delete is not undone.
    const ok = await this.redis.eval(
      "if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) return 1 end return 0",
      1,
      this.keys.cameraConfigs(),
      valid.id,
      JSON.stringify(valid),
    );
    if (ok === 1) await this.announce('upsert', valid.id);
    return ok === 1;
  }

  async remove(id: string): Promise<boolean> {
    const removed = await this.redis.hdel(this.keys.cameraConfigs(), id);
    if (removed === 1) {
      await this.redis.hdel(this.keys.cameraStatus(), id);
      await this.announce('remove', id);
    }
    return removed === 1;
  }

  /**
   * Live status by camera id, as written by camera workers. Unparseable entries are skipped, and so are
   * stale ones (published more than CAMERA_STATUS_STALE_MS ago: their worker is gone).
   */
  async statuses(nowMs: number = Date.now()): Promise<Map<string, CameraStatus>> {
    const all = await this.redis.hgetall(this.keys.cameraStatus());
    const out = new Map<string, CameraStatus>();
    for (const [id, json] of Object.entries(all)) {
      try {
        const s = cameraStatusSchema.safeParse(JSON.parse(json));
        const stale =
          s.success &&
          s.data.publishedAtMs !== undefined &&
          nowMs - s.data.publishedAtMs > CAMERA_STATUS_STALE_MS;
        if (s.success && !stale) out.set(id, s.data);
      } catch {
        // A worker wrote something that is not JSON: leave the camera without status.
      }
    }
    return out;
  }

  async version(): Promise<number> {
    return Number((await this.redis.get(this.keys.cameraVersion())) ?? 0);
  }

  private parse(json: string): CameraConfig | undefined {
    try {
      const r = cameraSchema.safeParse(JSON.parse(json));
      return r.success ? r.data : undefined;
    } catch {
      return undefined;
    }
  }

  private async announce(op: CameraChange['op'], id: string): Promise<void> {
    const version = await this.redis.incr(this.keys.cameraVersion());
    const change: CameraChange = { op, id, version };
    await this.redis.publish(this.keys.cameraChannel(), JSON.stringify(change));
  }
}
