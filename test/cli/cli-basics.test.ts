import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '../../src/models/model-paths.ts';
import { runCli } from '../helpers/run-cli.ts';

/** The operator's first contact with the CLI: version, help texts, doctor, log format errors. */

const cli = (args: string[], env: Record<string, string> = {}) =>
  runCli(args, { BRIDGEFACE_LOG_LEVEL: 'info', ...env });

test('--version prints the package version', async () => {
  const pkg = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
  const r = await cli(['--version']);
  assert.equal(r.code, 0);
  assert.equal(r.stdout.trim(), pkg.version);
});

test('doctor reports once: no log line repeats the backend choice', async () => {
  const r = await cli(['doctor']);
  assert.equal(r.code, 0, r.stderr);
  const all = `${r.stdout}${r.stderr}`;
  assert.equal(all.match(/^backend /gm)?.length, 1, all);
  assert.doesNotMatch(all, /tfjs backend:|"level"/);
  assert.doesNotMatch(all, /Cannot find package/, 'a missing optional package is not shown as an error');
});

test('every command and subcommand has a description; defaults are shown one way only', async () => {
  for (const args of [['--help'], ['watchlist', '--help']]) {
    const r = await cli(args);
    assert.equal(r.code, 0);
    const commands = r.stdout.split('Commands:')[1] ?? '';
    for (const line of commands.split('\n').filter((l) => /^ {2}\S/.test(l)))
      assert.match(line, /^ {2}\S.*\S {2,}\S/, `"${line.trim()}" has a description`);
  }
  const helps = await Promise.all(
    [
      'demo',
      'serve',
      'replay',
      'run',
      'eval',
      'loadgen',
      'doctor',
      'enroll',
      'train',
      'train-detector',
      'calibrate',
    ].map((c) => cli([c, '--help'])),
  );
  for (const h of helps) assert.doesNotMatch(h.stdout, /\(default [^:]/, 'defaults read "(default: …)"');
});

test('a bad --log-format is a usage error naming the choices', async () => {
  const r = await cli(['--log-format', 'xml', 'doctor']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /human, json/);
});

test('serve prints the console URL at start, and the URL answers', async () => {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'bridgeface.mjs'), 'serve', '--port', '0'], {
    env: {
      ...process.env,
      BRIDGEFACE_LOG_LEVEL: 'warn',
      BRIDGEFACE_API_TOKENS: `admin:t:${randomBytes(16).toString('hex')}`,
      BRIDGEFACE_REDIS_PREFIX: `bf-test-serve-${randomBytes(4).toString('hex')}`,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  try {
    let out = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const m = /^console: (http:\/\/127\.0\.0\.1:\d+\/console\/)/m.exec(out);
        if (m) resolve(m[1]!);
      });
      void exited.then((code) => reject(new Error(`serve exited (${code}) before printing its URL: ${out}`)));
    });
    const res = await fetch(url);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /BridgeFace console/);
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
});

test('demo --config: a site config with thresholds in the wrong units is refused before any work', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'bf-demo-config-'));
  try {
    const path = join(dir, 'site.yaml');
    // Raw cosines asked for, with the default (cohort-normalised) thresholds left in place.
    await writeFile(path, 'match:\n  scoreNorm: none\n');
    const r = await cli(['demo', '--config', path]);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stderr, /never be reached by a cosine[\s\S]*match\.thresholds/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    assert.doesNotMatch(r.stdout, /processing the clip/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('train --fine-tune with --width is a usage error, before any data is read', async () => {
  const r = await cli(['train', '--data', '/nonexistent', '--fine-tune', 'models/student', '--width', '64']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /--fine-tune keeps the trained student's width/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
});

test('calibrate --model teacher in cohort units (the default) is refused before any data is read', async () => {
  const r = await cli(['calibrate', '--data', '/nonexistent', '--model', 'teacher']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /teacher has no model directory.*match\.scoreNorm: none/);
  assert.doesNotMatch(r.stderr, /\n\s+at |ENOENT/, 'no stack trace, no file error');
});
