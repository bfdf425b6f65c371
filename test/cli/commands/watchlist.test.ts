import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { checkIdentityName } from '../../../src/store/identity-name.ts';
import { printable } from '../../../src/util/printable.ts';
import { testRedis } from '../../helpers/redis.ts';

const run = promisify(execFile);
const BIN = join(import.meta.dirname, '..', '..', '..', 'bin', 'bridgeface.mjs');

test('printable replaces terminal escapes, controls and bidi overrides', () => {
  assert.equal(
    printable('Eve\u001b]0;pwned\u0007 \u202eevil\u2066'),
    'Eve\ufffd]0;pwned\ufffd \ufffdevil\ufffd',
  );
  assert.equal(printable('Zoë 李 👩‍👩‍👧'), 'Zoë 李 👩‍👩‍👧', 'letters, emoji and ZWJ sequences untouched');
});

test('identity names: one rule for API, CLI and store', () => {
  assert.equal(checkIdentityName('  Jane Doe '), 'Jane Doe');
  assert.equal(checkIdentityName('😀'.repeat(100)), '😀'.repeat(100));
  for (const bad of [
    '',
    '   ',
    '😀'.repeat(101),
    'x'.repeat(201),
    'a\u0000b',
    'a\u009bb',
    'a\u202eb',
    'a\u2028b',
  ]) {
    assert.throws(() => checkIdentityName(bad), RangeError, JSON.stringify(bad));
  }
});

test('watchlist ls never prints escapes from stored names', async () => {
  const { redis, keys, cleanup } = await testRedis();
  const dir = await mkdtemp(join(tmpdir(), 'bf-cli-wl-'));
  try {
    // A name stored before names were checked, written as an old version would have.
    const id = '00000000-0000-4000-8000-000000000001';
    await redis.hset(keys.identity(id), {
      name: 'Eve\u001b]0;owned\u0007\u001b[2J',
      createdAtMs: '1',
      photos: '1',
      model: 'student',
      dim: '4',
    });
    await redis.sadd(keys.watchlistIds(), id);
    const config = join(dir, 'site.yaml');
    await writeFile(config, `redis:\n  prefix: ${keys.prefix}\n`);
    const { stdout } = await run(process.execPath, [BIN, 'watchlist', 'ls', '--config', config], {
      env: { ...process.env, BRIDGEFACE_LOG_LEVEL: 'silent' },
    });
    assert.match(stdout, new RegExp(id));
    // eslint-disable-next-line no-control-regex -- asserting that no control character is printed
    assert.doesNotMatch(stdout.replace(/\n/g, ''), /[\u0000-\u001f\u007f-\u009f]/);
    assert.match(stdout, /Eve\ufffd\]0;owned\ufffd\ufffd\[2J/);
  } finally {
    await rm(dir, { recursive: true, force: true });
    await cleanup();
  }
});
