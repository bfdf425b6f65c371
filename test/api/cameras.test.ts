import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CameraStore, type CameraChange } from '../../src/store/camera-store.ts';
import { checkCameraUrl } from '../../src/api/camera-url.ts';
import { maskUrlPassword } from '../../src/util/mask-url-password.ts';
import { ApiError } from '../../src/api/api-error.ts';
import { admin, apiFixture, operator, type ApiFixture } from './api-fixture.ts';

let dir: string;
let files: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bf-api-cam-'));
  files = join(dir, 'clips');
  await mkdir(join(files, 'sub'), { recursive: true });
  await writeFile(join(files, 'sub', 'a.mp4'), 'x');
  await writeFile(join(dir, 'secret.mp4'), 'x');
  await symlink(join(dir, 'secret.mp4'), join(files, 'escape.mp4'));
});
after(() => rm(dir, { recursive: true, force: true }));

async function rejected(url: string, filesDir: string | null = files): Promise<string> {
  try {
    await checkCameraUrl(url, filesDir ?? undefined);
  } catch (e) {
    assert.ok(e instanceof ApiError && e.code === 'CAMERA_URL_REJECTED', String(e));
    return e.message;
  }
  assert.fail(`${url} was accepted`);
}

describe('camera URL checks', () => {
  test('network schemes with a host are accepted, stored as parsed', async () => {
    for (const u of ['rtsp://10.0.0.5:554/s1', 'rtsps://cam/x', 'http://cam/mjpeg']) {
      assert.equal(await checkCameraUrl(u, undefined), u);
    }
    assert.equal(await checkCameraUrl('HTTPS://cam/x', undefined), 'https://cam/x');
  });

  test('other schemes are rejected', async () => {
    for (const u of [
      'javascript:alert(1)',
      'data:text/html,x',
      'ftp://h/x',
      'gopher://h',
      'file://evil.host/x',
    ]) {
      await rejected(u);
    }
    assert.match(await rejected('JavaScript:alert(1)'), /not allowed/);
    await rejected('rtsp://');
    await rejected('rtsp://cam/\n');
  });

  test('files only inside the files directory, symlinks and .. included', async () => {
    const real = join(files, 'sub', 'a.mp4');
    assert.equal(await checkCameraUrl('sub/a.mp4', files), real);
    assert.equal(await checkCameraUrl(real, files), real);
    assert.equal(await checkCameraUrl(`file://${real}`, files), real);
    assert.match(await rejected('../secret.mp4'), /outside/);
    assert.match(await rejected('sub/../../secret.mp4'), /outside/);
    assert.match(await rejected(`file://${join(files, '..', 'secret.mp4')}`), /outside/);
    assert.match(await rejected('file:///etc/passwd'), /outside/);
    assert.match(await rejected('/etc/passwd'), /outside/);
    assert.match(await rejected('escape.mp4'), /outside/, 'symlink out of the directory');
    assert.match(await rejected('%2e%2e/secret.mp4'), /not found/, 'not URL-decoded as a plain path');
    assert.match(await rejected(`file://${files}/%2e%2e/secret.mp4`), /outside/);
    assert.match(await rejected('missing.mp4'), /not found/);
    assert.match(await rejected('.'), /outside/, 'the directory itself is not a file');
    assert.match(await rejected('sub/a.mp4', null), /disabled/);
  });

  test('passwords are masked', () => {
    assert.equal(maskUrlPassword('rtsp://u:secret@cam/s'), 'rtsp://u:***@cam/s');
    assert.equal(maskUrlPassword('rtsp://cam/s'), 'rtsp://cam/s');
  });
});

