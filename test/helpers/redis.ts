import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { RedisKeys } from '../../src/store/redis-keys.ts';
import { deleteAllKeys } from '../../src/store/delete-keys.ts';
import { redisConfigFromEnv } from '../../src/config/load-config.ts';

/**
 * A Redis connection and a key prefix unique to this test run, plus cleanup that deletes every key
 * under the prefix: CI shares one Redis across runs.
 */
export async function testRedis(
  url: string = redisConfigFromEnv().url,
): Promise<{ redis: Redis; keys: RedisKeys; cleanup: () => Promise<void> }> {
  const redis = new Redis(url, { maxRetriesPerRequest: 2 });
  const keys = new RedisKeys(`bftest-${randomBytes(4).toString('hex')}`);
  const cleanup = async (): Promise<void> => {
    await deleteAllKeys(redis, keys);
    redis.disconnect();
  };
  return { redis, keys, cleanup };
}
