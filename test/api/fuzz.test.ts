import assert from 'node:assert/strict';
import { isIP, type AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import sharp from 'sharp';
import type { PhotoEnroller } from '../../src/api/model-holder.ts';
import { EventLog } from '../../src/store/event-log.ts';
import {
  ADMIN_TOKEN,
  OPERATOR_TOKEN,
  apiFixture,
  multipart,
  sampleEvent,
  type ApiFixture,
} from './api-fixture.ts';

// Property-based hostile input over every route (fast-check): whatever the path parameters, query,
// headers and body, the API never answers 5xx, never shows a stack trace or an internal path, every
// error has the documented shape, the server stays up and its memory bounded. In process (inject) or
// on loopback (SSE); camera hosts are resolved by a stand-in, so no DNS query leaves the machine.

const RUNS = 250;

const enroller: PhotoEnroller = {
  model: 'fake',
  enrolPhoto: async () => new Float32Array(8).fill(0.25),
};
/** No DNS: IP literals are themselves, names a documentation address. */
const lookup = async (host: string): Promise<string[]> => [isIP(host) ? host : '203.0.113.10'];

let f: ApiFixture;
let port: number;
let face: Buffer;
let identityId: string;
let streamId: string;
let rssBefore: number;

before(async () => {
  f = await apiFixture({
    enroller,
    cameraHostLookup: lookup,
    settings: {
      maxPhotos: 3,
      maxPhotoBytes: 256 * 1024,
      authFailuresPerWindow: 1_000_000,
      // Streams are aborted at once, but their slots free a moment later: no 503 from slots here.
      maxSseClients: 10_000,
      maxSseClientsPerToken: 10_000,
    },
  });
  await f.app.listen({ port: 0, host: '127.0.0.1' });
  port = (f.app.server.address() as AddressInfo).port;
  face = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#886644' } })
    .jpeg()
    .toBuffer();
  const body = multipart({ name: 'Fuzz Target' }, [{ name: 'a.jpg', bytes: face }]);
  const enrolled = await f.app.inject({
    method: 'POST',
    url: '/api/watchlist',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...body.headers },
    payload: body.payload,
  });
  assert.equal(enrolled.statusCode, 201, enrolled.body);
  identityId = enrolled.json().id;
  streamId = await new EventLog(f.redis, f.keys).append(sampleEvent(), Buffer.from('png'));
  rssBefore = process.memoryUsage().rss;
});
after(() => f.close());

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
interface Route {
  readonly method: Method;
  readonly url: string;
  readonly body?: 'json' | 'multipart';
}

/** Every route the API serves (checked against the router below). */
const ROUTES: readonly Route[] = [
  { method: 'GET', url: '/healthz' },
  { method: 'GET', url: '/readyz' },
  { method: 'GET', url: '/metrics' },
  { method: 'GET', url: '/api/me' },
  { method: 'GET', url: '/api/cameras' },
  { method: 'GET', url: '/api/cameras/:id' },
  { method: 'POST', url: '/api/cameras', body: 'json' },
  { method: 'PATCH', url: '/api/cameras/:id', body: 'json' },
  { method: 'DELETE', url: '/api/cameras/:id' },
  { method: 'GET', url: '/api/watchlist' },
  { method: 'GET', url: '/api/watchlist/:id' },
  { method: 'POST', url: '/api/watchlist', body: 'multipart' },
  { method: 'POST', url: '/api/watchlist/:id/photos', body: 'multipart' },
  { method: 'GET', url: '/api/watchlist/:id/photos/:index' },
  { method: 'DELETE', url: '/api/watchlist/:id/photos/:index' },
  { method: 'DELETE', url: '/api/watchlist/:id' },
  { method: 'GET', url: '/api/events' },
  { method: 'GET', url: '/api/events/:streamId' },
  { method: 'POST', url: '/api/events/:streamId/ack', body: 'json' },
  { method: 'GET', url: '/api/events/:streamId/evidence' },
  { method: 'GET', url: '/api/alerts/stream' },
  { method: 'GET', url: '/docs/json' },
  { method: 'GET', url: '/console/' },
  { method: 'GET', url: '/favicon.ico' },
];

