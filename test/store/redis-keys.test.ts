import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { workerStatsKey } from '../../src/loadgen/worker-stats.ts';
import { dropCounterKey, EMBED_QUEUE } from '../../src/queue/embed-queue.ts';
import { RedisKeys } from '../../src/store/redis-keys.ts';

/** The part of a key Redis Cluster hashes: the first {...} with content, else the whole key. */
function hashTag(key: string): string {
  const open = key.indexOf('{');
  const close = key.indexOf('}', open + 1);
  return open >= 0 && close > open + 1 ? key.slice(open + 1, close) : key;
}

test('keys of one concern share a Cluster hash tag; concerns differ', () => {
  const k = new RedisKeys('site1');
  const wl = [k.watchlistIds(), k.identity('a'), k.embeddings('a'), k.photos('a'), k.watchlistVersion()].map(
    hashTag,
  );
  assert.equal(new Set(wl).size, 1);
  assert.equal(hashTag(k.events()), hashTag(k.evidence('x')));
  assert.notEqual(hashTag(k.events()), wl[0]);
  assert.match(k.queuePrefix(), /^\{site1:q\}$/);
});

test('prefixes that would break key parsing are refused', () => {
  assert.throws(() => new RedisKeys('a b'), /prefix/);
  assert.throws(() => new RedisKeys('x{y}'), /prefix/);
});

/** The slot function ioredis routes Cluster commands with (its dependency; no types, hence the cast). */
const keySlot = createRequire(import.meta.url)('cluster-key-slot') as (key: string) => number;

/** Every key-returning method of RedisKeys (channels are cluster-wide, not keys), called with 'x'. */
function allKeys(k: RedisKeys): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of Object.getOwnPropertyNames(RedisKeys.prototype)) {
    if (name === 'constructor' || name.endsWith('Channel') || name === 'allKeysPatterns') continue;
    const method = Reflect.get(k, name) as unknown;
    if (typeof method === 'function')
      out.set(name, String((method as (arg: string) => unknown).call(k, 'x')));
  }
  return out;
}

test('every key of a concern hashes to the slot of its concern tag (Cluster routing)', () => {
  const k = new RedisKeys('site1');
  const concerns = ['{site1:wl}', '{site1:ev}', '{site1:cam}', '{site1:q}'];
  const keys = allKeys(k);
  assert.ok(keys.size >= 13, `found ${keys.size} key methods`);
  for (const [name, key] of keys) {
    const tag = concerns.find((t) => key.startsWith(t));
    assert.ok(tag, `${name}() = '${key}' starts with none of the concern hash tags`);
    assert.equal(keySlot(key), keySlot(tag), `${name}() = '${key}'`);
  }
  // BullMQ derives its keys as `<prefix>:<queue>:<suffix>`; ours beside them share the queue's slot.
  const queueKeys = ['wait', 'active', 'meta', 'id', 'events', 'stalled-check', 'marker', '1'].map(
    (s) => `${k.queuePrefix()}:${EMBED_QUEUE}:${s}`,
  );
  for (const key of [...queueKeys, dropCounterKey(k), workerStatsKey(k)]) {
    assert.equal(keySlot(key), keySlot(k.queuePrefix()), key);
  }
  // The cleanup patterns cover exactly these concerns.
  assert.deepEqual(
    k.allKeysPatterns().map((p) => concerns.find((t) => p.startsWith(`${t}:`))),
    [concerns[0], concerns[1], concerns[3], concerns[2]],
  );
});
