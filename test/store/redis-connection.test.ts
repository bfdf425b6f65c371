import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Cluster, Redis } from 'ioredis';
import { parseConfig } from '../../src/config/load-config.ts';
import { createRedisClient, describeRedis, duplicateClient } from '../../src/store/redis-connection.ts';
import { parseRedisNodeUrl } from '../../src/config/redis-url.ts';

// Clients here are lazy and never connect: these tests check what the config turns into.
const lazy = { maxRetriesPerRequest: null, lazyConnect: true } as const;

test('node URLs parse into host, port, credentials and TLS', () => {
  assert.deepEqual(parseRedisNodeUrl('redis://10.0.0.1'), { host: '10.0.0.1', port: 6379, tls: false });
  assert.deepEqual(parseRedisNodeUrl('rediss://app:p%40ss@[::1]:7000/0'), {
    host: '::1',
    port: 7000,
    username: 'app',
    password: 'p@ss',
    tls: true,
  });
  assert.throws(() => parseRedisNodeUrl('redis://:7000'), /not a URL|no host/);
});

test('standalone config gives a Redis client; its duplicate is one too', () => {
  const config = parseConfig({ redis: { url: 'redis://:secret@127.0.0.1:6390' } }, {}).redis;
  const client = createRedisClient(config, lazy);
  assert.ok(client instanceof Redis);
  assert.equal(client.options.port, 6390);
  assert.equal(client.options.maxRetriesPerRequest, null);
  const dup = duplicateClient(client, { maxRetriesPerRequest: 3 });
  assert.ok(dup instanceof Redis);
  assert.equal(dup.options.maxRetriesPerRequest, 3);
  assert.equal(describeRedis(config), 'redis://:***@127.0.0.1:6390');
  client.disconnect();
  dup.disconnect();
});

test('cluster config gives a Cluster client with the node credentials; its duplicate keeps them', () => {
  const nodes = ['rediss://app:secret@10.0.0.1:7000', 'rediss://app:secret@10.0.0.2:7001'];
  const config = parseConfig({ redis: { cluster: { nodes } } }, {}).redis;
  const client = createRedisClient(config, lazy);
  assert.ok(client instanceof Cluster);
  assert.deepEqual(client.options.redisOptions, {
    username: 'app',
    password: 'secret',
    tls: {},
    maxRetriesPerRequest: null,
    connectTimeout: undefined,
  });
  const dup = duplicateClient(client, { maxRetriesPerRequest: 1 });
  assert.ok(dup instanceof Cluster);
  assert.equal(dup.options.redisOptions?.password, 'secret');
  assert.equal(dup.options.redisOptions?.maxRetriesPerRequest, 1);
  assert.equal(
    describeRedis(config),
    'cluster rediss://app:***@10.0.0.1:7000,rediss://app:***@10.0.0.2:7001',
  );
  client.disconnect();
  dup.disconnect();
});
