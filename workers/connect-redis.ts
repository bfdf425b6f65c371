import type { BridgefaceConfig } from '../src/config/schema.ts';
import { createRedisClient, describeRedis, type RedisClient } from '../src/store/redis-connection.ts';
import { backoffDelay, type BackoffOptions } from '../src/util/backoff.ts';
import { log } from '../src/util/log.ts';

/** Reconnect delays of a worker's Redis client: 200 ms doubling to 10 s, without jitter. */
const REDIS_RECONNECT: BackoffOptions = Object.freeze({
  initialMs: 200,
  maxMs: 10_000,
  factor: 2,
  jitter: 0,
});

/**
 * A Redis (or Redis Cluster, when `redis.cluster` is set) client that waits for Redis instead of
 * failing: at start and after an outage, commands queue until the server is back (workers "wait and
 * resume"), with capped reconnect delays.
 */
export function connectRedis(config: BridgefaceConfig): RedisClient {
  const redis = createRedisClient(config.redis, {
    maxRetriesPerRequest: null,
    retryStrategy: (attempt) => backoffDelay(attempt, REDIS_RECONNECT),
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
