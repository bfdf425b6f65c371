import type { Decision } from '../match/decision.ts';
import type { DecisionMemory, PriorDecision, RecordedDecision } from '../pipeline/decision-memory.ts';
import type { RedisClient } from './redis-connection.ts';
import type { RedisKeys } from './redis-keys.ts';

/**
 * `eventKindFor` (pipeline/decision-memory.ts) run inside Redis, so reading the last decision and
 * writing the new one is one atomic step. KEYS[1]: the track's hash; ARGV: decision, score, identityId
 * ('' for none), updateMinGain, ttlSeconds. Returns the event kind ('' for none) and the prior fields.
 */
const RECORD = `
local prior = redis.call('HMGET', KEYS[1], 'decision', 'score', 'identityId')
local kind = ''
if not prior[1] then
  kind = 'decision'
elseif ARGV[1] == 'match' then
  if prior[1] ~= 'match' or prior[3] ~= ARGV[3] or tonumber(ARGV[2]) >= tonumber(prior[2]) + tonumber(ARGV[4]) then
    kind = 'update'
  end
end
if kind ~= '' then
  redis.call('HSET', KEYS[1], 'decision', ARGV[1], 'score', ARGV[2], 'identityId', ARGV[3])
  redis.call('EXPIRE', KEYS[1], ARGV[5])
end
return {kind, prior[1] or '', prior[2] or '', prior[3] or ''}
`;

/**
 * Puts the prior decision back if the track's hash still holds the one whose event failed. KEYS[1]: the
 * track's hash; ARGV: the failed decision, score, identityId, then the prior's (decision '' for none).
 */
const RESTORE = `
local now = redis.call('HMGET', KEYS[1], 'decision', 'score', 'identityId')
if now[1] ~= ARGV[1] or now[2] ~= ARGV[2] or now[3] ~= ARGV[3] then return 0 end
if ARGV[4] == '' then
  redis.call('DEL', KEYS[1])
else
  redis.call('HSET', KEYS[1], 'decision', ARGV[4], 'score', ARGV[5], 'identityId', ARGV[6])
end
return 1
`;

function fields(d: PriorDecision): [string, string, string] {
  return [d.decision, String(d.score), d.identityId ?? ''];
}

/**
 * Shared memory in Redis (distributed mode: any embed worker may get a track's next batch). One small
 * hash per track (one key, so Cluster-safe), expiring after `ttlSeconds` since tracks are short-lived.
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

  async record(trackId: string, next: PriorDecision, updateMinGain: number): Promise<RecordedDecision> {
    const [kind, decision, score, identityId] = (await this.redis.eval(
      RECORD,
      1,
      this.key(trackId),
      ...fields(next),
      String(updateMinGain),
      String(this.ttlSeconds),
    )) as [string, string, string, string];
    return {
      kind: kind === '' ? null : (kind as RecordedDecision['kind']),
      prior: decision
        ? { decision: decision as Decision, score: Number(score), identityId: identityId || null }
        : undefined,
    };
  }

  async restore(trackId: string, next: PriorDecision, prior: PriorDecision | undefined): Promise<void> {
    await this.redis.eval(
      RESTORE,
      1,
      this.key(trackId),
      ...fields(next),
      ...(prior ? fields(prior) : ['', '', '']),
    );
  }
}