describe('camera routes', () => {
  let f: ApiFixture;
  before(async () => {
    f = await apiFixture({ settings: { filesDir: files, bodyLimit: 4096 } });
  });
  after(() => f.close());

  test('add, list with live status, update, remove — each change announced', async () => {
    const sub = f.redis.duplicate();
    const changes: CameraChange[] = [];
    sub.on('message', (_c: string, m: string) => changes.push(JSON.parse(m) as CameraChange));
    await sub.subscribe(f.keys.cameraChannel());

    const add = await f.app.inject({
      method: 'POST',
      url: '/api/cameras',
      headers: admin,
      payload: {
        id: 'door',
        url: 'rtsp://u:pw@10.0.0.9/live',
        fps: 8,
        ignoreZones: [{ rect: { x: 0, y: 0, width: 10, height: 10 } }],
      },
    });
    assert.equal(add.statusCode, 201, add.body);
    assert.equal(add.json().url, 'rtsp://u:***@10.0.0.9/live');
    assert.equal(add.json().width, 768, 'defaults applied');
    assert.equal(add.json().origin, 'api');
    const dup = await f.app.inject({
      method: 'POST',
      url: '/api/cameras',
      headers: admin,
      payload: { id: 'door', url: 'rtsp://x/y' },
    });
    assert.equal(dup.statusCode, 409);

    await f.redis.hset(f.keys.cameraStatus(), 'door', JSON.stringify({ state: 'running', lastFrameMs: 1 }));
    const list = await f.app.inject({ url: '/api/cameras', headers: operator });
    assert.equal(list.statusCode, 200);
    assert.deepEqual(list.json().items[0].status, { state: 'running', lastFrameMs: 1 });

    const patch = await f.app.inject({
      method: 'PATCH',
      url: '/api/cameras/door',
      headers: admin,
      payload: { enabled: false, minFacePx: 20, url: 'rtsp://u:***@10.0.0.9/live' },
    });
    assert.equal(patch.statusCode, 200, patch.body);
    assert.equal(patch.json().enabled, false);
    assert.equal(patch.json().fps, 8, 'untouched fields kept');
    const stored = await new CameraStore(f.redis, f.keys).get('door');
    assert.equal(stored?.url, 'rtsp://u:pw@10.0.0.9/live', 'masked URL sent back means unchanged');

    const file = await f.app.inject({
      method: 'PATCH',
      url: '/api/cameras/door',
      headers: admin,
      payload: { url: 'sub/a.mp4' },
    });
    assert.equal(file.statusCode, 200, file.body);
    assert.equal(file.json().url, join(files, 'sub', 'a.mp4'));

    assert.equal(
      (await f.app.inject({ method: 'DELETE', url: '/api/cameras/door', headers: admin })).statusCode,
      204,
    );
    assert.equal(
      (await f.app.inject({ method: 'DELETE', url: '/api/cameras/door', headers: admin })).statusCode,
      404,
    );
    assert.equal((await f.app.inject({ url: '/api/cameras/door', headers: operator })).statusCode, 404);
    assert.equal(await f.redis.hexists(f.keys.cameraStatus(), 'door'), 0, 'status removed with the camera');

    for (let i = 0; i < 50 && changes.length < 4; i++) await new Promise((r) => setImmediate(r));
    sub.disconnect();
    assert.deepEqual(
      changes.map((c) => [c.op, c.id]),
      [
        ['upsert', 'door'],
        ['upsert', 'door'],
        ['upsert', 'door'],
        ['remove', 'door'],
      ],
    );
  });

  test('cameras the workers run from their config are listed too, with their origin; stale ones are not', async () => {
    const now = Date.now();
    const settings = {
      url: 'rtsp://u:pw@10.0.0.7/s',
      fps: 5,
      width: 768,
      height: 576,
      minFacePx: 12,
      enabled: true,
    };
    await f.redis.hset(
      f.keys.cameraStatus(),
      'gate',
      JSON.stringify({ state: 'live', origin: 'config', publishedAtMs: now, camera: settings }),
      'old-gate',
      JSON.stringify({ state: 'live', origin: 'config', publishedAtMs: now - 120_000, camera: settings }),
    );
    const list = await f.app.inject({ url: '/api/cameras', headers: operator });
    const gate = (list.json().items as { id: string }[]).find((c) => c.id === 'gate');
    assert.deepEqual(gate, {
      ...settings,
      url: 'rtsp://u:***@10.0.0.7/s',
      id: 'gate',
      origin: 'config',
      status: { state: 'live', origin: 'config', publishedAtMs: now },
    });
    assert.equal(
      (list.json().items as { id: string }[]).some((c) => c.id === 'old-gate'),
      false,
      'a status its worker stopped republishing has expired',
    );
    await f.redis.hdel(f.keys.cameraStatus(), 'gate', 'old-gate');
  });

  test('hostile and invalid bodies are 4xx with a stable code', async () => {
    const cases: [unknown, number, string][] = [
      [{ id: 'c', url: 'javascript:alert(1)' }, 422, 'CAMERA_URL_REJECTED'],
      [{ id: 'c', url: '../../etc/passwd' }, 422, 'CAMERA_URL_REJECTED'],
      [{ id: 'c', url: 'rtsp://h/x', admin: true }, 400, 'VALIDATION_FAILED'],
      [{ id: '../x', url: 'rtsp://h/x' }, 400, 'VALIDATION_FAILED'],
      [{ id: 'c', url: 'rtsp://h/x', fps: 1000 }, 400, 'VALIDATION_FAILED'],
      [{ id: 'c', url: 'rtsp://h/x', ignoreZones: [{ rect: 'x' }] }, 400, 'VALIDATION_FAILED'],
      [{ id: 'c', url: 'rtsp://h/x', __proto__: { enabled: false } }, 201, ''],
    ];
    for (const [payload, status, code] of cases) {
      const r = await f.app.inject({
        method: 'POST',
        url: '/api/cameras',
        headers: admin,
        payload: payload as object,
      });
      assert.equal(r.statusCode, status, `${JSON.stringify(payload)}: ${r.body}`);
      if (code) assert.equal(r.json().error.code, code);
    }
    const unknownField = await f.app.inject({
      method: 'POST',
      url: '/api/cameras',
      headers: admin,
      payload: { id: 'd', url: 'rtsp://h/x', colour: 1 },
    });
    assert.match(unknownField.json().error.message, /colour/);
    const proto = await f.app.inject({
      method: 'POST',
      url: '/api/cameras',
      headers: { ...admin, 'content-type': 'application/json' },
      payload: '{"id":"e","url":"rtsp://h/x","__proto__":{"x":1}}',
    });
    assert.equal(proto.statusCode, 400, 'prototype poisoning refused');

    const big = await f.app.inject({
      method: 'POST',
      url: '/api/cameras',
      headers: admin,
      payload: { id: 'big', url: `rtsp://h/${'a'.repeat(10_000)}` },
    });
    assert.equal(big.statusCode, 413);
    assert.equal(big.json().error.code, 'PAYLOAD_TOO_LARGE');

    const notJson = await f.app.inject({
      method: 'POST',
      url: '/api/cameras',
      headers: { ...admin, 'content-type': 'application/json' },
      payload: '{"id":',
    });
    assert.equal(notJson.statusCode, 400);
    const wrongType = await f.app.inject({
      method: 'POST',
      url: '/api/cameras',
      headers: { ...admin, 'content-type': 'text/plain' },
      payload: 'hello',
    });
    assert.equal(wrongType.statusCode, 415);
    const patchUnknown = await f.app.inject({
      method: 'PATCH',
      url: '/api/cameras/c',
      headers: admin,
      payload: { id: 'other' },
    });
    assert.equal(patchUnknown.statusCode, 400, 'id cannot be patched');
  });
});

