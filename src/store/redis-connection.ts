import { Cluster, Redis } from 'ioredis';
import type { RedisConfig } from '../config/schema.ts';
import { maskUrlPassword } from '../util/mask-url-password.ts';
import { parseRedisNodeUrl } from '../config/redis-url.ts';

/**
 * A connection to standalone Redis or to a Redis Cluster. Both expose the same commands; everything
 * BridgeFace sends keeps multi-key commands, transactions and Lua within one hash tag (RedisKeys), so
 * the stores, the event log and BullMQ take either.
 */
export type RedisClient = Redis | Cluster;

export interface RedisClientOptions {
  /** Retries of a command across reconnects; null waits for Redis forever (what BullMQ workers need). */
  readonly maxRetriesPerRequest: number | null;
  readonly connectTimeout?: number;
  /** Delay (ms) before reconnect attempt `attempt`, or null to give up. @defaultValue ioredis' own */
  readonly retryStrategy?: (attempt: number) => number | null;
  /** Connect on `connect()` instead of at once. @defaultValue false */
  readonly lazyConnect?: boolean;
}

/** A client for the config's `redis` section: a Cluster when `redis.cluster` is set, else `redis.url`. */
export function createRedisClient(config: RedisConfig, options: RedisClientOptions): RedisClient {
  const { maxRetriesPerRequest, connectTimeout, retryStrategy, lazyConnect } = options;
  if (!config.cluster) {
    return new Redis(config.url, { maxRetriesPerRequest, connectTimeout, retryStrategy, lazyConnect });
  }
  // The schema checked that every node parses and that they share scheme and credentials.
  const nodes = config.cluster.nodes.map(parseRedisNodeUrl);
  const { username, password, tls } = nodes[0]!;
  return new Cluster(
    nodes.map(({ host, port }) => ({ host, port })),
    {
      lazyConnect,
      // A cluster reconnects as a whole; its node connections do not retry on their own.
      clusterRetryStrategy: retryStrategy,
      redisOptions: { username, password, tls: tls ? {} : undefined, maxRetriesPerRequest, connectTimeout },
    },
  );
}

/**
 * A new connection to the same Redis or Cluster (subscribers and BullMQ's blocking workers need their
 * own). `Cluster.duplicate` takes different arguments from `Redis.duplicate`, hence this.
 */
export function duplicateClient(
  client: RedisClient,
  override: { readonly maxRetriesPerRequest?: number | null } = {},
): RedisClient {
  return client instanceof Cluster
    ? client.duplicate([], { redisOptions: override })
    : client.duplicate(override);
}

/** What the client connects to, for logs (passwords replaced). */
export function describeRedis(config: RedisConfig): string {
  return config.cluster
    ? `cluster ${config.cluster.nodes.map(maskUrlPassword).join(',')}`
    : maskUrlPassword(config.url);
}
