import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { EventLog } from '../../src/store/event-log.ts';
import { OPERATOR_TOKEN, apiFixture, sampleEvent, type ApiFixture } from './api-fixture.ts';
import { openStream } from './sse-client.ts';

let f: ApiFixture;
let port: number;
let log: EventLog;
const auth = { authorization: `Bearer ${OPERATOR_TOKEN}` };

before(async () => {
  f = await apiFixture();
  await f.app.listen({ port: 0, host: '127.0.0.1' });
  port = (f.app.server.address() as AddressInfo).port;
  log = new EventLog(f.redis, f.keys);
});
after(() => f.close());

describe('live alerts (SSE)', () => {
  test('needs a token', async () => {
    const s = await openStream(port, '', {});
    assert.equal(s.res.statusCode, 401);
    s.close();
  });

  test('live events arrive; a reconnect with Last-Event-ID replays what was missed, then goes live', async () => {
    const live = await openStream(port, '', auth);
    assert.equal(live.res.statusCode, 200);
    assert.match(String(live.res.headers['content-type']), /text\/event-stream/);
    const a = await log.append(sampleEvent({ trackId: 'a' }));
    const [fa] = await live.next(1);
    assert.equal(fa!.id, a);
    assert.equal(fa!.data.trackId, 'a');
    live.close();

    // Missed while disconnected.
    const b = await log.append(sampleEvent({ trackId: 'b' }));
    const c = await log.append(
      sampleEvent({ trackId: 'c', decision: 'match', identityId: 'i', identityName: 'n' }),
    );
    const resumed = await openStream(port, '', { ...auth, 'last-event-id': a });
    assert.equal(resumed.res.statusCode, 200);
    const replay = await resumed.next(2);
    assert.deepEqual(
      replay.map((x) => x.id),
      [b, c],
    );
    const d = await log.append(sampleEvent({ trackId: 'd' }));
    const [fd] = await resumed.next(1);
    assert.equal(fd!.id, d, 'then live, no duplicates');
    resumed.close();

    // Query-string resume and a decision filter.
    const matches = await openStream(port, `?decision=match&lastEventId=${a}`, auth);
    const [fm] = await matches.next(1);
    assert.equal(fm!.id, c);
    matches.close();
  });

  test('a malformed Last-Event-ID is a 400', async () => {
    const s = await openStream(port, '', { ...auth, 'last-event-id': 'abc' });
    assert.equal(s.res.statusCode, 400);
    s.close();
  });
});
