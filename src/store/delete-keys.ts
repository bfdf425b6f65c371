import type { Redis } from 'ioredis';
import type { RedisKeys } from './redis-keys.ts';

/**
 * Deletes every key of a prefix (SCAN + DEL in pages, never KEYS): tests and benchmarks run under a
 * unique prefix on a shared Redis and clean up after themselves with this.
 */
export async function deleteAllKeys(redis: Redis, keys: RedisKeys): Promise<number> {
  let deleted = 0;
  for (const pattern of keys.allKeysPatterns()) {
    let cursor = '0';
    do {
      const [next, found] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      cursor = next;
      if (found.length > 0) deleted += await redis.del(...found);
    } while (cursor !== '0');
  }
  return deleted;
}
