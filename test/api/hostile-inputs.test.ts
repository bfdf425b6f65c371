import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { EventLog } from '../../src/store/event-log.ts';
import {
  ADMIN_TOKEN,
  OPERATOR_TOKEN,
  admin,
  apiFixture,
  operator,
  sampleEvent,
  type ApiFixture,
} from './api-fixture.ts';
import { openStream } from './sse-client.ts';

// Inputs the schemas used to accept and that then failed inside Redis (500), and the smaller
// hardening items of issue 12: each answers 4xx in the documented error shape.

const TOO_BIG = '18446744073709551616'; // 2^64
const MAX = '18446744073709551615'; // 2^64 - 1
const lines: string[] = [];
let f: ApiFixture;
let port: number;

before(async () => {
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  f = await apiFixture({
    logger: pino({ level: 'info' }, sink),
    settings: { maxSseClients: 10, maxSseClientsPerToken: 2 },
  });
  await f.app.listen({ port: 0, host: '127.0.0.1' });
  port = (f.app.server.address() as AddressInfo).port;
  await new EventLog(f.redis, f.keys).append(sampleEvent());
});
after(() => f.close());

function assertError(r: { statusCode: number; body: string }, status: number, code: string): void {
  assert.equal(r.statusCode, status, r.body);
  const body = JSON.parse(r.body) as { error?: { code?: string; message?: string } };
  assert.equal(body.error?.code, code, r.body);
  assert.equal(typeof body.error?.message, 'string');
}

describe('stream ids and times out of Redis range', () => {
  test('event ids above 2^64 are 400 on get, ack and evidence', async () => {
    for (const id of [`${TOO_BIG}-0`, `0-${TOO_BIG}`, '99999999999999999999-0']) {
      assertError(
        await f.app.inject({ url: `/api/events/${id}`, headers: operator }),
        400,
        'VALIDATION_FAILED',
      );
      assertError(
        await f.app.inject({ method: 'POST', url: `/api/events/${id}/ack`, headers: operator, payload: {} }),
        400,
        'VALIDATION_FAILED',
      );
      assertError(
        await f.app.inject({ url: `/api/events/${id}/evidence`, headers: operator }),
        400,
        'VALIDATION_FAILED',
      );
    }
    const max = await f.app.inject({ url: `/api/events/${MAX}-${MAX}`, headers: operator });
    assertError(max, 404, 'NOT_FOUND');
  });

  test('cursors at the ends of the id range page correctly', async () => {
    const first = await f.app.inject({ url: '/api/events?cursor=0-0', headers: operator });
    assert.equal(first.statusCode, 200, first.body);
    assert.deepEqual(first.json(), { items: [], nextCursor: null });
    const last = await f.app.inject({ url: `/api/events?cursor=${MAX}-${MAX}`, headers: operator });
    assert.equal(last.statusCode, 200, last.body);
    assert.equal(last.json().items.length, 1);
    assertError(
      await f.app.inject({ url: `/api/events?cursor=${TOO_BIG}-0`, headers: operator }),
      400,
      'VALIDATION_FAILED',
    );
  });

  test('negative, huge and malformed from/to are 400', async () => {
    for (const q of [
      'from=-5',
      'to=-1',
      'from=99999999999999999999999',
      'to=1e400',
      'from=1969-01-01',
      'to=x',
    ]) {
      assertError(
        await f.app.inject({ url: `/api/events?${q}`, headers: operator }),
        400,
        'VALIDATION_FAILED',
      );
    }
    const ok = await f.app.inject({ url: '/api/events?from=0&to=8640000000000000', headers: operator });
    assert.equal(ok.statusCode, 200, ok.body);
  });
});

describe('live alerts', () => {
  const op = { authorization: `Bearer ${OPERATOR_TOKEN}` };

  test('a Last-Event-ID above 2^64 is a 400, not a 200 that closes at once', async () => {
    const r = await fetch(`http://127.0.0.1:${port}/api/alerts/stream`, {
      headers: { ...op, 'last-event-id': `${TOO_BIG}-0` },
    });
    assertError({ statusCode: r.status, body: await r.text() }, 400, 'VALIDATION_FAILED');
    const q = await fetch(`http://127.0.0.1:${port}/api/alerts/stream?lastEventId=${TOO_BIG}-0`, {
      headers: op,
    });
    assertError({ statusCode: q.status, body: await q.text() }, 400, 'VALIDATION_FAILED');
    // The largest id is valid: nothing to replay, and the stream stays open for live alerts.
    const s = await openStream(port, '', { ...op, 'last-event-id': '1-0' });
    const atEnd = await openStream(port, '', { ...op, 'last-event-id': `${MAX}-${MAX}` });
    assert.equal(s.res.statusCode, 200);
    assert.equal(atEnd.res.statusCode, 200);
    const id = await new EventLog(f.redis, f.keys).append(sampleEvent({ trackId: 'live' }));
    const got = await s.next(2);
    assert.equal(got[1]!.id, id);
    assert.equal(atEnd.res.readableEnded, false, 'still open');
    s.close();
    atEnd.close();
  });

  test('one token cannot hold every slot', async () => {
    const mine = [await openStream(port, '', op), await openStream(port, '', op)];
    assert.deepEqual(
      mine.map((s) => s.res.statusCode),
      [200, 200],
    );
    const third = await fetch(`http://127.0.0.1:${port}/api/alerts/stream`, { headers: op });
    assertError({ statusCode: third.status, body: await third.text() }, 503, 'TOO_MANY_CLIENTS');
    const other = await openStream(port, '', { authorization: `Bearer ${ADMIN_TOKEN}` });
    assert.equal(other.res.statusCode, 200, 'another token still gets in');
    for (const s of [...mine, other]) s.close();
  });
});

describe('URLs, docs and logs', () => {
  test('an undecodable path gets the API error shape', async () => {
    for (const url of ['/api/%ff%fe', '/%ff%fe', '/api/events/%ff']) {
      assertError(await f.app.inject({ url, headers: admin }), 400, 'VALIDATION_FAILED');
    }
  });

  test('/docs carries a CSP and may not be framed', async () => {
    for (const url of ['/docs', '/docs/', '/docs/json', '/docs/static/index.html']) {
      const r = await f.app.inject({ url });
      assert.ok(r.statusCode < 400, `${url}: ${r.statusCode}`);
      assert.match(String(r.headers['content-security-policy']), /frame-ancestors 'none'/, url);
      assert.equal(r.headers['x-frame-options'], 'DENY', url);
    }
  });

  test('a token sent in the query string never reaches the log', async () => {
    await f.app.inject({ url: `/api/me?token=${ADMIN_TOKEN}&camera=gate`, headers: admin });
    await f.app.inject({ url: `/api/events?access_token=${OPERATOR_TOKEN}` });
    const all = lines.join('');
    assert.ok(!all.includes(ADMIN_TOKEN) && !all.includes(OPERATOR_TOKEN), 'tokens redacted');
    assert.match(all, /token=\[redacted\]&camera=gate/, 'known parameters kept');
  });
});
