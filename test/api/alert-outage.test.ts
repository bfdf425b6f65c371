import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { EventLog } from '../../src/store/event-log.ts';
import { startOwnRedis, type OwnRedis } from '../helpers/own-redis.ts';
import { OPERATOR_TOKEN, apiFixture, sampleEvent, type ApiFixture } from './api-fixture.ts';
import { openStream } from './sse-client.ts';
import { until } from '../helpers/until.ts';

// Live alerts across a Redis outage, on a redis-server of this test's own (stopped and restarted;
// the shared Redis is never touched).

const auth = { authorization: `Bearer ${OPERATOR_TOKEN}` };
let own: OwnRedis;
let f: ApiFixture;
let port: number;

before(async () => {
  own = await startOwnRedis();
  f = await apiFixture({ redisUrl: own.url, settings: { maxSseClients: 3, maxSseClientsPerToken: 3 } });
  f.redis.on('error', () => undefined); // refused connections are the point here
  await f.app.listen({ port: 0, host: '127.0.0.1' });
  port = (f.app.server.address() as AddressInfo).port;
});
after(async () => {
  await own.start().catch(() => undefined);
  await f.close();
  await own.stop();
});

const sse = (): Promise<Response> =>
  fetch(`http://127.0.0.1:${port}/api/alerts/stream`, { headers: auth, signal: AbortSignal.timeout(15_000) });

test(
  'a Redis outage: SSE answers 503 without leaking slots or connections, then recovers by itself',
  {
    timeout: 90_000,
  },
  async () => {
    await own.stop();
    // More attempts than there are slots: each failed subscribe must give its slot back.
    for (let i = 0; i < 6; i++) {
      const r = await sse();
      assert.equal(r.status, 503);
      const body = (await r.json()) as { error: { code: string; message: string } };
      assert.equal(body.error.code, 'UNAVAILABLE');
    }

    await own.start();
    await until('readyz to see Redis again', async () => {
      const r = await f.app.inject({ url: '/readyz' });
      return (r.json() as { redis: string }).redis === 'ok';
    });
    const live = await openStream(port, '', auth);
    assert.equal(live.res.statusCode, 200, 'SSE accepts clients again without a restart');
    const log = new EventLog(f.redis, f.keys);
    const a = await log.append(sampleEvent({ trackId: 'after-outage' }));
    assert.equal((await live.next(1))[0]!.id, a);

    // Failed subscribes left no connection behind: the API holds its command, transaction and
    // subscriber connections only.
    const clients = String(await f.redis.client('LIST'))
      .split('\n')
      .filter((l) => l.trim() !== '');
    assert.ok(clients.length <= 3, `at most 3 connections, got ${clients.length}`);

    // An outage while subscribed: the hub resubscribes by itself and the open stream gets alerts again.
    await own.stop();
    await own.start();
    await until('the alert to reach the open stream after the restart', async () => {
      const id = await log.append(sampleEvent({ trackId: 'after-restart' })).catch(() => undefined);
      if (id === undefined) return false;
      const got = await Promise.race([
        live.next(1).then((fr) => fr[0]?.data.trackId === 'after-restart'),
        new Promise<boolean>((r) => setTimeout(() => r(false), 500)),
      ]);
      return got;
    });

    // Every slot is usable again (3 of 3), and the 4th is refused as too many.
    const more = [await openStream(port, '', auth), await openStream(port, '', auth)];
    assert.deepEqual(
      more.map((s) => s.res.statusCode),
      [200, 200],
    );
    assert.equal((await sse()).status, 503);

    // Shutdown is bounded: open streams are ended, Redis down or not.
    await own.stop();
    const t0 = Date.now();
    await f.app.close();
    assert.ok(Date.now() - t0 < 15_000, 'the API closed with streams open and Redis down');
    live.close();
    for (const s of more) s.close();
  },
);
