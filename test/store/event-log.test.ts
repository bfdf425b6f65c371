import assert from 'node:assert/strict';
import type { Redis } from 'ioredis';
import { after, before, test } from 'node:test';
import { EventLog } from '../../src/store/event-log.ts';
import {
  eventBox,
  eventFromFields,
  eventToFields,
  type IdentityEvent,
} from '../../src/events/identity-event.ts';
import type { RedisKeys } from '../../src/store/redis-keys.ts';
import { testRedis } from '../helpers/redis.ts';
import { until } from '../helpers/until.ts';

let redis: Redis;
let keys: RedisKeys;
let cleanup: () => Promise<void>;
before(async () => ({ redis, keys, cleanup } = await testRedis()));
after(async () => cleanup());

const event = (i: number): IdentityEvent => ({
  eventId: `e${i}`,
  kind: 'decision',
  camera: 'cam1',
  trackId: `cam1:${i}`,
  decision: i % 2 ? 'match' : 'unknown',
  identityId: i % 2 ? 'id-jane' : null,
  identityName: i % 2 ? 'Jane' : null,
  score: 0.71,
  margin: 0.2,
  threshold: 0.6,
  facePx: 18,
  quality: 0.4,
  frameTimeMs: 1_700_000_000_000 + i,
  boxX: 100.5 + i,
  boxY: 40,
  boxWidth: 18,
  boxHeight: 21.25,
  frameIndex: i,
  mediaTimeMs: i * 200,
  evidenceKey: `e${i}`,
  model: 'student',
});

test('fields round-trip; a bad field is named', () => {
  assert.deepEqual(eventFromFields(eventToFields(event(1))), event(1));
  assert.deepEqual(eventFromFields(eventToFields(event(2))), event(2));
  const bad = eventToFields({ ...event(1) });
  bad[bad.indexOf('quality') + 1] = '7';
  assert.throws(() => eventFromFields(bad), /quality/);
});

test('entries written before boxes and media time were recorded parse with those fields null', () => {
  const fields = eventToFields(event(3));
  const old: string[] = [];
  const added = ['boxX', 'boxY', 'boxWidth', 'boxHeight', 'frameIndex', 'mediaTimeMs'];
  for (let i = 0; i < fields.length; i += 2)
    if (!added.includes(fields[i]!)) old.push(fields[i]!, fields[i + 1]!);
  const e = eventFromFields(old);
  assert.deepEqual(
    added.map((k) => e[k as keyof IdentityEvent]),
    [null, null, null, null, null, null],
  );
  assert.equal(eventBox(e), undefined);
  assert.deepEqual(eventBox(event(3)), { x: 103.5, y: 40, width: 18, height: 21.25 });
});

test('append stores evidence with a TTL, publishes, and reads back in order; stream is bounded', async () => {
  const log = new EventLog(redis, keys, { maxLength: 10, evidenceTtlSeconds: 60 });
  const sub = redis.duplicate();
  const received: string[] = [];
  await sub.subscribe(keys.alertsChannel());
  sub.on('message', (_c, m) => received.push(m));
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) ids.push(await log.append(event(i), Buffer.from(`png${i}`)));
  const all = await log.readAfter();
  assert.deepEqual(
    all.map((e) => e.event.eventId),
    ['e0', 'e1', 'e2'],
  );
  assert.deepEqual(
    (await log.readAfter(ids[0])).map((e) => e.event.eventId),
    ['e1', 'e2'],
  );
  assert.equal((await log.evidence('e1'))?.toString(), 'png1');
  const ttl = await redis.ttl(keys.evidence('e1'));
  assert.ok(ttl > 0 && ttl <= 60);
  for (let i = 3; i < 400; i++) await log.append(event(i));
  assert.ok((await log.length()) < 400, 'MAXLEN ~ trims the stream');
  await until('the first alerts published', () => received.length >= 3);
  assert.equal(JSON.parse(received[0]!).eventId, 'e0');
  sub.disconnect();
});

test('a consumer group reads each event once', async () => {
  const log = new EventLog(redis, keys);
  await redis.xgroup('CREATE', keys.events(), 'alerts', '0', 'MKSTREAM');
  await log.append(event(1001));
  const first = (await redis.xreadgroup(
    'GROUP',
    'alerts',
    'c1',
    'COUNT',
    1000,
    'STREAMS',
    keys.events(),
    '>',
  )) as [string, [string, string[]][]][];
  const second = (await redis.xreadgroup(
    'GROUP',
    'alerts',
    'c2',
    'COUNT',
    1000,
    'STREAMS',
    keys.events(),
    '>',
  )) as [string, [string, string[]][]][] | null;
  assert.ok(first[0]![1].length >= 1);
  assert.equal(second, null);
});