/** Numbers around the edges of Redis's unsigned 64-bit stream id parts (up to 20 digits). */
const big = fc.oneof(
  fc.bigInt({ min: 0n, max: 2n ** 70n }),
  fc.bigInt({ min: 2n ** 64n - 1000n, max: 10n ** 20n - 1n }),
  fc.constantFrom(0n, 2n ** 64n - 1n, 2n ** 64n),
);
/** Stream-id-like strings, mostly at the edges of the 64-bit range. */
const streamIdLike = fc.tuple(big, big).map(([a, b]) => `${a}-${b}`);
/** Strings a hostile client would try: unicode, controls, encodings, huge numbers, near-valid ids. */
const hostileString = fc.oneof(
  { arbitrary: fc.string({ maxLength: 40 }), weight: 2 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 40 }), weight: 2 },
  {
    arbitrary: fc.constantFrom(
      '',
      '0',
      '-1',
      '1e400',
      'NaN',
      '..',
      '../..',
      '%ff%fe',
      '%00',
      '\u202e',
      '\u001b[2J',
      'null',
    ),
    weight: 2,
  },
  { arbitrary: streamIdLike, weight: 4 },
  { arbitrary: big.map(String), weight: 2 },
  { arbitrary: fc.uuid(), weight: 1 },
  // Real ids (known once `before` ran), so that valid-looking requests reach the handlers.
  { arbitrary: fc.constant(null).map(() => identityId), weight: 3 },
  { arbitrary: fc.constant(null).map(() => streamId), weight: 3 },
);
/** A path segment: usually percent-encoded, sometimes raw percent sequences (possibly invalid). */
const segment = fc.oneof(
  { arbitrary: hostileString.map(encodeURIComponent), weight: 4 },
  fc
    .array(fc.integer({ min: 0, max: 255 }), { maxLength: 6 })
    .map((bytes) => bytes.map((b) => `%${b.toString(16).padStart(2, '0')}`).join('')),
);
const QUERY_KEYS = [
  'camera',
  'identity',
  'decision',
  'from',
  'to',
  'cursor',
  'limit',
  'offset',
  'q',
  'lastEventId',
];
const query = fc
  .array(fc.tuple(fc.oneof(fc.constantFrom(...QUERY_KEYS), fc.string({ maxLength: 8 })), hostileString), {
    maxLength: 4,
  })
  .map((pairs) =>
    pairs.length === 0
      ? ''
      : `?${pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')}`,
  );
