import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { AuthFailureLimiter, TokenAuthenticator, allows } from '../../src/api/auth.ts';
import {
  ApiSettingsError,
  apiSettingsFromEnv,
  parseTokens,
  resolveApiSettings,
} from '../../src/api/settings.ts';
import { parseConfig } from '../../src/config/load-config.ts';
import { ADMIN_TOKEN, OPERATOR_TOKEN, admin, apiFixture, operator, type ApiFixture } from './api-fixture.ts';

describe('TokenAuthenticator', () => {
  const auth = new TokenAuthenticator(parseTokens(`admin:alice:${ADMIN_TOKEN},operator:${OPERATOR_TOKEN}`));

  test('matches a bearer token to its principal', () => {
    assert.deepEqual(auth.authenticate(`Bearer ${ADMIN_TOKEN}`), { name: 'alice', role: 'admin' });
    assert.deepEqual(auth.authenticate(`Bearer ${OPERATOR_TOKEN}`), { name: 'operator-2', role: 'operator' });
  });

  test('refuses missing, malformed, prefix and extended tokens', () => {
    for (const h of [
      undefined,
      '',
      ADMIN_TOKEN,
      `Basic ${ADMIN_TOKEN}`,
      `Bearer ${ADMIN_TOKEN.slice(0, -1)}`,
      `Bearer ${ADMIN_TOKEN}x`,
      `Bearer  ${ADMIN_TOKEN}`,
      'Bearer ',
    ]) {
      assert.equal(auth.authenticate(h), undefined, String(h));
    }
  });

  test('admin includes operator; public needs nobody', () => {
    assert.equal(allows({ name: 'a', role: 'admin' }, 'operator'), true);
    assert.equal(allows({ name: 'o', role: 'operator' }, 'admin'), false);
    assert.equal(allows(undefined, 'public'), true);
    assert.equal(allows(undefined, 'operator'), false);
  });
});

describe('settings', () => {
  test('tokens: roles checked, short tokens refused without echoing them', () => {
    assert.throws(() => parseTokens('root:0123456789abcdef0'), ApiSettingsError);
    assert.throws(
      () => parseTokens('admin:short'),
      (e: Error) => e instanceof ApiSettingsError && !e.message.includes('short'),
    );
  });

  test('tokens: an entry splits one way only; weak and unmatchable tokens are refused at start', () => {
    const hex = randomBytes(16).toString('hex');
    assert.deepEqual(parseTokens(`admin:k3y:${hex}`)[0], { role: 'admin', name: 'k3y', token: hex });
    const refused = (spec: string, why: RegExp): void => {
      assert.throws(
        () => parseTokens(spec),
        (e: Error) =>
          e instanceof ApiSettingsError && why.test(e.message) && !e.message.includes(spec.slice(-8)),
        spec,
      );
    };
    refused(`admin:k3y:${hex}:more`, /role:name:token/);
    refused(`admin:bad name:${hex}`, /name must be/);
    refused('admin:aaaaaaaaaaaaaaaa', /too simple/);
    refused('admin:abababababababababababab', /too simple/);
    refused('admin:0123456789abcde', /16-512 characters/);
    refused(`admin:${hex.slice(0, 10)} ${hex.slice(10)}`, /printable ASCII/);
    refused(`admin:${hex}é`, /printable ASCII/);
    refused(`admin:a:${hex},operator:b:${hex}`, /used twice/);
    // What the README and docs tell operators to use passes, every time.
    for (let i = 0; i < 200; i++) {
      const t = randomBytes(16).toString('hex');
      assert.equal(parseTokens(`operator:${t}`)[0]!.token, t);
    }
  });

  test('from env: tokens required, port parsed', () => {
    assert.throws(() => apiSettingsFromEnv({}), ApiSettingsError);
    const s = apiSettingsFromEnv({
      BRIDGEFACE_API_TOKENS: `admin:${ADMIN_TOKEN}`,
      BRIDGEFACE_API_PORT: '9000',
    });
    assert.equal(s.port, 9000);
    assert.equal(s.host, '127.0.0.1');
    assert.throws(() =>
      apiSettingsFromEnv({ BRIDGEFACE_API_TOKENS: `admin:${ADMIN_TOKEN}`, BRIDGEFACE_API_PORT: 'x' }),
    );
  });

  test('config api section: its values are used, the environment overrides them', () => {
    const config = parseConfig(
      { api: { port: 9100, host: '0.0.0.0', filesDir: '/srv/clips', maxPhotos: 3, eventsTtlSeconds: 600 } },
      {},
    );
    const env = { BRIDGEFACE_API_TOKENS: `operator:${ADMIN_TOKEN}` };
    const fromFile = resolveApiSettings(config.api, env);
    assert.deepEqual(
      [fromFile.port, fromFile.host, fromFile.filesDir, fromFile.maxPhotos, fromFile.eventsTtlSeconds],
      [9100, '0.0.0.0', '/srv/clips', 3, 600],
    );
    assert.equal(fromFile.maxPhotoBytes, 10 * 1024 * 1024, 'unset keys keep their defaults');
    const overridden = resolveApiSettings(config.api, {
      ...env,
      BRIDGEFACE_API_PORT: '9200',
      BRIDGEFACE_FILES_DIR: '/data',
      BRIDGEFACE_EVENTS_TTL_SECONDS: '3600',
    });
    assert.deepEqual(
      [overridden.port, overridden.filesDir, overridden.eventsTtlSeconds],
      [9200, '/data', 3600],
    );
  });

  test('config api section: tokens are refused in files, bad values are named', () => {
    assert.throws(
      () => parseConfig({ api: { tokens: 'admin:0123456789abcdef' } }, {}),
      /tokens/,
      'secrets never come from the config file',
    );
    assert.throws(() => parseConfig({ api: { port: 70000 } }, {}), /api\.port|port/);
    assert.throws(
      () => resolveApiSettings({ maxPhotos: 0 }, { BRIDGEFACE_API_TOKENS: `admin:${ADMIN_TOKEN}` }),
      (e: Error) => e instanceof ApiSettingsError && /maxPhotos/.test(e.message),
    );
  });
});

