/**
 * Every Redis key and channel BridgeFace uses, in one place. Keys of one concern share a hash tag
 * (`{bf:wl}`, `{bf:ev}`, `{bf:q}`) so that multi-key commands and BullMQ's Lua scripts stay within one
 * slot on Redis Cluster, while different concerns can live on different shards.
 */
export class RedisKeys {
  constructor(readonly prefix = 'bf') {
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(prefix)) {
      throw new Error(`Redis key prefix must be 1-64 of [A-Za-z0-9_.-], got '${prefix}'`);
    }
  }

  private get wl(): string {
    return `{${this.prefix}:wl}`;
  }

  private get ev(): string {
    return `{${this.prefix}:ev}`;
  }

  /** SET of identity ids on the watchlist. */
  watchlistIds(): string {
    return `${this.wl}:ids`;
  }

  /** HASH name, createdAt, photos (count), dim, model of one identity. */
  identity(id: string): string {
    return `${this.wl}:identity:${id}`;
  }

  /** STRING: the identity's enrolment embeddings, float32 little-endian, concatenated. */
  embeddings(id: string): string {
    return `${this.wl}:emb:${id}`;
  }

  /** HASH photo index → enrolment photo (JPEG bytes), for the console. */
  photos(id: string): string {
    return `${this.wl}:photos:${id}`;
  }

  /** STRING counter bumped on every watchlist change; matchers reload when it moves. */
  watchlistVersion(): string {
    return `${this.wl}:version`;
  }

  /** Pub/sub channel announcing watchlist changes (payload: the new version). */
  watchlistChannel(): string {
    return `${this.prefix}:wl:changed`;
  }

  /** STREAM of identity events (XADD MAXLEN ~ bounded). */
  events(): string {
    return `${this.ev}:events`;
  }

  /** Pub/sub channel for live alerts (payload: the event JSON). */
  alertsChannel(): string {
    return `${this.prefix}:alerts`;
  }

  /** STRING (PNG bytes, with TTL): evidence crop of an event. */
  evidence(key: string): string {
    return `${this.ev}:evidence:${key}`;
  }

  /** HASH (with TTL): the last identity decision of a track, shared by embed workers. */
  trackDecision(trackId: string): string {
    return `${this.ev}:track:${trackId}`;
  }

  /** HASH camera id → JSON status (state, last frame time, restarts) written by camera workers. */
  cameraStatus(): string {
    return `{${this.prefix}:cam}:status`;
  }

  /** HASH stream id → JSON `{ by, atMs, note }`: alert acknowledgements (pruned with the stream). */
  acks(): string {
    return `${this.ev}:acks`;
  }

  /** HASH camera id → JSON camera config (config/schema.ts cameraSchema): the camera registry. */
  cameraConfigs(): string {
    return `{${this.prefix}:cam}:configs`;
  }

  /** STRING counter bumped on every camera registry change. */
  cameraVersion(): string {
    return `{${this.prefix}:cam}:version`;
  }

  /** Pub/sub channel: JSON `{ op: 'upsert' | 'remove', id, version }` on every camera registry change. */
  cameraChannel(): string {
    return `${this.prefix}:cam:changed`;
  }

  /** BullMQ `prefix` option: the hash tag keeps each queue's keys in one Cluster slot. */
  queuePrefix(): string {
    return `{${this.prefix}:q}`;
  }

  /** Pattern matching every key of this prefix (for tests' cleanup). */
  allKeysPatterns(): string[] {
    return [`${this.wl}:*`, `${this.ev}:*`, `${this.queuePrefix()}:*`, `{${this.prefix}:cam}:*`];
  }
}
