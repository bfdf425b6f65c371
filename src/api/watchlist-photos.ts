import type { RedisClient } from '../store/redis-connection.ts';
import type { RedisKeys } from '../store/redis-keys.ts';
import type { WatchlistStore } from '../store/watchlist-store.ts';
import { ApiError, notFound } from './api-error.ts';

/**
 * Adds and removes enrolment photos of an existing identity, keeping the embedding buffer, the photo
 * hash and the identity's count in step (WATCH/MULTI, retried on conflict), bumping the watchlist
 * version and announcing it as WatchlistStore does. Proposed to move into WatchlistStore.
 */
export class WatchlistPhotos {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly store: WatchlistStore,
  ) {}

  async add(
    id: string,
    model: string,
    embeddings: readonly Float32Array[],
    jpegs: readonly Buffer[],
  ): Promise<number> {
    return this.retry(async () => {
      await this.redis.watch(this.keys.identity(id));
      const identity = await this.store.get(id);
      if (!identity) throw notFound(`identity ${id}`);
      if (identity.model !== model || embeddings.some((e) => e.length !== identity.dim)) {
        throw new ApiError(
          'CONFLICT',
          `identity ${id} was enrolled in the ${identity.model} space; the API enrols in ${model} (re-enrol it)`,
        );
      }
      const tx = this.redis.multi();
      for (const e of embeddings)
        tx.append(this.keys.embeddings(id), Buffer.from(e.buffer, e.byteOffset, e.byteLength));
      for (const [i, jpeg] of jpegs.entries())
        tx.hset(this.keys.photos(id), String(identity.photos + i), jpeg);
      tx.hset(this.keys.identity(id), 'photos', String(identity.photos + embeddings.length));
      tx.incr(this.keys.watchlistVersion());
      return { tx, value: identity.photos + embeddings.length };
    });
  }

  /** Removes photo `index` (and its embedding); the last photo cannot be removed (delete the identity). */
  async remove(id: string, index: number): Promise<number> {
    return this.retry(async () => {
      await this.redis.watch(this.keys.identity(id), this.keys.embeddings(id), this.keys.photos(id));
      const identity = await this.store.get(id);
      if (!identity) throw notFound(`identity ${id}`);
      if (index >= identity.photos) throw notFound(`photo ${index} of identity ${id}`);
      if (identity.photos <= 1) {
        throw new ApiError(
          'CONFLICT',
          'the last photo of an identity cannot be removed; delete the identity',
        );
      }
      const bytes = identity.dim * 4;
      const emb = (await this.redis.getBuffer(this.keys.embeddings(id))) ?? Buffer.alloc(0);
      const kept = Buffer.concat([emb.subarray(0, index * bytes), emb.subarray((index + 1) * bytes)]);
      const photos = await this.redis.hgetallBuffer(this.keys.photos(id));
      const tx = this.redis.multi();
      tx.set(this.keys.embeddings(id), kept);
      tx.del(this.keys.photos(id));
      for (let i = 0, j = 0; i < identity.photos; i++) {
        if (i === index) continue;
        const p = photos[String(i)];
        if (p) tx.hset(this.keys.photos(id), String(j), p);
        j++;
      }
      tx.hset(this.keys.identity(id), 'photos', String(identity.photos - 1));
      tx.incr(this.keys.watchlistVersion());
      return { tx, value: identity.photos - 1 };
    });
  }

  private async retry<T>(
    attempt: () => Promise<{ tx: ReturnType<RedisClient['multi']>; value: T }>,
  ): Promise<T> {
    for (let i = 0; i < 5; i++) {
      let prepared: { tx: ReturnType<RedisClient['multi']>; value: T };
      try {
        prepared = await attempt();
      } catch (err) {
        await this.redis.unwatch();
        throw err;
      }
      const res = await prepared.tx.exec();
      if (res !== null) {
        await this.redis.publish(this.keys.watchlistChannel(), String(await this.store.version()));
        return prepared.value;
      }
    }
    throw new ApiError('CONFLICT', 'the identity changed concurrently; try again');
  }
}
