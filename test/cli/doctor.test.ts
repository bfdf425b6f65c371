import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runDoctor } from '../../src/cli/doctor.ts';

test('doctor reports backend, ffmpeg, redis and model files', async () => {
  const report = await runDoctor();
  assert.ok(!('error' in report.backend), 'a backend initialises');
  assert.ok(report.ffmpeg, 'ffmpeg is found (system or the npm-bundled binary)');
  assert.match(report.ffmpeg.version, /ffmpeg version/);
  const faceApi = report.models.filter((m) => m.name.startsWith('face-api'));
  assert.equal(faceApi.length, 6);
  for (const m of faceApi) assert.ok(m.present && m.bytes > 0, `${m.name} present`);
  assert.equal(typeof report.redis.reachable, 'boolean');
  // CI builds the native addon (.ci/run installs libdnnl-dev); the default mode is auto.
  assert.equal(report.native.available, true, report.native.error);
  assert.equal(report.native.mode, 'auto');
  assert.equal(report.native.threads, 1);
});

test('doctor names a bad BRIDGEFACE_NATIVE instead of failing', async () => {
  const saved = process.env.BRIDGEFACE_NATIVE;
  process.env.BRIDGEFACE_NATIVE = 'fast';
  try {
    const report = await runDoctor();
    assert.equal(report.native.available, false);
    assert.match(report.native.error ?? '', /BRIDGEFACE_NATIVE=fast is not one of: auto, on, off/);
  } finally {
    if (saved === undefined) delete process.env.BRIDGEFACE_NATIVE;
    else process.env.BRIDGEFACE_NATIVE = saved;
  }
});

test('doctor says Redis is unreachable, quickly, when nothing listens', async () => {
  const saved = process.env.BRIDGEFACE_REDIS_URL;
  process.env.BRIDGEFACE_REDIS_URL = 'redis://127.0.0.1:1'; // port 1: nothing listens on loopback
  try {
    const report = await runDoctor();
    assert.equal(report.redis.reachable, false);
    assert.ok(report.redis.error && report.redis.error.length > 0);
  } finally {
    if (saved === undefined) delete process.env.BRIDGEFACE_REDIS_URL;
    else process.env.BRIDGEFACE_REDIS_URL = saved;
  }
});
