import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { parseResolutions } from '../../../src/cli/commands/eval.ts';
import { offToNull, pxOrOff } from '../../../src/cli/options.ts';

const run = promisify(execFile);
const BIN = join(import.meta.dirname, '..', '..', '..', 'bin', 'bridgeface.mjs');

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], {
      env: { ...process.env, BRIDGEFACE_LOG_LEVEL: 'silent' },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

test('--teacher-from parsing: a size, or off for the model alone', () => {
  const parse = pxOrOff('--teacher-from');
  assert.equal(parse('24'), 24);
  assert.equal(offToNull(parse('off')), null);
  assert.equal(offToNull(parse('32')), 32);
  assert.throws(() => parse('0'), /--teacher-from must be a positive integer/);
});

test('--res parsing', () => {
  assert.deepEqual(parseResolutions('8, 12,16,HR'), [8, 12, 16, 'hr']);
  assert.throws(() => parseResolutions('8,x'), /"x" is not a pixel size/);
  assert.throws(() => parseResolutions('1'), /integer >= 2/);
});

test('user errors exit 1 with one clear line and no stack', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'bf-cli-'));
  try {
    const missing = await cli([
      'eval',
      '--model',
      'teacher',
      '--dataset',
      'lfw',
      '--data',
      join(dir, 'nope'),
    ]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /bridgeface: LFW root .*nope does not exist/);
    assert.doesNotMatch(missing.stderr, /\n\s+at /);

    const empty = await cli(['eval', '--model', 'teacher', '--dataset', 'folder', '--data', dir]);
    assert.equal(empty.code, 1);
    assert.match(empty.stderr, /has no images/);

    const badRes = await cli([
      'eval',
      '--model',
      'teacher',
      '--dataset',
      'lfw',
      '--data',
      dir,
      '--res',
      '8,abc',
    ]);
    assert.equal(badRes.code, 1);
    assert.match(badRes.stderr, /"abc" is not a pixel size/);

    // Rolled probes are camera crops: not with detector crops, not at "hr", not beyond the trained 45°.
    const base = ['eval', '--model', 'teacher', '--dataset', 'lfw', '--data', dir];
    const rollDetector = await cli([...base, '--roll', '20', '--crop', 'detector', '--res', '16']);
    assert.equal(rollDetector.code, 1);
    assert.match(rollDetector.stderr, /--roll and --deroll .* cannot be combined with --crop detector/);
    const rollHr = await cli([...base, '--deroll', '--res', '16,hr']);
    assert.equal(rollHr.code, 1);
    assert.match(rollHr.stderr, /leave "hr" out of --res/);
    const rollFar = await cli([...base, '--roll', '60', '--res', '16']);
    assert.equal(rollFar.code, 1);
    assert.match(rollFar.stderr, /--roll must be a number in \[0, 45\]/);
    for (const r of [rollDetector, rollHr, rollFar]) assert.doesNotMatch(r.stderr, /\n\s+at /);

    const badRoute = await cli([...base, '--teacher-from', 'large', '--res', '16']);
    assert.equal(badRoute.code, 1);
    assert.match(badRoute.stderr, /--teacher-from must be a positive integer/);

    const badDataset = await cli(['eval', '--model', 'teacher', '--dataset', 'mnist', '--data', dir]);
    assert.equal(badDataset.code, 1);
    assert.match(badDataset.stderr, /choices/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('eval --help lists the options', async () => {
  const help = await cli(['eval', '--help']);
  assert.equal(help.code, 0);
  for (const opt of [
    '--model',
    '--dataset',
    '--data',
    '--split',
    '--res',
    '--cross',
    '--json',
    '--plot',
    '--limit',
    '--roll',
    '--deroll',
    '--teacher-from',
  ]) {
    assert.ok(help.stdout.includes(opt), opt);
  }
});