describe('AuthFailureLimiter', () => {
  test('blocks an address after maxFailures until its window ends', () => {
    let now = 0;
    const l = new AuthFailureLimiter({ maxFailures: 2, windowMs: 1000, now: () => now });
    l.recordFailure('a');
    assert.equal(l.blockedFor('a'), 0);
    l.recordFailure('a');
    assert.ok(l.blockedFor('a') > 0);
    assert.equal(l.blockedFor('b'), 0);
    now = 1000;
    assert.equal(l.blockedFor('a'), 0);
  });

  test('tracks a bounded number of addresses', () => {
    const l = new AuthFailureLimiter({ maxFailures: 1, windowMs: 1000, maxTracked: 2 });
    l.recordFailure('a');
    l.recordFailure('b');
    l.recordFailure('c');
    assert.equal(l.blockedFor('a'), 0, 'oldest forgotten');
    assert.ok(l.blockedFor('c') > 0);
  });
});

describe('API auth', () => {
  let f: ApiFixture;
  const lines: string[] = [];
  before(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(chunk.toString());
        cb();
      },
    });
    // Trace level with the headers serialised: the token must still never reach the log.
    const logger = pino(
      {
        level: 'trace',
        serializers: { req: (r: { headers: unknown; url: string }) => ({ url: r.url, headers: r.headers }) },
      },
      sink,
    );
    f = await apiFixture({ logger, settings: { authFailuresPerWindow: 1000 } });
  });
  after(() => f.close());

  test('health and readiness need no token', async () => {
    assert.equal((await f.app.inject({ url: '/healthz' })).statusCode, 200);
    const ready = await f.app.inject({ url: '/readyz' });
    assert.equal(ready.statusCode, 503, 'models still loading');
    assert.deepEqual(ready.json(), { status: 'not_ready', redis: 'ok', models: 'loading' });
  });

  test('missing or wrong token: 401 with a stable code', async () => {
    for (const headers of [
      {},
      { authorization: 'Bearer nope-nope-nope-nope' },
      { authorization: ADMIN_TOKEN },
    ]) {
      const r = await f.app.inject({ url: '/api/cameras', headers });
      assert.equal(r.statusCode, 401);
      assert.equal(r.json().error.code, 'UNAUTHORIZED');
      assert.equal(r.headers['www-authenticate'], 'Bearer');
    }
    assert.equal((await f.app.inject({ url: '/metrics' })).statusCode, 401);
    assert.equal((await f.app.inject({ url: '/api/nope' })).statusCode, 401, 'unknown routes reveal nothing');
  });

  test('operator reads but may not administer; admin may', async () => {
    assert.equal((await f.app.inject({ url: '/api/cameras', headers: operator })).statusCode, 200);
    const body = { id: 'c1', url: 'rtsp://cam.local/stream' };
    const denied = await f.app.inject({
      method: 'POST',
      url: '/api/cameras',
      headers: operator,
      payload: body,
    });
    assert.equal(denied.statusCode, 403);
    assert.equal(denied.json().error.code, 'FORBIDDEN');
    const wl = await f.app.inject({
      method: 'DELETE',
      url: `/api/watchlist/${'0'.repeat(8)}-0000-0000-0000-${'0'.repeat(12)}`,
      headers: operator,
    });
    assert.equal(wl.statusCode, 403);
    assert.equal(
      (await f.app.inject({ method: 'POST', url: '/api/cameras', headers: admin, payload: body })).statusCode,
      201,
    );
    const metrics = await f.app.inject({ url: '/metrics', headers: operator });
    assert.equal(metrics.statusCode, 200);
    assert.match(metrics.body, /bridgeface_api_auth_failures_total \d+/);
  });

  test('the token never reaches the log', () => {
    const all = lines.join('');
    assert.ok(all.length > 0, 'something was logged');
    assert.ok(all.includes('[redacted]'), 'authorization header redacted');
    assert.ok(!all.includes(ADMIN_TOKEN) && !all.includes(OPERATOR_TOKEN));
  });

  test('docs and console are served without a token', async () => {
    const docs = await f.app.inject({ url: '/docs/json' });
    assert.equal(docs.statusCode, 200);
    assert.ok(docs.json().paths['/api/events']);
    const page = await f.app.inject({ url: '/console/' });
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers['content-security-policy']), /script-src 'self'/);
  });
});

