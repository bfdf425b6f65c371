/** Redis connection URL: BRIDGEFACE_REDIS_URL, default the local instance. */
export function redisUrl(): string {
  return process.env.BRIDGEFACE_REDIS_URL ?? 'redis://127.0.0.1:6379';
}
