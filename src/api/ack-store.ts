import type { RedisClient } from '../store/redis-connection.ts';
import { z } from 'zod';
import type { RedisKeys } from '../store/redis-keys.ts';

const ackSchema = z.object({
  /** Principal name of the token that acknowledged. */
  by: z.string(),
  atMs: z.number().int(),
  note: z.string().optional(),
});
export type Ack = z.infer<typeof ackSchema>;

/**
 * Alert acknowledgements in one RedisClient hash (stream id → JSON ack). The first acknowledgement wins;
 * acks of events gone from the stream are pruned by the retention sweep (retention.ts).
 */
export class AckStore {
  private readonly key: string;

  constructor(
    private readonly redis: RedisClient,
    keys: RedisKeys,
  ) {
    this.key = keys.acks();
  }

  /** Records an ack unless there is one; returns the stored ack and whether this call created it. */
  async acknowledge(streamId: string, ack: Ack): Promise<{ ack: Ack; created: boolean }> {
    const created = (await this.redis.hsetnx(this.key, streamId, JSON.stringify(ack))) === 1;
    if (created) return { ack, created };
    return { ack: (await this.get(streamId)) ?? ack, created };
  }

  async get(streamId: string): Promise<Ack | undefined> {
    return parseAck(await this.redis.hget(this.key, streamId));
  }

  async getMany(streamIds: readonly string[]): Promise<(Ack | undefined)[]> {
    if (streamIds.length === 0) return [];
    return (await this.redis.hmget(this.key, ...streamIds)).map(parseAck);
  }

  async remove(streamIds: readonly string[]): Promise<void> {
    if (streamIds.length > 0) await this.redis.hdel(this.key, ...streamIds);
  }
}

function parseAck(json: string | null): Ack | undefined {
  if (json === null) return undefined;
  try {
    const r = ackSchema.safeParse(JSON.parse(json));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}
