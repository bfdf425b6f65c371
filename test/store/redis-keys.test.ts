import assert from 'node:assert/strict';
import { test } from 'node:test';
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