describe('camera network policy and masking through the API', () => {
  let f: ApiFixture;
  before(async () => {
    f = await apiFixture();
  });
  after(() => f.close());

  const add = (g: ApiFixture, id: string, url: string) =>
    g.app.inject({ method: 'POST', url: '/api/cameras', headers: admin, payload: { id, url } });

  test('loopback, link-local and metadata hosts are refused unless the config allows them', async () => {
    for (const [i, url] of [
      'http://127.0.0.1:6379/',
      'rtsp://127.0.0.1:6379/',
      'http://169.254.169.254/',
      'rtsp://2130706433:6379/',
      'http://localhost/',
      'rtsp://[::1]/',
    ].entries()) {
      const r = await add(f, `c${i}`, url);
      assert.equal(r.statusCode, 422, `${url}: ${r.body}`);
      assert.equal(r.json().error.code, 'CAMERA_URL_REJECTED');
    }
    const patch = await f.app.inject({
      method: 'PATCH',
      url: '/api/cameras/lan',
      headers: admin,
      payload: { url: 'rtsp://127.0.0.1/' },
    });
    assert.equal(patch.statusCode, 404);
    assert.equal((await add(f, 'lan', 'rtsp://10.1.2.3/s')).statusCode, 201);
    const moved = await f.app.inject({
      method: 'PATCH',
      url: '/api/cameras/lan',
      headers: admin,
      payload: { url: 'rtsp://127.0.0.1/' },
    });
    assert.equal(moved.statusCode, 422, 'a change of URL is checked too');

    const allowing = await apiFixture({ settings: { cameraNetworks: ['127.0.0.0/8'] } });
    try {
      const r = await add(allowing, 'loop', 'rtsp://127.0.0.1:8554/s');
      assert.equal(r.statusCode, 201, r.body);
    } finally {
      await allowing.close();
    }
  });

  test('the parsed URL is stored, not the raw string', async () => {
    assert.equal((await add(f, 'raw', 'RTSP://Cam.Example:554/a b')).statusCode, 201);
    assert.equal((await new CameraStore(f.redis, f.keys).get('raw'))?.url, 'rtsp://Cam.Example:554/a%20b');
  });

  test('a worker status quoting the URL (FFmpeg error) is masked in every response', async () => {
    assert.equal((await add(f, 'pw', 'rtsp://admin:s3cretPW@10.0.0.5/s')).statusCode, 201);
    const status = {
      state: 'backoff',
      lastError: 'rtsp://admin:s3cretPW@10.0.0.5/s: Connection refused',
    };
    await f.redis.hset(f.keys.cameraStatus(), 'pw', JSON.stringify(status));
    const one = await f.app.inject({ url: '/api/cameras/pw', headers: operator });
    const all = await f.app.inject({ url: '/api/cameras', headers: operator });
    for (const r of [one, all]) {
      assert.equal(r.statusCode, 200);
      assert.ok(!r.body.includes('s3cretPW'), r.body);
    }
    assert.equal(one.json().status.lastError, 'rtsp://admin:***@10.0.0.5/s: Connection refused');
  });
});
