import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli } from '../../helpers/run-cli.ts';

/** `bridgeface train-detector`: usage errors name the problem before any data is read. */

test('a reversed --frames range is a usage error naming the option', async () => {
  const r = await runCli(['train-detector', '--data', 'x', '--clip', 'y', '--frames', '5:3']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /--frames/);
  assert.match(r.stderr, /END > FIRST/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
});

test('a missing LFW root is named, without a stack trace', async () => {
  const r = await runCli(['train-detector', '--data', '/nonexistent-lfw', '--clip', 'y']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /\/nonexistent-lfw/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
});

test('--help shows the defaults of the shipped recipe', async () => {
  const r = await runCli(['train-detector', '--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /default: 620:795/);
  assert.match(r.stdout, /--epochs <n>\s+epochs \(default: 14\)/);
});
