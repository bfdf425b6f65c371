import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { applyRetention } from '../../src/api/retention.ts';
import { EventLog } from '../../src/store/event-log.ts';
import { admin, apiFixture, operator, sampleEvent, type ApiFixture } from './api-fixture.ts';

let f: ApiFixture;
let log: EventLog;
const ids: string[] = [];
before(async () => {
  f = await apiFixture();
  log = new EventLog(f.redis, f.keys);
  for (let i = 0; i < 12; i++) {
    const match = i % 3 === 0;
    ids.push(
      await log.append(
        sampleEvent({
          camera: i % 2 === 0 ? 'gate' : 'hall',
          decision: match ? 'match' : 'unknown',
          identityId: match ? 'id-1' : null,
          identityName: match ? 'Jane' : null,
          evidenceKey: match ? `e${i}` : null,
          trackId: `t${i}`,
        }),
        match ? Buffer.from(`png${i}`) : undefined,
      ),
    );
  }
  // An entry that is not a valid event must not break reads.
  await f.redis.xadd(f.keys.events(), '*', 'garbage', '1');
});
after(() => f.close());

async function page(
  query: string,
): Promise<{ items: { streamId: string; trackId: string; ack: unknown }[]; nextCursor: string | null }> {
  const r = await f.app.inject({ url: `/api/events?${query}`, headers: operator });
  assert.equal(r.statusCode, 200, r.body);
  return r.json();
}

describe('events', () => {
  test('cursor pagination walks the whole stream newest first, without gaps or repeats', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const p = await page(`limit=5${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...p.items.map((i) => i.streamId));
      cursor = p.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    assert.deepEqual(seen, [...ids].reverse());
  });

  test('filters by camera, identity, decision and time', async () => {
    const gateMatches = await page('camera=gate&decision=match&limit=50');
    assert.deepEqual(
      gateMatches.items.map((i) => i.trackId),
      ['t6', 't0'],
    );
    assert.equal(gateMatches.nextCursor, null);
    assert.equal((await page('identity=id-1')).items.length, 4);
    assert.equal((await page('decision=match,unknown')).items.length, 12);
    const t = Number(ids[5]!.split('-')[0]);
    const windowed = await page(`from=${t}&to=${new Date(t).toISOString()}`);
    assert.ok(windowed.items.some((i) => i.streamId === ids[5]));
    assert.ok(windowed.items.every((i) => Number(i.streamId.split('-')[0]) === t));
    assert.equal((await page(`to=${t - 100000}`)).items.length, 0);
  });

  test('bad queries are 400', async () => {
    for (const q of [
      'limit=0',
      'limit=1000',
      'cursor=abc',
      'decision=maybe',
      'from=yesterday',
      'camera=x&foo=1',
    ]) {
      const r = await f.app.inject({ url: `/api/events?${q}`, headers: operator });
      assert.equal(r.statusCode, 400, q);
      assert.equal(r.json().error.code, 'VALIDATION_FAILED');
    }
  });

  test('acknowledge: first ack wins, records who and when', async () => {
    const id = ids[3]!;
    const first = await f.app.inject({
      method: 'POST',
      url: `/api/events/${id}/ack`,
      headers: operator,
      payload: { note: 'on it' },
    });
    assert.equal(first.statusCode, 201, first.body);
    assert.equal(first.json().ack.by, 'bob');
    assert.ok(first.json().ack.atMs > 0);
    const again = await f.app.inject({ method: 'POST', url: `/api/events/${id}/ack`, headers: admin });
    assert.equal(again.statusCode, 200);
    assert.equal(again.json().ack.by, 'bob');
    assert.equal(again.json().created, false);
    const one = await f.app.inject({ url: `/api/events/${id}`, headers: operator });
    assert.equal(one.json().ack.note, 'on it');
    const listed = await page('decision=match&limit=50');
    assert.equal(listed.items.find((i) => i.streamId === id)?.ack !== null, true);
    const missing = await f.app.inject({ method: 'POST', url: '/api/events/1-0/ack', headers: operator });
    assert.equal(missing.statusCode, 404);
    const extra = await f.app.inject({
      method: 'POST',
      url: `/api/events/${id}/ack`,
      headers: operator,
      payload: { by: 'mallory' },
    });
    assert.equal(extra.statusCode, 400, 'who acknowledged comes from the token, not the body');
  });

  test('evidence while its TTL lasts, then 404', async () => {
    const ok = await f.app.inject({ url: `/api/events/${ids[0]}/evidence`, headers: operator });
    assert.equal(ok.statusCode, 200);
    assert.equal(ok.headers['content-type'], 'image/png');
    assert.equal(ok.body, 'png0');
    assert.ok((await f.redis.ttl(f.keys.evidence('e0'))) > 0, 'stored with a TTL');
    await f.redis.del(f.keys.evidence('e0'));
    assert.equal(
      (await f.app.inject({ url: `/api/events/${ids[0]}/evidence`, headers: operator })).statusCode,
      404,
    );
    assert.equal(
      (await f.app.inject({ url: `/api/events/${ids[1]}/evidence`, headers: operator })).statusCode,
      404,
    );
  });

  test('retention trims old events and prunes their acks', async () => {
    const first = Number(ids[0]!.split('-')[0]);
    await f.redis.hset(`{${f.keys.prefix}:ev}:acks`, '1-0', JSON.stringify({ by: 'x', atMs: 1 }));
    const res = await applyRetention(f.redis, f.keys, 60, first + 60_000);
    assert.equal(res.acksPruned, 1, 'ack of an event no longer in the stream');
    const all = await applyRetention(f.redis, f.keys, 60, Date.now() + 3_600_000);
    assert.ok(all.trimmed >= 12);
    assert.equal(await f.redis.xlen(f.keys.events()), 0);
    assert.equal(await f.redis.hlen(`{${f.keys.prefix}:ev}:acks`), 0);
  });
});
