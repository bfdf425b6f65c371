import type { RedisClient } from '../store/redis-connection.ts';
import type { Decision } from '../match/decision.ts';
import type { RedisKeys } from '../store/redis-keys.ts';

export interface PriorDecision {
  readonly decision: Decision;
  readonly score: number;
  readonly identityId: string | null;
}

/** The last decision per track, so later submissions of the same track emit updates, not duplicates. */
export interface DecisionMemory {
  get(trackId: string): Promise<PriorDecision | undefined>;
  set(trackId: string, d: PriorDecision): Promise<void>;
}

/** In-process memory (embedded mode), bounded: oldest tracks are forgotten first. */
export class LocalDecisionMemory implements DecisionMemory {
  private readonly map = new Map<string, PriorDecision>();
  constructor(private readonly maxTracks = 100_000) {}

  async get(trackId: string): Promise<PriorDecision | undefined> {
    return this.map.get(trackId);
  }

  async set(trackId: string, d: PriorDecision): Promise<void> {
    this.map.delete(trackId);
    this.map.set(trackId, d);
    if (this.map.size > this.maxTracks) this.map.delete(this.map.keys().next().value!);
  }
}

/**
 * Shared memory in Redis (distributed mode: any embed worker may get a track's next batch). One small
 * hash per track, expiring after `ttlSeconds` since tracks are short-lived.
 */
export class RedisDecisionMemory implements DecisionMemory {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly ttlSeconds = 3600,
  ) {}

  private key(trackId: string): string {
    return this.keys.trackDecision(trackId);
  }

  async get(trackId: string): Promise<PriorDecision | undefined> {
    const h = await this.redis.hgetall(this.key(trackId));
    if (!h.decision) return undefined;
    return { decision: h.decision as Decision, score: Number(h.score), identityId: h.identityId || null };
  }

  async set(trackId: string, d: PriorDecision): Promise<void> {
    await this.redis
      .multi()
      .hset(this.key(trackId), {
        decision: d.decision,
        score: String(d.score),
        identityId: d.identityId ?? '',
      })
      .expire(this.key(trackId), this.ttlSeconds)
      .exec();
  }
}