/** Mostly valid tokens (so requests get past authentication), sometimes broken ones. */
const authorization = fc.oneof(
  { arbitrary: fc.constantFrom(`Bearer ${ADMIN_TOKEN}`, `Bearer ${OPERATOR_TOKEN}`), weight: 6 },
  {
    arbitrary: fc.constantFrom(undefined, 'Bearer ', `Basic ${ADMIN_TOKEN}`, `Bearer ${'x'.repeat(600)}`),
    weight: 1,
  },
);
const jsonBody = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.record(
    {
      id: hostileString,
      url: fc.oneof(
        hostileString,
        fc.webUrl(),
        fc.constantFrom('rtsp://127.0.0.1:6379/', 'http://169.254.169.254/'),
      ),
      fps: fc.oneof(fc.double(), fc.integer()),
      note: hostileString,
      enabled: fc.anything({ maxDepth: 1 }),
    },
    { requiredKeys: [] },
  ),
);
const photo = fc.oneof(
  fc.uint8Array({ maxLength: 512 }).map((a) => Buffer.from(a)),
  fc.constant(Buffer.alloc(0)),
  fc.constant(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>')),
  fc.nat({ max: 600 }).map((n) => Buffer.concat([face.subarray(0, n), Buffer.alloc(16, 0xff)])),
  fc.constant(null).map(() => face),
);
const multipartBody = fc.record({
  name: fc.option(hostileString, { nil: undefined }),
  photos: fc.array(fc.record({ name: hostileString, bytes: photo }), { maxLength: 4 }),
});

const request = fc.record({
  params: fc.array(segment, { minLength: 3, maxLength: 3 }),
  query,
  authorization,
  lastEventId: fc.option(hostileString, { nil: undefined }),
  contentType: fc.option(fc.constantFrom('application/json', 'text/plain', 'multipart/form-data', 'x/y'), {
    nil: undefined,
  }),
  json: jsonBody,
  upload: multipartBody,
  rawBody: fc.option(fc.string({ maxLength: 200 }), { nil: undefined }),
});

function fillPath(url: string, params: readonly string[]): string {
  let i = 0;
  return url.replace(/:[A-Za-z]+/g, () => params[i++] ?? 'x');
}

/** Never a 5xx; errors in the documented shape; no stack trace or internal path in any body. */
function check(what: string, status: number, contentType: string | undefined, body: string): void {
  assert.ok(status < 500, `${what}: ${status} ${body.slice(0, 300)}`);
  assert.doesNotMatch(body, /\n\s+at |node:internal|node_modules|\.ts:\d+/, `${what}: stack trace in body`);
  assert.ok(!body.includes(process.cwd()), `${what}: internal path in body`);
  if (status >= 400 && contentType?.includes('json')) {
    const parsed = JSON.parse(body) as { error?: { code?: unknown; message?: unknown } };
    assert.equal(typeof parsed.error?.code, 'string', `${what}: error shape ${body.slice(0, 200)}`);
    assert.equal(typeof parsed.error?.message, 'string', `${what}: error shape`);
  }
}

test('every route listed is served', () => {
  for (const r of ROUTES) assert.ok(f.app.hasRoute({ method: r.method, url: r.url }), `${r.method} ${r.url}`);
});

for (const route of ROUTES) {
  test(`hostile input: ${route.method} ${route.url}`, async () => {
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const url = fillPath(route.url, r.params) + r.query;
        const headers: Record<string, string> = {};
        if (r.authorization !== undefined) headers.authorization = r.authorization;
        if (route.url === '/api/alerts/stream') {
          if (r.lastEventId !== undefined) headers['last-event-id'] = encodeURIComponent(r.lastEventId);
          return sseCheck(url, headers);
        }
        let payload: string | Buffer | undefined;
        if (route.body === 'json') {
          payload = r.rawBody ?? JSON.stringify(r.json);
          headers['content-type'] = r.contentType ?? 'application/json';
        } else if (route.body === 'multipart') {
          const fields: Record<string, string> = r.upload.name === undefined ? {} : { name: r.upload.name };
          const m = multipart(fields, r.upload.photos);
          payload = m.payload;
          Object.assign(headers, m.headers);
        }
        const res = await f.app.inject({ method: route.method, url, headers, payload });
        check(`${route.method} ${url}`, res.statusCode, String(res.headers['content-type']), res.body);
      }),
      { numRuns: RUNS, interruptAfterTimeLimit: 20_000 },
    );
  });
}

/** SSE over loopback: the status and (for errors) the body; an accepted stream is closed at once. */
async function sseCheck(url: string, headers: Record<string, string>): Promise<void> {
  const abort = new AbortController();
  const res = await fetch(`http://127.0.0.1:${port}${url}`, { headers, signal: abort.signal });
  if (res.status === 200) {
    abort.abort();
    return;
  }
  check(`SSE ${url}`, res.status, res.headers.get('content-type') ?? undefined, await res.text());
}

test('after the onslaught the server is up and its memory bounded', async () => {
  const health = await f.app.inject({ url: '/healthz' });
  assert.equal(health.statusCode, 200);
  const me = await f.app.inject({ url: '/api/me', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  assert.equal(me.statusCode, 200);
  const grew = process.memoryUsage().rss - rssBefore;
  assert.ok(grew < 300_000_000, `RSS grew ${Math.round(grew / 1e6)} MB over the run`);
});
