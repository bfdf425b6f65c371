import type { RedisKeys } from '../store/redis-keys.ts';

/**
 * Redis keys and channels the API adds beside src/store/redis-keys.ts (same prefix, same hash tags, so
 * tests' cleanup patterns cover them). Proposed to move into RedisKeys.
 */
export class ApiKeys {
  constructor(private readonly keys: RedisKeys) {}

  /** HASH stream id → JSON `{ by, atMs, note }`: alert acknowledgements (pruned with the stream). */
  acks(): string {
    return `{${this.keys.prefix}:ev}:acks`;
  }

  /** HASH camera id → JSON CameraConfig (cameraSchema): the camera registry. */
  cameraConfigs(): string {
    return `{${this.keys.prefix}:cam}:configs`;
  }

  /** STRING counter bumped on every camera registry change. */
  cameraVersion(): string {
    return `{${this.keys.prefix}:cam}:version`;
  }

  /** Pub/sub channel: JSON `{ op: 'upsert' | 'remove', id, version }` on every camera change. */
  cameraChannel(): string {
    return `${this.keys.prefix}:cam:changed`;
  }
}
