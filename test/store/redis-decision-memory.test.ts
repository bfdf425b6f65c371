import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Redis } from 'ioredis';
import type { RedisKeys } from '../../src/store/redis-keys.ts';
import { RedisDecisionMemory } from '../../src/store/redis-decision-memory.ts';
import {
  LocalDecisionMemory,
  eventKindFor,
  type DecisionMemory,
  type PriorDecision,
} from '../../src/pipeline/decision-memory.ts';
import { testRedis } from '../helpers/redis.ts';

let redis: Redis;
let keys: RedisKeys;
let cleanup: () => Promise<void>;

before(async () => ({ redis, keys, cleanup } = await testRedis()));
after(() => cleanup());

const match = (score: number, identityId = 'id-1'): PriorDecision => ({
  decision: 'match',
  score,
  identityId,
});
const unknown: PriorDecision = { decision: 'unknown', score: 0.3, identityId: null };

test('eventKindFor: first decision, then updates only when a match appears or firms up', () => {
  assert.equal(eventKindFor(undefined, unknown, 0.02), 'decision');
  assert.equal(eventKindFor(unknown, unknown, 0.02), null);
  assert.equal(eventKindFor(unknown, match(0.7), 0.02), 'update');
  assert.equal(eventKindFor(match(0.7), match(0.71), 0.02), null);
  assert.equal(eventKindFor(match(0.7), match(0.72), 0.02), 'update');
  assert.equal(eventKindFor(match(0.7), match(0.6, 'id-2'), 0.02), 'update');
  assert.equal(eventKindFor(match(0.7), unknown, 0.02), null);
});

for (const [name, memory] of [
  ['Redis', () => new RedisDecisionMemory(redis, keys, 60)],
  ['local', () => new LocalDecisionMemory()],
] as const) {
  test(`${name} memory: two in-flight jobs of one track emit one decision`, async () => {
    const m: DecisionMemory = memory();
    const track = `race-${name}`;
    const kinds = await Promise.all(
      Array.from({ length: 8 }, () => m.record(track, unknown, 0.02).then((r) => r.kind)),
    );
    assert.deepEqual(
      kinds.filter((k) => k !== null),
      ['decision'],
    );
    assert.deepEqual(await m.get(track), unknown);
  });

  test(`${name} memory: record follows the rule, restore puts the prior back unless a newer decision came`, async () => {
    const m: DecisionMemory = memory();
    const track = `rule-${name}`;
    assert.deepEqual(await m.record(track, unknown, 0.02), { kind: 'decision', prior: undefined });
    assert.deepEqual(await m.record(track, match(0.7), 0.02), { kind: 'update', prior: unknown });
    assert.deepEqual(await m.record(track, match(0.71), 0.02), { kind: null, prior: match(0.7) });
    await m.restore(track, match(0.7), unknown);
    assert.deepEqual(await m.get(track), unknown, 'the failed event’s decision is undone');
    await m.restore(track, match(0.9), undefined);
    assert.deepEqual(await m.get(track), unknown, 'a restore for a decision no longer last changes nothing');
    await m.restore(track, unknown, undefined);
    assert.equal(await m.get(track), undefined, 'a failed first decision leaves the track undecided');
  });
}
