import assert from 'node:assert/strict';
import { request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { EventLog } from '../../src/events/event-log.ts';
import { OPERATOR_TOKEN, apiFixture, sampleEvent, type ApiFixture } from './api-fixture.ts';

interface Frame {
  id: string;
  data: { streamId: string; trackId: string; decision: string };
}

/** Opens the SSE endpoint over real HTTP and collects frames until `count` arrived. */
function openStream(
  port: number,
  query: string,
  headers: Record<string, string>,
): Promise<{ res: IncomingMessage; next: (count: number) => Promise<Frame[]>; close: () => void }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: `/api/alerts/stream${query}`, headers }, (res) => {
      const frames: Frame[] = [];
      let buf = '';
      let waiter: { count: number; done: (f: Frame[]) => void } | undefined;
      const check = (): void => {
        if (waiter && frames.length >= waiter.count) waiter.done(frames.splice(0, waiter.count));
      };
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        let cut: number;
        while ((cut = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, cut);
          buf = buf.slice(cut + 2);
          const id = /^id: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (id && data) frames.push({ id, data: JSON.parse(data) as Frame['data'] });
        }
        check();
      });
      resolve({
        res,
        next: (count) =>
          new Promise((done) => {
            waiter = { count, done };
            check();
          }),
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
    req.end();
  });
}

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
