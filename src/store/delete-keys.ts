import { Cluster, type Redis } from 'ioredis';
import type { RedisClient } from './redis-connection.ts';
import type { RedisKeys } from './redis-keys.ts';

/**
 * The nodes whose keyspaces together hold every key: the client itself, or every master of a Cluster
 * (SCAN through a Cluster client would reach one random node only).
 */
async function keyspaces(redis: RedisClient): Promise<Redis[]> {
  if (!(redis instanceof Cluster)) return [redis];
  // The node list is empty until the slot map is loaded; a queued command resolves once it is.
  await redis.ping();
  return redis.nodes('master');
}

/**
 * Deletes every key of a prefix (SCAN + DEL in pages, never KEYS): tests and benchmarks run under a
 * unique prefix on a shared Redis and clean up after themselves with this. Each pattern is one hash tag,
 * so a page of keys lives in one slot and one DEL on the node that holds it is valid on a Cluster.
 */
export async function deleteAllKeys(redis: RedisClient, keys: RedisKeys): Promise<number> {
  let deleted = 0;
  for (const node of await keyspaces(redis)) {
    for (const pattern of keys.allKeysPatterns()) {
      let cursor = '0';
      do {
        const [next, found] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
        cursor = next;
        if (found.length > 0) deleted += await node.del(...found);
      } while (cursor !== '0');
    }
  }
  return deleted;
}