describe('auth failure rate limit', () => {
  let f: ApiFixture;
  before(async () => {
    f = await apiFixture({ settings: { authFailuresPerWindow: 3, authFailureWindowMs: 3_600_000 } });
  });
  after(() => f.close());

  test('an address with too many failures gets 429; a valid token from it is never refused', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await f.app.inject({ url: '/api/cameras' })).statusCode, 401);
    const blocked = await f.app.inject({ url: '/api/cameras', headers: { authorization: 'Bearer wrong' } });
    assert.equal(blocked.statusCode, 429);
    assert.equal(blocked.json().error.code, 'TOO_MANY_AUTH_FAILURES');
    assert.ok(Number(blocked.headers['retry-after']) > 0);
    assert.equal((await f.app.inject({ url: '/api/cameras', headers: admin })).statusCode, 200);
    assert.equal((await f.app.inject({ url: '/api/me', headers: operator })).statusCode, 200);
    assert.equal((await f.app.inject({ url: '/healthz' })).statusCode, 200, 'health stays open');
  });

  test('browsers asking for /favicon.ico get an icon, not a failed authentication', async () => {
    const g = await apiFixture({ settings: { authFailuresPerWindow: 3, authFailureWindowMs: 3_600_000 } });
    try {
      for (let i = 0; i < 10; i++) {
        const icon = await g.app.inject({ url: '/favicon.ico' });
        assert.equal(icon.statusCode, 200);
        assert.equal(icon.headers['content-type'], 'image/x-icon');
      }
      assert.equal((await g.app.inject({ url: '/favicon.svg' })).statusCode, 200);
      const page = await g.app.inject({ url: '/console/' });
      assert.match(page.body, /rel="icon"[^>]*href="\/favicon\.svg"/);
      assert.equal((await g.app.inject({ url: '/api/cameras', headers: admin })).statusCode, 200);
    } finally {
      await g.close();
    }
  });

  test('behind a trusted proxy each client has its own failure count', async () => {
    const g = await apiFixture({
      settings: { authFailuresPerWindow: 2, authFailureWindowMs: 3_600_000, trustProxy: ['127.0.0.1'] },
    });
    try {
      const from = (client: string) => ({ 'x-forwarded-for': client });
      for (let i = 0; i < 2; i++) await g.app.inject({ url: '/api/me', headers: from('203.0.113.1') });
      assert.equal((await g.app.inject({ url: '/api/me', headers: from('203.0.113.1') })).statusCode, 429);
      assert.equal((await g.app.inject({ url: '/api/me', headers: from('203.0.113.2') })).statusCode, 401);
    } finally {
      await g.close();
    }
  });
});
