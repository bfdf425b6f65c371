import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ReplayScore } from '../../src/eval/replay-score.ts';
import { runCli } from '../helpers/run-cli.ts';

/**
 * The product's one job, as `npm start` shows it (issue 10): the demo enrols four people from one
 * photo each and names them when their 14–40 px faces cross the camera, with no wrong name and no
 * false alarm, at the shipped thresholds (the config defaults, never changed here): issue 10 asks for
 * 3 of 4. With face-api's tiny detector it named 2 (Ada's 17 px tilted head was found in 1 frame of
 * 40, Cleo's tinted face in 15 of 36); the small-face detector finds them in 39 and 28.
 */
async function assertDemoNames(extraArgs: readonly string[]): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'bf-demo-'));
  try {
    const json = join(dir, 'score.json');
    const r = await runCli(['demo', '--json', json, '--events', join(dir, 'events.jsonl'), ...extraArgs]);
    assert.equal(r.code, 0, r.stderr);
    const score = JSON.parse(await readFile(json, 'utf8')) as ReplayScore;
    const table = r.stdout.slice(r.stdout.indexOf('per person'));
    assert.equal(score.enrolled, 4);
    assert.ok(score.enrolled_named >= 3, `named ${score.enrolled_named} of 4\n${table}`);
    assert.equal(score.wrong_names, 0, table);
    assert.equal(score.false_alarms, 0, table);
    assert.equal(score.unassigned_match_events, 0, table);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('npm start names its watchlist people, with no wrong name and no false alarm', () =>
  assertDemoNames([]));

// The shipped ensemble through the whole pipeline at its own calibrated thresholds (config/ensemble.yaml).
test('the ensemble model names them too, at its own thresholds', () =>
  assertDemoNames(['--model', 'models/ensemble', '--config', 'config/ensemble.yaml']));
