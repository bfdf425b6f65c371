import type { RedisClient } from '../store/redis-connection.ts';
import { eventFromFields } from '../events/identity-event.ts';
import type { RedisKeys } from '../store/redis-keys.ts';
import { compareStreamIds } from './stream-id.ts';

/**
 * Retention beyond what RedisClient does by itself (evidence crops carry their own TTL; the stream is
 * length-capped by XADD MAXLEN): events older than `eventsTtlSeconds` are trimmed (XTRIM MINID), and
 * acks whose event left the stream are pruned. Run periodically by `bridgeface serve`.
 */
export async function applyRetention(
  redis: RedisClient,
  keys: RedisKeys,
  eventsTtlSeconds: number | undefined,
  nowMs = Date.now(),
): Promise<{ trimmed: number; acksPruned: number }> {
  let trimmed = 0;
  if (eventsTtlSeconds !== undefined) {
    trimmed = Number(await redis.xtrim(keys.events(), 'MINID', String(nowMs - eventsTtlSeconds * 1000)));
  }
  const first = (await redis.xrange(keys.events(), '-', '+', 'COUNT', 1))[0]?.[0];
  const acks = keys.acks();
  let acksPruned = 0;
  let cursor = '0';
  do {
    const [next, flat] = await redis.hscan(acks, cursor, 'COUNT', 500);
    cursor = next;
    const stale: string[] = [];
    for (let i = 0; i < flat.length; i += 2) {
      const id = flat[i]!;
      if (first === undefined || compareStreamIds(id, first) < 0) stale.push(id);
    }
    if (stale.length > 0) acksPruned += await redis.hdel(acks, ...stale);
  } while (cursor !== '0');
  return { trimmed, acksPruned };
}

/**
 * Deletes every event of an identity from the stream, with its evidence crops and acks: part of
 * "deleting an identity removes all its data". Scans the (length-bounded) stream in chunks.
 */
export async function purgeIdentityEvents(
  redis: RedisClient,
  keys: RedisKeys,
  identityId: string,
): Promise<number> {
  const acks = keys.acks();
  let start = '-';
  let removed = 0;
  for (;;) {
    const rows = await redis.xrange(keys.events(), start, '+', 'COUNT', 1000);
    const ids: string[] = [];
    const evidence: string[] = [];
    for (const [streamId, fields] of rows) {
      try {
        const e = eventFromFields(fields);
        if (e.identityId !== identityId) continue;
        ids.push(streamId);
        if (e.evidenceKey) evidence.push(keys.evidence(e.evidenceKey));
      } catch {
        // Not an event we can read; it is not this identity's either.
      }
    }
    if (ids.length > 0) {
      const tx = redis
        .multi()
        .xdel(keys.events(), ...ids)
        .hdel(acks, ...ids);
      if (evidence.length > 0) tx.del(...evidence);
      await tx.exec();
      removed += ids.length;
    }
    if (rows.length < 1000) return removed;
    start = `(${rows[rows.length - 1]![0]}`;
  }
}
